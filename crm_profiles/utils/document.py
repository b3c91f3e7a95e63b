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
from frappe import _
from frappe.model import no_value_fields, table_fields
from frappe.model.document import Document
from frappe.model.utils.link_count import notify_link_count

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

	def get_invalid_links(self, is_submittable=False):
		"""Frappe's link check, with the links that fetch values (``customer`` for ``fetch_from:
		customer.territory``) checked here, one query each, and their Link copies not queried again.

		A copied Link value comes from the row its link's check has just read: a value Frappe checked when
		that document was saved and keeps valid on rename and delete. Checking it again costs a query per
		copy on every save and every imported row.

		Frappe 15 lets a link that fetches values through when its document does not exist (its check
		finds nothing and reports nothing); here that link is invalid, as on Frappe 16.
		"""
		taken = links_that_fetch(self)
		if not taken:
			return super().get_invalid_links(is_submittable)
		left_out = set(taken) | {
			d.fieldname for _df, _doctype, fetched in taken.values() for d in fetched if d.fieldtype == "Link"
		}
		meta = self.meta  # Frappe's cached_property, kept in the instance's __dict__
		self.__dict__["meta"] = _LinkFieldsLeftOut(meta, left_out)
		try:
			invalid, cancelled = super().get_invalid_links(is_submittable)
		finally:
			self.__dict__["meta"] = meta
		for fieldname, (df, doctype, fetched) in taken.items():
			docname = self.get(fieldname)
			columns = ["name", *(d.fetch_from.split(".", 1)[1] for d in fetched)]
			values = frappe.db.get_value(doctype, docname, columns, as_dict=True)
			if not values:
				invalid.append((fieldname, docname, f"{_(df.label, context=df.parent)}: {docname}"))
				continue
			setattr(self, fieldname, values.name)  # the name as stored (MariaDB compares without case)
			for d in fetched:
				self.set_fetch_from_value(doctype, d, values)
			notify_link_count(doctype, docname)
		return invalid, cancelled


class _LinkFieldsLeftOut:
	"""A document's meta whose ``get_link_fields`` leaves out some fields; everything else is the meta's."""

	def __init__(self, meta, fieldnames: set[str]):
		self._meta, self._fieldnames = meta, fieldnames

	def __getattr__(self, name):
		return getattr(self._meta, name)

	def get_link_fields(self):
		return [df for df in self._meta.get_link_fields() if df.fieldname not in self._fieldnames]


def links_that_fetch(doc) -> dict[str, tuple]:
	"""{fieldname: (field, linked doctype, fields its check sets)} for each set Link of ``doc`` whose
	check fetches values into other fields, as Frappe's check would set them (a field fetched only when
	empty, when it is empty; on a submitted document, only fields allowed on submit).

	Left to Frappe: a link that is itself fetched from another, a link to a virtual, single or
	submittable doctype, and every Dynamic Link.
	"""
	meta = doc.meta
	fetched_from = {df.fetch_from.split(".", 1)[0] for df in meta.fields if df.fetch_from}
	taken = {}
	for df in meta.get_link_fields():
		if df.fieldname not in fetched_from or not df.options or not doc.get(df.fieldname) or df.fetch_from:
			continue
		target = frappe.get_meta(df.options)
		if target.get("is_virtual") or target.issingle or target.is_submittable:
			continue
		fetched = [
			d
			for d in meta.get_fields_to_fetch(df.fieldname)
			if (not d.fetch_if_empty or not doc.get(d.fieldname))
			and (doc.is_new() or not doc.docstatus.is_submitted() or d.allow_on_submit)
		]
		if fetched:
			taken[df.fieldname] = (df, df.options, fetched)
	return taken


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
