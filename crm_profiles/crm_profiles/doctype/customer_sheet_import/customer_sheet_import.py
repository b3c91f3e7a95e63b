# Copyright (c) 2026, crm_profiles contributors
# For license information, please see license.txt

import json

import frappe
from frappe import _

from crm_profiles.privacy.permissions import require
from crm_profiles.sheets import exporting, reading
from crm_profiles.sheets import plan as planning
from crm_profiles.utils import args
from crm_profiles.utils.document import AppDocument

IMPORT = "Customer Sheet Import"
# What an import writes, with the importing user's permissions
WRITES = (("Customer", "create"), ("Contact", "create"), ("Address", "create"), ("Customer Profile", "write"))


class CustomerSheetImport(AppDocument):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		bulk_write: DF.Check
		create_duplicates: DF.Check
		created_rows: DF.Int
		duplicate_rows: DF.Int
		error: DF.SmallText | None
		error_rows: DF.Int
		failed_rows: DF.Int
		finished_on: DF.Datetime | None
		ignored_columns: DF.SmallText | None
		import_file: DF.Attach
		new_rows: DF.Int
		preview_json: DF.Code | None
		row_log: DF.Code | None
		skipped_rows: DF.Int
		started_on: DF.Datetime | None
		status: DF.Literal[
			"Draft", "Previewed", "Queued", "Running", "Completed", "Completed with Errors", "Failed"
		]
		total_rows: DF.Int
		update_rows: DF.Int
		updated_rows: DF.Int
	# end: auto-generated types

	def validate(self):
		self.check_file_type()
		self.check_file_access()
		self.reset_when_the_sheet_changes()

	def check_file_type(self):
		if self.import_file and not self.import_file.lower().endswith((".xlsx", ".csv")):
			frappe.throw(
				_("Attach an Excel (.xlsx) or CSV (.csv) sheet."),
				frappe.ValidationError,
				title=_("Invalid {0}").format(_("Sheet")),
			)

	def check_file_access(self):
		"""The sheet's URL is the user's input, and Frappe attaches whatever file it names to the document
		on save: name only a file the user may read already (their own upload)."""
		if not self.import_file or not (self.is_new() or self.has_value_changed("import_file")):
			return
		reading.readable_file(self.import_file)

	def reset_when_the_sheet_changes(self):
		"""A new sheet needs a new preview; an import that ran keeps its sheet."""
		if self.is_new() or not self.has_value_changed("import_file"):
			return
		if self.status not in ("Draft", "Previewed"):
			frappe.throw(
				_("This sheet was imported already; start a new Customer Sheet Import for another sheet."),
				frappe.ValidationError,
			)
		self.status = "Draft"
		self.preview_json = None


def _editable(name) -> str:
	"""The import named ``name``, which the user may write (403 otherwise)."""
	name = args.name(name, "name")
	require(IMPORT, name, "write", _("Not permitted to import customer sheets."))
	return name


@frappe.whitelist(methods=["POST"])
def preview(name: str) -> dict:
	"""Read the sheet and say, per row, what the import would do; nothing else is written."""
	name = _editable(name)
	doc = frappe.get_doc(IMPORT, name)
	if doc.status not in ("Draft", "Previewed"):
		frappe.throw(_("This sheet was imported already."), frappe.ValidationError)
	if not doc.import_file:
		frappe.throw(_("Attach a sheet first."), frappe.ValidationError)
	plan = planning.plan_sheet(doc.import_file)
	counts = plan.counts()
	values = {
		"status": "Previewed",
		"total_rows": len(plan.rows),
		"new_rows": counts[planning.NEW],
		"update_rows": counts[planning.UPDATE],
		"duplicate_rows": counts[planning.DUPLICATE],
		"error_rows": counts[planning.ERROR],
		"ignored_columns": ", ".join(plan.mapping.ignored) or None,
		"preview_json": json.dumps(
			[r.as_dict() for r in plan.rows], ensure_ascii=False, separators=(",", ":")
		),
	}
	frappe.db.set_value(IMPORT, name, values)
	return {k: v for k, v in values.items() if k != "preview_json"}


@frappe.whitelist(methods=["POST"])
def start_import(name: str) -> dict:
	"""Queue the import of a previewed sheet on the long queue; progress arrives on the form."""
	name = _editable(name)
	missing = [
		f"{_(doctype)} ({_(ptype)})" for doctype, ptype in WRITES if not frappe.has_permission(doctype, ptype)
	]
	if missing:
		frappe.throw(
			_("Importing customers needs these permissions: {0}").format(", ".join(missing)),
			frappe.PermissionError,
		)
	status = frappe.db.get_value(IMPORT, name, "status")
	if status != "Previewed":
		frappe.throw(_("Preview the sheet before importing it."), frappe.ValidationError)
	frappe.db.set_value(IMPORT, name, {"status": "Queued", "error": None})
	frappe.enqueue(
		"crm_profiles.sheets.importing.run_import",
		queue="long",
		timeout=7200,
		job_id=f"crm_profiles_sheet_import::{name}",
		deduplicate=True,
		enqueue_after_commit=True,
		name=name,
		lang=frappe.local.lang,
	)
	return {"status": "Queued"}


@frappe.whitelist()
def export_customers(file_format: str = "xlsx") -> None:
	"""Download the customers the user may read as the sheet the import reads, in the user's language."""
	if not frappe.has_permission("Customer Profile", "export"):
		frappe.throw(_("Not permitted to export customers."), frappe.PermissionError)
	file_format = args.choice(file_format, "file_format", ("xlsx", "csv"), default="xlsx")
	rows = exporting.sheet_rows()
	filename = _("Customers")
	if file_format == "csv":
		from frappe.utils.csvutils import to_csv

		frappe.response["filecontent"] = "\ufeff" + to_csv(rows)  # the BOM makes Excel read UTF-8
		frappe.response["filename"] = f"{filename}.csv"
	else:
		from frappe.utils.xlsxutils import make_xlsx

		frappe.response["filecontent"] = make_xlsx(rows, filename).getvalue()
		frappe.response["filename"] = f"{filename}.xlsx"
	frappe.response["type"] = "binary"
