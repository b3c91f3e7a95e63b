# Copyright (c) 2026, crm_profiles contributors
# For license information, please see license.txt
"""At-Risk Customers: customers in the At Risk stage (and, optionally, Churned), largest value first.

Value at risk is the customer's order value in the trailing window (12 months by default); a customer
with nothing in the window counts its average order value, the least one more lost order is worth.

It shows the 500 customers with the most value at risk unless "Rows" asks for more. The ranking and the
summary read four narrow columns of every match; only the rows shown are read in full.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import cint

from crm_profiles.reports.common import (
	BAR_AXIS,
	PROFILE,
	as_filters,
	profile_conditions,
	row_count,
	shown_message,
)

RANKED = ("name", "window_value", "average_order_value", "account_owner")
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
	ranked = get_ranked(filters)
	rows = get_data(ranked, row_count(filters))
	return get_columns(), rows, shown_message(len(rows), len(ranked)), get_chart(rows), get_summary(ranked)


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


def get_conditions(filters: frappe._dict) -> list[list]:
	stages = ["At Risk", "Churned"] if cint(filters.include_churned) else ["At Risk"]
	conditions = [c for c in profile_conditions(filters) if c[0] != "lifecycle_stage"]
	conditions.append(["lifecycle_stage", "in", stages])
	if cint(filters.min_days):
		conditions.append(["days_since_last_order", ">=", cint(filters.min_days)])
	return conditions


def get_ranked(filters: frappe._dict) -> list[dict]:
	"""Every matching customer, most value at risk first: the narrow columns the ranking needs."""
	rows = frappe.get_list(PROFILE, fields=list(RANKED), filters=get_conditions(filters), limit_page_length=0)
	for row in rows:
		row.value_at_risk = row.window_value or row.average_order_value or 0
	return sorted(rows, key=lambda r: (-r.value_at_risk, r.name))


def get_data(ranked: list[dict], limit: int) -> list[dict]:
	"""The first ``limit`` customers of the ranking (0: all), read in full, in the ranking's order."""
	top = ranked[:limit] if limit else ranked
	if not top:
		return []
	rows = {
		r.name: r
		for r in frappe.get_list(
			PROFILE, fields=list(FIELDS), filters=[["name", "in", [r.name for r in top]]], limit_page_length=0
		)
	}
	shown = []
	for ranked_row in top:
		if row := rows.get(ranked_row.name):
			row.value_at_risk = ranked_row.value_at_risk  # computed once, by the ranking
			shown.append(row)
	return shown


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
		# drawn once, still: a chart animating as the window resizes loses its SVG (frappe-charts)
		"animate": 0,
		"disableEntryAnimation": 1,
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
