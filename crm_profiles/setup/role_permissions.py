"""Read access the app's roles need on ERPNext's masters to use the app's forms and reports.

ERPNext gives Sales User read on Customer, Territory, Customer Group and the other masters a customer
links to; the CRM roles get the same read (and nothing more), so every report runs for every role
declared on it and link fields resolve. System Manager and Sales Manager, declared on reports, get the same read.
Granted once, at install or by a patch, as Custom DocPerm rows an admin may change afterwards; uninstall
removes the CRM roles' rows and leaves the others (harmless, and they may predate the app).
"""

from __future__ import annotations

import frappe
from frappe.permissions import add_permission

from crm_profiles.compat import LEAD_SOURCE_DOCTYPE

ROLES = ("CRM Manager", "CRM User")
GRANTED_TO = (*ROLES, "System Manager", "Sales Manager")  # every role declared on a report
READ_ON = (
	"Customer",
	"Territory",
	"Customer Group",
	"Industry Type",
	LEAD_SOURCE_DOCTYPE,  # the profile's Source: Lead Source on v15, UTM Source on v16
	"Contact",
	"Address",
	"Currency",  # the profile's Figures Currency, shown in Customer 360
)


def grant_master_read() -> None:
	for doctype in READ_ON:
		if not frappe.db.exists("DocType", doctype):
			continue
		for role in GRANTED_TO:
			exists = frappe.db.exists(
				"Custom DocPerm", {"parent": doctype, "role": role, "permlevel": 0, "if_owner": 0}
			)
			if not exists:
				add_permission(doctype, role, 0, "read")
				frappe.db.set_value(
					"Custom DocPerm",
					{"parent": doctype, "role": role, "permlevel": 0, "if_owner": 0},
					{"report": 1},
				)
		frappe.clear_cache(doctype=doctype)


def revoke_master_read() -> None:
	"""before_uninstall: the rows this app added (any rows of its roles on these masters)."""
	frappe.db.delete("Custom DocPerm", {"parent": ("in", READ_ON), "role": ("in", ROLES)})
	for doctype in READ_ON:
		frappe.clear_cache(doctype=doctype)
