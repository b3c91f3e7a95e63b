"""Defaults that make the app useful on first install, and never overwrite an admin's edits."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.model import no_value_fields

SETTINGS = "CRM Profile Settings"
PROFILE = "Customer Profile"

# name, rank, colour, loyal, window value, orders in window, tenure months, max days since last order,
# follow-up interval days, description
DEFAULT_TIERS = (
	(
		"Platinum",
		40,
		"#7c3aed",
		1,
		50000,
		8,
		12,
		120,
		14,
		"Top accounts: high spend, frequent orders, long relationship.",
	),
	("Gold", 30, "#d97706", 1, 20000, 4, 6, 180, 30, "Valuable repeat buyers."),
	("Silver", 20, "#64748b", 0, 5000, 2, 0, 365, 60, "Regular customers with growing spend."),
	("Bronze", 10, "#b45309", 0, 0, 1, 0, 0, 90, "Every customer who has ordered in the window."),
)


def fill_default_settings() -> list[str]:
	"""Store each setting's default where the site has no value yet; returns the fields it set.

	Settings added by a later version get their defaults on migrate; values an admin saved stay.
	"""
	stored = set(frappe.db.sql("select field from `tabSingles` where doctype = %s", SETTINGS, pluck=True))
	filled = []
	for df in frappe.get_meta(SETTINGS).fields:
		if df.default is not None and df.fieldname not in stored and df.fieldtype not in no_value_fields:
			frappe.db.set_single_value(SETTINGS, df.fieldname, df.default, update_modified=False)
			filled.append(df.fieldname)
	if filled:
		frappe.clear_document_cache(SETTINGS, SETTINGS)
	return filled


def create_default_tiers() -> int:
	"""Create Bronze, Silver, Gold and Platinum, only on a site that has no tiers at all."""
	if frappe.db.count("Customer Tier"):
		return 0
	for name, rank, colour, loyal, value, orders, tenure, max_days, interval, description in DEFAULT_TIERS:
		frappe.get_doc(
			{
				"doctype": "Customer Tier",
				"tier_name": name,
				"rank": rank,
				"color": colour,
				"is_loyal": loyal,
				"min_window_value": value,
				"min_order_count": orders,
				"min_tenure_months": tenure,
				"max_days_since_last_order": max_days,
				"follow_up_interval_days": interval,
				"description": _(description),
			}
		).insert(ignore_permissions=True)  # install step run by Administrator; fixed, trusted values
	return len(DEFAULT_TIERS)


# The profile list as people read it: stage (the indicator), tier, value, territory and owner.
LIST_VIEW_FIELDS = ("status_field", "tier", "lifetime_value", "territory", "account_owner")


def create_list_view_settings() -> bool:
	"""List View Settings of Customer Profile with its columns in reading order, unless the site has some.

	Frappe shows four columns below 1366 px unless List View Settings say more; an admin's own settings
	(made in the list's settings dialog) are never touched.
	"""
	if frappe.db.exists("List View Settings", PROFILE):
		return False
	meta = frappe.get_meta(PROFILE)
	fields = [
		{"fieldname": f, "label": "Status" if f == "status_field" else meta.get_label(f)}
		for f in LIST_VIEW_FIELDS
	]
	frappe.get_doc(
		{
			"doctype": "List View Settings",
			"name": PROFILE,
			"total_fields": str(len(fields) + 2),  # with the title and the tags columns
			"fields": frappe.as_json(fields),
		}
	).insert(ignore_permissions=True)  # install and migrate step; fixed values
	return True
