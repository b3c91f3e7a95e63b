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
from frappe.model import default_fields, no_value_fields, table_fields
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
		"""Frappe's link check, with each Link to an ordinary doctype checked here by one plain query that
		also reads the values the link fetches (``fetch_from: customer.territory``), and the Link copies
		it fetches not queried again.

		- A copied Link value comes from the row its link's check has just read: a value Frappe checked
		when that document was saved and keeps valid on rename and delete. Checking it again cost a query
		per copy on every save and every imported row.
		- Frappe builds each check through its query builder, which costs more than the query itself on a
		row of a Data Import.
		- Frappe 15 lets a link that fetches values through when its document does not exist (its check
		finds nothing and reports nothing); here that link is invalid, as on Frappe 16.
		- A Link to User that holds the signed-in user (an interaction's owner, by default) names a user
		that exists: it needs no query.

		Dynamic Links, links to virtual, single or submittable doctypes, and copies fetched only when
		empty stay with Frappe's check.
		"""
		own = session_user_links(self)
		taken = links_checked_here(self, own)
		if not taken and not own:
			return super().get_invalid_links(is_submittable)
		copies = {
			d.fieldname for _df, _doctype, fetched in taken.values() for d in fetched if d.fieldtype == "Link"
		}
		meta = self.meta  # Frappe's cached_property, kept in the instance's __dict__
		self.__dict__["meta"] = _LinkFieldsLeftOut(meta, set(taken) | copies | own)
		try:
			invalid, cancelled = super().get_invalid_links(is_submittable)
		finally:
			self.__dict__["meta"] = meta
		for fieldname, (df, doctype, fetched) in taken.items():
			docname = self.get(fieldname)
			columns = ["name", *(d.fetch_from.split(".", 1)[1] for d in fetched)]
			values = self.read_linked_row(fieldname, doctype, docname, columns)
			if not values:
				invalid.append((fieldname, docname, f"{_(df.label, context=df.parent)}: {docname}"))
				continue
			setattr(self, fieldname, values.name)  # the name as stored (MariaDB compares without case)
			for d in fetched:
				self.set_fetch_from_value(doctype, d, values)
			notify_link_count(doctype, docname)
		return invalid, cancelled

	def read_linked_row(self, fieldname: str, doctype: str, name: str, columns: list[str]) -> dict | None:
		"""The linked document's ``columns`` (its name first), None when it does not exist.

		Table and column names come from the meta (``links_checked_here`` keeps only columns the linked
		doctype has); the name is a parameter."""
		rows = frappe.db.sql(
			f"select {', '.join(f'`{c}`' for c in columns)} from `tab{doctype}` where name = %s",
			name,
			as_dict=True,
		)
		return rows[0] if rows else None


class _LinkFieldsLeftOut:
	"""A document's meta whose ``get_link_fields`` leaves out some fields; everything else is the meta's."""

	def __init__(self, meta, fieldnames: set[str]):
		self._meta, self._fieldnames = meta, fieldnames

	def __getattr__(self, name):
		return getattr(self._meta, name)

	def get_link_fields(self):
		return [df for df in self._meta.get_link_fields() if df.fieldname not in self._fieldnames]


def session_user_links(doc) -> set[str]:
	"""The Links to User of ``doc`` that hold the signed-in user, exactly, and fetch nothing."""
	user = frappe.session.user
	meta = doc.meta
	return {
		df.fieldname
		for df in meta.get_link_fields()
		if df.options == "User"
		and user
		and doc.get(df.fieldname) == user
		and not df.fetch_from
		and not meta.get_fields_to_fetch(df.fieldname)
	}


def links_checked_here(doc, own: set[str] = frozenset()) -> dict[str, tuple]:
	"""{fieldname: (field, linked doctype, fields its check sets)} for each set Link of ``doc`` that the
	app checks itself, with the fields its check fetches as Frappe's would set them (a field fetched only
	when empty, when it is empty; on a submitted document, only fields allowed on submit).

	Left to Frappe: a Link that is itself fetched from another, a link to a virtual, single or
	submittable doctype, one whose fetched values are not plain columns of the linked doctype, one whose
	fetched Link copies fetch values of their own, and every Dynamic Link. ``own``: the links that need
	no check at all (``session_user_links``), left out too.
	"""
	meta = doc.meta
	taken = {}
	for df in meta.get_link_fields():
		if df.fetch_from or not df.options or not doc.get(df.fieldname) or df.fieldname in own:
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
		sources = [d.fetch_from.split(".", 1)[1] for d in fetched]
		if not all(_is_column(target, c) for c in sources):
			continue
		if any(d.fieldtype == "Link" and meta.get_fields_to_fetch(d.fieldname) for d in fetched):
			continue
		taken[df.fieldname] = (df, df.options, fetched)
	return taken


def _is_column(meta, fieldname: str) -> bool:
	if fieldname in default_fields:
		return True
	df = meta.get_field(fieldname)
	return bool(df) and not df.is_virtual and df.fieldtype not in no_value_fields + table_fields


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
