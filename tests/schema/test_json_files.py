"""Schema checks over every DocType, report, workspace and fixture JSON file of the app.

Link targets are checked against this app always, and against Frappe and ERPNext when a bench is found.
"""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import pytest
from support.bench import BENCH, skip_or_fail, skip_reason

APP = Path(__file__).resolve().parents[2] / "crm_profiles"
MODULE = APP / "crm_profiles"
LINK_TYPES = {"Link", "Table", "Table MultiSelect"}
NO_LABEL_TYPES = {"Column Break", "Section Break"}
DOCTYPE_FILES = sorted(MODULE.glob("doctype/*/*.json"))
ALL_JSON = sorted(p for p in APP.rglob("*.json") if "node_modules" not in p.parts)


def load(path: Path):
	return json.loads(path.read_text(encoding="utf-8"))


def doctype_names_in(root: Path) -> set[str]:
	names = set()
	for path in root.glob("**/doctype/*/*.json"):
		if path.parent.name == path.stem:
			try:
				data = load(path)
			except ValueError:
				continue
			if isinstance(data, dict) and data.get("doctype") == "DocType":
				names.add(data["name"])
	return names


OUR_DOCTYPES = doctype_names_in(MODULE)


def test_the_app_has_doctypes_in_a_synced_module_folder():
	assert (APP / "modules.txt").read_text().split("\n")[0].strip() == "CRM Profiles"
	assert {
		"Customer Profile",
		"Customer Interaction",
		"Customer Tier",
		"CRM Profile Settings",
	} <= OUR_DOCTYPES
	# Frappe only syncs module folders: nothing may sit directly under the package.
	assert not (APP / "doctype").exists()
	assert not (APP / "report").exists()


@pytest.mark.parametrize("path", ALL_JSON, ids=lambda p: str(p.relative_to(APP)))
def test_json_is_valid(path):
	load(path)


@pytest.mark.parametrize("path", DOCTYPE_FILES, ids=lambda p: p.parent.name)
def test_doctype_shape(path):
	dt = load(path)
	assert dt["doctype"] == "DocType"
	assert dt["module"] == "CRM Profiles"
	# frappe.scrub: spaces and hyphens become underscores (frappe/modules/utils.py get_module_name)
	assert path.stem == dt["name"].lower().replace(" ", "_").replace("-", "_")
	fieldnames = [f["fieldname"] for f in dt["fields"]]
	assert len(fieldnames) == len(set(fieldnames)), "duplicate fieldnames"
	assert dt["field_order"] == fieldnames
	assert dt.get("track_changes") == 1, "track_changes must be on"
	for field in dt["fields"]:
		if field["fieldtype"] not in NO_LABEL_TYPES:
			assert field.get("label"), f"{field['fieldname']} has no label"
	if not dt.get("istable"):
		assert dt["permissions"], "a DocType needs permissions"
		for perm in dt["permissions"]:
			assert perm.get("role") and perm.get("read")
	controller = path.with_suffix(".py")
	assert controller.is_file(), "controller missing"


@pytest.mark.parametrize("path", DOCTYPE_FILES, ids=lambda p: p.parent.name)
def test_internal_link_targets_exist(path):
	dt = load(path)
	for field in dt["fields"]:
		if field["fieldtype"] in {"Table", "Table MultiSelect"}:
			assert field["options"] in OUR_DOCTYPES, (
				f"{field['fieldname']}: child table {field['options']} missing"
			)


@pytest.fixture(scope="module")
def platform_doctypes() -> set[str]:
	if skip_reason() and not (BENCH / "apps" / "frappe").is_dir():
		skip_or_fail(
			f"Frappe and ERPNext sources not found in {BENCH}/apps: external link targets not checked"
		)
	names = set()
	for app in ("frappe", "erpnext"):
		names |= doctype_names_in(BENCH / "apps" / app / app)
	return names


@pytest.mark.parametrize("path", DOCTYPE_FILES, ids=lambda p: p.parent.name)
def test_every_link_target_exists(path, platform_doctypes):
	from crm_profiles.compat import LINK_OPTIONS, MOVED_OUT_IN_V16

	# The JSON names the Frappe 15 target; on the bench's Frappe 16 it is the one compat.LINK_OPTIONS
	# sets at install. Read the bench's version from its sources: this test may run without frappe.
	init = (BENCH / "apps" / "frappe" / "frappe" / "__init__.py").read_text()
	bench_v16 = int(re.search(r'__version__ = "(\d+)\.', init).group(1)) >= 16
	dt = load(path)
	for field in dt["fields"]:
		if field["fieldtype"] in LINK_TYPES:
			target = field.get("options")
			if bench_v16:
				target = LINK_OPTIONS.get((dt["name"], field["fieldname"]), target)
				if target in MOVED_OUT_IN_V16:  # another app's DocType there; the app copes without it
					assert target not in platform_doctypes, f"{target} is back in Frappe 16: update compat"
					continue
			assert target in OUR_DOCTYPES | platform_doctypes, f"{field['fieldname']} -> {target} not found"


def test_fixtures_are_lists_of_documents():
	for path in sorted((APP / "fixtures").glob("*.json")):
		records = load(path)
		assert isinstance(records, list) and records
		for record in records:
			assert record.get("doctype") and record.get("name")


def test_reports_are_complete():
	for path in sorted(MODULE.glob("report/*/*.json")):
		report = load(path)
		assert report["doctype"] == "Report" and report["module"] == "CRM Profiles"
		assert report["ref_doctype"]
		if report["report_type"] == "Script Report":
			assert path.with_suffix(".py").is_file()
			assert path.with_suffix(".js").is_file()


def test_workspaces_link_to_existing_doctypes_and_reports():
	reports = {load(p)["name"] for p in MODULE.glob("report/*/*.json")}
	for path in sorted(MODULE.glob("workspace/*/*.json")):
		ws = load(path)
		assert ws["doctype"] == "Workspace"
		for link in ws.get("links", []):
			if link.get("type") == "Link" and link.get("link_type") == "Report":
				assert link["link_to"] in reports


def _dotted_paths(value):
	if isinstance(value, str):
		if value.startswith("crm_profiles."):
			yield value
	elif isinstance(value, dict):
		for v in value.values():
			yield from _dotted_paths(v)
	elif isinstance(value, list | tuple):
		for v in value:
			yield from _dotted_paths(v)


def test_hooks_dotted_paths_import():
	reason = skip_reason()
	if reason:
		skip_or_fail(reason)
	hooks = importlib.import_module("crm_profiles.hooks")
	paths = sorted(
		{p for name in dir(hooks) if not name.startswith("_") for p in _dotted_paths(getattr(hooks, name))}
	)
	assert paths, "hooks name no crm_profiles paths"
	for dotted in paths:
		module, _, attr = dotted.rpartition(".")
		assert callable(getattr(importlib.import_module(module), attr)), dotted
	for asset in hooks.doctype_js.values():
		assert (APP / asset).is_file(), asset


JS_FILES = sorted(p for p in APP.rglob("*.js") if "node_modules" not in p.parts)


@pytest.mark.parametrize("path", JS_FILES, ids=lambda p: str(p.relative_to(APP)))
def test_javascript_parses(path):
	import shutil
	import subprocess

	node = shutil.which("node")
	if not node:
		skip_or_fail("node is not installed: JavaScript syntax not checked")
	proc = subprocess.run([node, "--check", str(path)], capture_output=True, text=True)
	assert proc.returncode == 0, proc.stderr


def test_no_hook_is_assigned_twice():
	"""A second `name = {...}` in hooks.py silently replaces the first (a merge once dropped the
	getdoc and get_docinfo overrides that way)."""
	import ast
	from collections import Counter

	tree = ast.parse((APP / "hooks.py").read_text())
	names = Counter(
		target.id
		for node in tree.body
		if isinstance(node, ast.Assign)
		for target in node.targets
		if isinstance(target, ast.Name)
	)
	assert not [name for name, count in names.items() if count > 1]
