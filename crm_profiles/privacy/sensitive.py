"""Personal ID, encrypted at rest: shown only to users who may read the profile's permlevel-1 fields.

The field is a Password field, so Frappe keeps the value encrypted with the site's key (``__Auth``)
and the profile's column holds only asterisks: no list, filter, sort, export or report sees it.
"""

from __future__ import annotations

import frappe
from frappe import _

from crm_profiles.privacy.permissions import require_exists
from crm_profiles.utils import args

PROFILE = "Customer Profile"
FIELD = "personal_id"


def encrypted_fields() -> set[str]:
	"""The profile's Password fields: Personal ID, and any an admin adds in Customize Form."""
	return {df.fieldname for df in frappe.get_meta(PROFILE).fields if df.fieldtype == "Password"}


def may_read(doc) -> bool:
	return doc.has_permission("read") and doc.has_permlevel_access_to(FIELD, permission_type="read")


@frappe.whitelist(methods=["POST"])
def reveal_personal_id(customer: str) -> str | None:
	"""The decrypted Personal ID of one profile, for the roles that may read it (CRM and System Managers)."""
	customer = args.name(customer, "customer")
	require_exists(PROFILE, customer)
	doc = frappe.get_doc(PROFILE, customer)
	if not may_read(doc):
		frappe.throw(
			_("Not permitted to read the Personal ID of {0}.").format(frappe.bold(customer)),
			frappe.PermissionError,
		)
	return doc.get_password(FIELD, raise_exception=False)


def forget_redacted_values(doc, method=None) -> None:
	"""After a Personal Data Deletion Request redacted the profiles of its email address, drop their
	encrypted values too.

	Frappe redacts a Password field by overwriting its column (the mask) with a placeholder; the value
	itself, encrypted in ``__Auth``, would stay behind and come back with any backup and the site's key.
	Frappe puts the request's name (or its ``anon``) in the redacted profiles' email column, which is how
	they are found; only those whose column no longer holds a mask lose the encrypted row and the
	placeholder. Runs on each step's save of the request, and is idempotent.
	"""
	anon = getattr(doc, "anon", None) or doc.name
	fields = encrypted_fields()
	if not fields or not any(
		step.document_type == PROFILE and step.status == "Deleted" for step in doc.get("deletion_steps") or []
	):
		return
	for fieldname in fields:
		names = frappe.db.sql_list(
			f"""select name from `tab{PROFILE}` where email_id = %(anon)s
			and `{fieldname}` is not null and `{fieldname}` != '' and `{fieldname}` not regexp '^[*]+$'""",
			{"anon": anon},
		)
		if names:
			frappe.db.delete("__Auth", {"doctype": PROFILE, "fieldname": fieldname, "name": ("in", names)})
			frappe.db.sql(
				f"update `tab{PROFILE}` set `{fieldname}` = null where name in %(names)s",
				{"names": tuple(names)},
			)
