"""Extract every user-facing string of the app, the way a translator needs them."""

from __future__ import annotations

import ast
import csv
import json
import re
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "crm_profiles"
_JS_STRING = re.compile(r"""__\(\s*(["'`])((?:\\.|(?!\1).)*?)\1""", re.S)
# Calls whose first string argument is shown to users: _() and the pure modules' ValueProblem().
_PY_CALLS = {"_", "_lt", "ValueProblem"}


def _python_strings(path: Path) -> set[str]:
	found = set()
	for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
		if isinstance(node, ast.Call) and node.args:
			name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
			first = node.args[0]
			if name in _PY_CALLS and isinstance(first, ast.Constant) and isinstance(first.value, str):
				found.add(first.value)
	return found


def _json_strings(path: Path) -> set[str]:
	data = json.loads(path.read_text(encoding="utf-8"))
	found = set()
	docs = data if isinstance(data, list) else [data]
	for doc in docs:
		if not isinstance(doc, dict):
			continue
		kind = doc.get("doctype")
		if kind == "DocType":
			found.add(doc["name"])
			for field in doc.get("fields", []):
				for key in ("label", "description"):
					if field.get(key):
						found.add(field[key])
				if field.get("fieldtype") == "Select" and field.get("options"):
					found.update(o for o in field["options"].split("\n") if o and not o.endswith("-"))
		elif kind == "Role":
			found.add(doc["name"])
		elif kind in (
			"Report",
			"Workspace",
			"Number Card",
			"Dashboard Chart",
			"Module Onboarding",
			"Onboarding Step",
			"Workspace Sidebar",
			"Desktop Icon",
		):
			for key in (
				"name",
				"label",
				"title",
				"report_name",
				"chart_name",
				"subtitle",
				"success_message",
				"action_label",
				"description",
			):
				if doc.get(key):
					found.add(doc[key])
			for link in doc.get("links", []) + doc.get("shortcuts", []) + doc.get("items", []):
				if link.get("label"):
					found.add(link["label"])
	return found


def app_strings() -> set[str]:
	strings: set[str] = set()
	for path in APP.rglob("*.py"):
		strings |= _python_strings(path)
	for path in APP.rglob("*.js"):
		strings |= {m.group(2) for m in _JS_STRING.finditer(path.read_text(encoding="utf-8"))}
	for path in APP.rglob("*.json"):
		kinds = (
			"fixtures",
			"doctype",
			"report",
			"workspace",
			"module_onboarding",
			"onboarding_step",
			"number_card",
			"dashboard_chart",
			"workspace_sidebar",
			"desktop_icon",
		)
		if any(kind in path.parts for kind in kinds):
			strings |= _json_strings(path)
	return {s for s in strings if s.strip() and not re.fullmatch(r"[\W\d_{}]+", s)}


def zh_translations() -> dict[str, str]:
	with open(APP / "translations" / "zh.csv", encoding="utf-8", newline="") as fh:
		return {row[0]: row[1] for row in csv.reader(fh) if len(row) >= 2 and row[0]}
