"""Personal ID, encrypted at rest: shown only to users who may read the profile's permlevel-1 fields.

The field is a Password field, so Frappe keeps the value encrypted with the site's key (``__Auth``)
and the profile's column holds only asterisks: no list, filter, sort, export or report sees it.
"""

from __future__ import annotations

import frappe
from frappe import _

from crm_profiles.utils import args

PROFILE = "Customer Profile"
FIELD = "personal_id"


def may_read(doc) -> bool:
	return doc.has_permission("read") and doc.has_permlevel_access_to(FIELD, permission_type="read")


@frappe.whitelist(methods=["POST"])
def reveal_personal_id(customer: str) -> str | None:
	"""The decrypted Personal ID of one profile, for the roles that may read it (CRM and System Managers)."""
	customer = args.name(customer, "customer")
	if not frappe.db.exists(PROFILE, customer):
		frappe.throw(
			_("Customer {0} does not exist.").format(frappe.bold(customer)), frappe.DoesNotExistError
		)
	doc = frappe.get_doc(PROFILE, customer)
	if not may_read(doc):
		frappe.throw(
			_("Not permitted to read the Personal ID of {0}.").format(frappe.bold(customer)),
			frappe.PermissionError,
		)
	return doc.get_password(FIELD, raise_exception=False)
