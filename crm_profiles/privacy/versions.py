"""Version rows (the form's change history) without the values of fields the reader may not read.

Frappe's ``getdoc`` strips permlevel-1 fields from the document, but returns the Version rows in
``docinfo.versions`` as stored, with the old and new values of every changed field. These wrappers of the
form's two docinfo calls remove every changed, added or removed value of a field whose permlevel the user
has no read access to, for any doctype with such fields (``override_whitelisted_methods``).
"""

from __future__ import annotations

import json

import frappe
from frappe import _
from frappe.desk.form import load
from frappe.model.document import Document

from crm_profiles.utils import args


@frappe.whitelist()
def getdoc(doctype: str | None = None, name: str | None = None):
	doctype, name = _doctype_and_name(doctype, name)
	load.getdoc(doctype, name)
	redact_response_versions(doctype)


@frappe.whitelist()
def get_docinfo(doc=None, doctype: str | None = None, name: str | None = None):
	if doc is None:
		doctype, name = _doctype_and_name(doctype, name)
	elif not isinstance(doc, Document):  # over HTTP only doctype and name make sense
		args.fail("doc", _("must not be sent; send doctype and name"))
	load.get_docinfo(doc, doctype, name)
	redact_response_versions(doctype or (doc and doc.doctype))


def _doctype_and_name(doctype, name) -> tuple[str, str]:
	"""Both required, plain text, and the doctype one that exists: a 417 naming the argument, never a 500."""
	doctype, name = args.name(doctype, "doctype"), args.name(name, "name")
	if not frappe.db.exists("DocType", doctype):
		args.fail("doctype", _("is not a DocType"))
	return doctype, name


def redact_response_versions(doctype: str | None) -> None:
	docinfo = frappe.response.get("docinfo")
	if not doctype or not docinfo or not docinfo.get("versions"):
		return
	docinfo["versions"] = redact_versions(doctype, docinfo["versions"])


def hidden_fields(doctype: str, parenttype: str | None = None, user: str | None = None) -> set[str]:
	"""Fields of ``doctype`` at a permlevel the user may not read."""
	meta = frappe.get_meta(doctype)
	levels = {df.permlevel for df in meta.fields if df.permlevel}
	if not levels or not meta.get_permissions(parenttype=parenttype):
		return set()
	access = set(meta.get_permlevel_access("read", parenttype=parenttype, user=user))
	return {df.fieldname for df in meta.fields if df.permlevel and df.permlevel not in access}


def redact_versions(doctype: str, versions: list[dict], user: str | None = None) -> list[dict]:
	hidden = hidden_fields(doctype, user=user)
	tables = {
		df.fieldname: hidden_fields(df.options, parenttype=doctype, user=user)
		for df in frappe.get_meta(doctype).get_table_fields()
	}
	tables = {k: v for k, v in tables.items() if v}
	hidden_tables = {f for f in tables if f in hidden}
	if not hidden and not tables:
		return versions
	out = []
	for version in versions:
		try:
			data = json.loads(version.get("data") or "{}")
		except ValueError:
			continue
		data = _redact(data, hidden, tables, hidden_tables)
		if any(data.get(k) for k in ("changed", "added", "removed", "row_changed")) or data.get("comment"):
			out.append({**version, "data": json.dumps(data, indent=1, sort_keys=True)})
	return out


def _redact(data: dict, hidden: set[str], tables: dict[str, set[str]], hidden_tables: set[str]) -> dict:
	data["changed"] = [row for row in data.get("changed") or [] if row and row[0] not in hidden]
	for key in ("added", "removed"):
		rows = []
		for table, row in data.get(key) or []:
			if table in hidden_tables:
				continue
			if isinstance(row, dict):
				row = {k: v for k, v in row.items() if k not in tables.get(table, set())}
			rows.append([table, row])
		data[key] = rows
	changed_rows = []
	for entry in data.get("row_changed") or []:
		table, idx, name, changes = entry
		if table in hidden_tables:
			continue
		changes = [c for c in changes if c and c[0] not in tables.get(table, set())]
		if changes:
			changed_rows.append([table, idx, name, changes])
	data["row_changed"] = changed_rows
	return data
