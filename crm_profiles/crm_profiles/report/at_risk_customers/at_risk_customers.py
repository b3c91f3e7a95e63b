# Copyright (c) 2026, crm_profiles contributors
# For license information, please see license.txt
"""At-Risk Customers: customers in the At Risk stage (and, optionally, Churned), largest value first.

Value at risk is the customer's order value in the trailing window (12 months by default); a customer
with nothing in the window counts its average order value, the least one more lost order is worth.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import cint

from crm_profiles.reports.common import BAR_AXIS, PROFILE, as_filters, profile_conditions

FIELDS = (
	"name",
	"customer_name",
	"lifecycle_stage",
	"tier",
	"territory",
	"account_owner",
	"last_order_date",
	"days_since_last_order",
	"order_count",
	"window_value",
	"average_order_value",
	"lifetime_value",
)


def execute(filters: dict | None = None):
	filters = as_filters(filters)
	rows = get_data(filters)
	return get_columns(), rows, None, get_chart(rows), get_summary(rows)


def get_columns() -> list[dict]:
	return [
		{"fieldname": "name", "label": _("Customer"), "fieldtype": "Link", "options": PROFILE, "width": 200},
		{"fieldname": "customer_name", "label": _("Customer Name"), "fieldtype": "Data", "width": 180},
		{"fieldname": "lifecycle_stage", "label": _("Lifecycle Stage"), "fieldtype": "Select", "width": 110},
		{
			"fieldname": "tier",
			"label": _("Tier"),
			"fieldtype": "Link",
			"options": "Customer Tier",
			"width": 100,
		},
		{"fieldname": "last_order_date", "label": _("Last Order Date"), "fieldtype": "Date", "width": 120},
		{
			"fieldname": "days_since_last_order",
			"label": _("Days Since Last Order"),
			"fieldtype": "Int",
			"width": 120,
		},
		{"fieldname": "value_at_risk", "label": _("Value at Risk"), "fieldtype": "Currency", "width": 140},
		{"fieldname": "lifetime_value", "label": _("Lifetime Value"), "fieldtype": "Currency", "width": 140},
		{
			"fieldname": "account_owner",
			"label": _("Account Owner"),
			"fieldtype": "Link",
			"options": "User",
			"width": 170,
		},
		{
			"fieldname": "territory",
			"label": _("Territory"),
			"fieldtype": "Link",
			"options": "Territory",
			"width": 120,
		},
	]


def get_data(filters: frappe._dict) -> list[dict]:
	stages = ["At Risk", "Churned"] if cint(filters.include_churned) else ["At Risk"]
	conditions = [c for c in profile_conditions(filters) if c[0] != "lifecycle_stage"]
	conditions.append(["lifecycle_stage", "in", stages])
	if cint(filters.min_days):
		conditions.append(["days_since_last_order", ">=", cint(filters.min_days)])
	rows = frappe.get_list(PROFILE, fields=list(FIELDS), filters=conditions, limit_page_length=0)
	for row in rows:
		row.value_at_risk = row.window_value or row.average_order_value or 0
	return sorted(rows, key=lambda r: (-r.value_at_risk, r.name))


def get_chart(rows: list[dict]) -> dict | None:
	if not rows:
		return None
	top = rows[:10]
	return {
		"data": {
			"labels": [r.customer_name or r.name for r in top],
			"datasets": [{"name": _("Value at Risk"), "values": [r.value_at_risk for r in top]}],
		},
		"type": "bar",
		"axisOptions": BAR_AXIS,
		"colors": ["#ff5858"],
	}


def get_summary(rows: list[dict]) -> list[dict]:
	return [
		{"value": len(rows), "label": _("Customers at Risk"), "datatype": "Int", "indicator": "Orange"},
		{
			"value": sum(r.value_at_risk for r in rows),
			"label": _("Value at Risk"),
			"datatype": "Currency",
			"indicator": "Red",
		},
		{
			"value": sum(1 for r in rows if not r.account_owner),
			"label": _("Without an Owner"),
			"datatype": "Int",
			"indicator": "Grey",
		},
	]
