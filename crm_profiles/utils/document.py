"""The base class of every DocType controller of the app: typed values in, computed values kept.

Two rules hold for every write, from every channel (REST PUT and POST, ``frappe.client.set_value``,
the desk's save, Data Import, bulk edit), because they all end in ``Document.insert`` or ``save``:

1. **Values have the field's type.** A list or an object in a scalar field, text in a number field, a
   number out of the column's range or a garbage date is refused with a translated message naming the
   field (``frappe.ValidationError``, HTTP 417), before Frappe reads the value or sends it to MariaDB.
2. **Computed fields are the server's.** Every read-only field of the DocType (``computed_fields``,
   read from the meta, so a new read-only field is covered without a code change) is reset on insert
   and restored from the database on update before ``validate`` runs; the controller, the engines and
   Frappe's ``fetch_from`` then compute it again. Code of the app that creates a document with such
   values itself sets ``doc.flags.computed_by_server`` (or writes with ``ignore_permissions``).
"""

from __future__ import annotations

import frappe
from frappe.model import no_value_fields, table_fields
from frappe.model.document import Document

from crm_profiles.utils.validation import validate_value_types


class AppDocument(Document):
	def insert(self, *args, **kwargs):
		validate_value_types(self)
		# Frappe marks the document new only inside insert(); a document built with get_doc(dict) is not
		# marked yet, and keep_computed_fields would read a stored row that cannot exist
		self.set("__islocal", 1)
		self._drop_written_computed_fields(args, kwargs)
		return super().insert(*args, **kwargs)

	def save(self, *args, **kwargs):
		validate_value_types(self)
		self._drop_written_computed_fields(args, kwargs)
		return super().save(*args, **kwargs)

	def _drop_written_computed_fields(self, args: tuple, kwargs: dict) -> None:
		"""Before Frappe's own permission and link checks: they must judge the server's values of
		computed fields, not what a writer sent for them (before_validate drops them again after
		Frappe has fetched its fetch_from values)."""
		ignore = kwargs.get("ignore_permissions", args[0] if args else None)
		if ignore or self.flags.ignore_permissions or self.flags.computed_by_server:
			return
		keep_computed_fields(self)

	def before_validate(self):
		keep_computed_fields(self)


def workflow_state_field(doctype: str) -> str | None:
	"""The state field of the doctype's active workflow: Frappe's workflow checks its transitions."""
	from frappe.model.workflow import get_workflow_name

	workflow = get_workflow_name(doctype)
	return frappe.get_cached_value("Workflow", workflow, "workflow_state_field") if workflow else None


def computed_fields(doctype: str) -> list:
	"""Every field the server computes on ``doctype``: its read-only value fields.

	A workflow's state field is left to Frappe's workflow, which refuses transitions that are not allowed.
	"""
	meta = frappe.get_meta(doctype)
	state_field = workflow_state_field(doctype)
	return [
		df
		for df in meta.fields
		if df.read_only
		and not df.is_virtual
		and df.fieldtype not in no_value_fields
		and df.fieldtype not in table_fields
		and df.fieldname != state_field
	]


def _empty(df):
	if df.fieldtype in ("Int", "Check"):
		return frappe.utils.cint(df.default)
	if df.fieldtype in ("Float", "Currency", "Percent"):
		return frappe.utils.flt(df.default)
	return df.default or None


def keep_computed_fields(doc) -> None:
	"""before_validate: whatever the writer sent for a computed field is dropped."""
	if doc.flags.computed_by_server or doc.flags.ignore_permissions:
		return  # server code writing its own values; no request reaches a document with these flags
	computed = computed_fields(doc.doctype)
	computed_names = {df.fieldname for df in computed}
	fields = [df for df in computed if not _fetched_now(doc, df, computed_names)]
	if not fields:
		return
	stored = None
	if not doc.is_new():
		stored = frappe.db.get_value(doc.doctype, doc.name, [df.fieldname for df in fields], as_dict=True)
	for df in fields:
		doc.set(df.fieldname, stored.get(df.fieldname) if stored else _empty(df))


def _fetched_now(doc, df, computed_names: set[str]) -> bool:
	"""Frappe fetched this ``fetch_from`` value in this save from a link the writer may set.

	A value fetched through a link that is itself computed came from what the writer sent, so it is
	restored with that link.
	"""
	if not df.fetch_from or df.fetch_if_empty:
		return False
	link_field = df.fetch_from.split(".")[0]
	return bool(doc.get(link_field)) and link_field not in computed_names
