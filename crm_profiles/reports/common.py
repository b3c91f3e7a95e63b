"""Pieces every crm_profiles report shares: standard filters, validation and permission-aware reads.

Rows are read with frappe.get_list, so role permissions, User Permissions and the app's record scoping
(permission_query_conditions) apply to every report exactly as they apply to the list view.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import getdate

from crm_profiles.utils.args import report_filters

PROFILE = "Customer Profile"
STAGES = ("Prospect", "New", "Active", "Loyal", "At Risk", "Churned")
TREE_FILTERS = {"territory": "Territory", "customer_group": "Customer Group"}
EQUAL_FILTERS = ("tier", "lifecycle_stage", "account_owner", "rfm_segment")
# Bar charts give each label 1.2 of its bar's slot (frappe-charts keeps 0.6), so short names such as
# "At Risk" are never cut to "At ..."; long ones on a phone still are, with the full name on hover.
BAR_AXIS = {"seriesLabelSpaceRatio": 1.2, "shortenYAxisNumbers": 1}


DEFAULT_ROWS = 500


def row_count(filters: frappe._dict) -> int:
	"""Rows a report shows, largest first: its "Rows" filter (``DEFAULT_ROWS`` when empty), 0 for all."""
	return DEFAULT_ROWS if filters.rows is None else filters.rows


def shown_message(shown: int, total: int) -> str | None:
	"""The line above a report that shows only its first rows."""
	if shown >= total:
		return None
	return _("The first {0} of {1} rows, largest first. Choose Rows to see more.").format(
		frappe.format_value(shown, {"fieldtype": "Int"}), frappe.format_value(total, {"fieldtype": "Int"})
	)


def as_filters(filters: dict | None) -> frappe._dict:
	"""The report's filters, each coerced and checked (a 417 naming the filter otherwise)."""
	return report_filters(filters)


def validate_date_range(filters: frappe._dict) -> None:
	if filters.from_date and filters.to_date and getdate(filters.from_date) > getdate(filters.to_date):
		frappe.throw(_("From Date must be before To Date."), title=_("Invalid dates"))


def profile_conditions(filters: frappe._dict) -> list[list]:
	"""get_list filters for the standard profile filters; territory and group include their children."""
	conditions = []
	for fieldname, doctype in TREE_FILTERS.items():
		value = filters.get(fieldname)
		if value:
			if not frappe.db.exists(doctype, value):
				frappe.throw(_("{0} {1} does not exist.").format(_(doctype), frappe.bold(value)))
			conditions.append([fieldname, "descendants of (inclusive)", value])
	for fieldname in EQUAL_FILTERS:
		if filters.get(fieldname):
			conditions.append([fieldname, "=", filters.get(fieldname)])
	return conditions
