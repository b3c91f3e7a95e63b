"""Regenerate the type blocks (``# begin: auto-generated types``) of every DocType controller in this
checkout from its JSON, with Frappe's own TypeExporter, as the DocType editor does in developer mode.

    $FRAPPE_BENCH/env/bin/python scripts/export_types.py [--check]

Needs a bench with a site that has crm_profiles installed (``CRM_PROFILES_TEST_SITE``, default
``crm-test.localhost``). ``--check`` changes nothing and exits 1 when a block is stale.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOCTYPES = REPO / "crm_profiles" / "crm_profiles" / "doctype"


def format_python(path: Path) -> None:
	"""Frappe writes the block unformatted; format it as scripts/lint expects."""
	import shutil
	import subprocess

	cache = Path(os.environ.get("CRM_PROFILES_CACHE") or "~/.cache/crm_profiles").expanduser()
	ruff = cache / "lint" / "venv" / "bin" / "ruff"
	ruff = str(ruff) if ruff.exists() else shutil.which("ruff")
	if not ruff:
		raise SystemExit("ruff not found: run scripts/lint once to install it")
	subprocess.run([ruff, "check", "--fix", "-q", "--select", "I", str(path)], cwd=REPO, check=False)
	subprocess.run([ruff, "format", "-q", str(path)], cwd=REPO, check=True)


def main(check: bool) -> int:
	import frappe
	from frappe.types.exporter import TypeExporter

	bench = Path(os.environ.get("FRAPPE_BENCH") or "~/frappe-bench").expanduser()
	os.chdir(bench / "sites")
	frappe.init(site=os.environ.get("CRM_PROFILES_TEST_SITE") or "crm-test.localhost", sites_path=".")
	frappe.connect()
	stale = []
	try:
		for path in sorted(DOCTYPES.glob("*/*.json")):
			data = json.loads(path.read_text())
			if data.get("doctype") != "DocType":
				continue
			controller = path.with_suffix(".py")
			if not controller.exists():
				continue
			exporter = TypeExporter(frappe.get_doc(data))
			exporter.controller_path = controller
			before = controller.read_text()
			exporter.export_types()
			format_python(controller)
			if controller.read_text() != before:
				stale.append(controller.relative_to(REPO))
				if check:
					controller.write_text(before)
	finally:
		frappe.destroy()
	for name in stale:
		print(f"{'stale' if check else 'regenerated'}: {name}")
	return 1 if check and stale else 0


if __name__ == "__main__":
	sys.exit(main("--check" in sys.argv[1:]))
