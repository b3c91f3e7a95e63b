# Copyright (c) 2026, crm_profiles contributors
# For license information, please see license.txt

"""Reorder Due: customers whose usual reorder interval for an item has passed, most overdue first.

Rows are the stored Reorder Due recommendations (crm_profiles.recommendations.engine), read through
frappe.get_list, so the viewer's permissions apply.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import date_diff, nowdate

from crm_profiles.reports.common import as_filters

RECOMMENDATION = "Customer Recommendation"


def execute(filters: dict | None = None):
	filters = as_filters(filters)  # each filter coerced; a 417 naming it otherwise
	columns = get_columns()
	data = get_data(filters)
	return columns, data, None, None, get_summary(data)


def get_columns() -> list[dict]:
	return [
		{
			"fieldname": "customer",
			"label": _("Customer"),
			"fieldtype": "Link",
			"options": "Customer",
			"width": 180,
		},
		{"fieldname": "customer_name", "label": _("Customer Name"), "fieldtype": "Data", "width": 180},
		{"fieldname": "item_code", "label": _("Item"), "fieldtype": "Link", "options": "Item", "width": 160},
		{"fieldname": "times_bought", "label": _("Times Bought"), "fieldtype": "Int", "width": 110},
		{
			"fieldname": "typical_interval_days",
			"label": _("Typical Interval (Days)"),
			"fieldtype": "Int",
			"width": 150,
		},
		{"fieldname": "last_ordered_on", "label": _("Last Ordered On"), "fieldtype": "Date", "width": 120},
		{"fieldname": "due_on", "label": _("Due On"), "fieldtype": "Date", "width": 110},
		{"fieldname": "days_overdue", "label": _("Days Overdue"), "fieldtype": "Int", "width": 110},
		{
			"fieldname": "account_owner",
			"label": _("Account Owner"),
			"fieldtype": "Link",
			"options": "User",
			"width": 160,
		},
	]


def get_data(filters: frappe._dict) -> list[dict]:
	conditions = [["kind", "=", "Reorder Due"]]
	for fieldname in ("customer", "item_code", "account_owner"):
		if filters.get(fieldname):
			conditions.append([fieldname, "=", filters.get(fieldname)])
	rows = frappe.get_list(
		RECOMMENDATION,
		filters=conditions,
		fields=[
			"customer",
			"customer_name",
			"item_code",
			"times_bought",
			"typical_interval_days",
			"last_ordered_on",
			"due_on",
			"account_owner",
		],
		order_by="due_on asc, customer asc",
		limit_page_length=0,
	)
	today = nowdate()
	for row in rows:
		row["days_overdue"] = date_diff(today, row["due_on"]) if row.get("due_on") else None
	return rows


def get_summary(data: list[dict]) -> list[dict]:
	return [
		{"label": _("Reorders Due"), "value": len(data), "datatype": "Int"},
		{"label": _("Customers"), "value": len({r["customer"] for r in data}), "datatype": "Int"},
	]
