# Copyright (c) 2026, crm_profiles contributors
# For license information, please see license.txt
"""Tier Distribution: customers and value per Customer Tier, highest rank first."""

from __future__ import annotations

import frappe
from frappe import _

from crm_profiles.compat import sql_fn
from crm_profiles.reports.common import PROFILE, as_filters, profile_conditions


def execute(filters: dict | None = None):
	filters = as_filters(filters)
	rows = get_data(filters)
	return get_columns(), rows, None, get_chart(rows), get_summary(rows)


def get_columns() -> list[dict]:
	return [
		{
			"fieldname": "tier",
			"label": _("Tier"),
			"fieldtype": "Link",
			"options": "Customer Tier",
			"width": 140,
		},
		{"fieldname": "rank", "label": _("Rank"), "fieldtype": "Int", "width": 70},
		{"fieldname": "customers", "label": _("Customers"), "fieldtype": "Int", "width": 110},
		{"fieldname": "share", "label": _("Share of Customers"), "fieldtype": "Percent", "width": 140},
		{"fieldname": "window_value", "label": _("Value in Window"), "fieldtype": "Currency", "width": 150},
		{"fieldname": "lifetime_value", "label": _("Lifetime Value"), "fieldtype": "Currency", "width": 150},
		{
			"fieldname": "average_value",
			"label": _("Average Lifetime Value"),
			"fieldtype": "Currency",
			"width": 160,
		},
	]


def get_data(filters: frappe._dict) -> list[dict]:
	rows = frappe.get_list(
		PROFILE,
		fields=[
			"tier",
			sql_fn("COUNT", "name", "customers"),
			sql_fn("SUM", "window_value", "window_value"),
			sql_fn("SUM", "lifetime_value", "lifetime_value"),
		],
		filters=profile_conditions(filters),
		group_by="tier",
	)
	ranks = dict(frappe.get_all("Customer Tier", fields=["name", "rank"], as_list=True))
	total = sum(r.customers for r in rows) or 1
	for row in rows:
		row.rank = ranks.get(row.tier, 0)
		row.share = round(100.0 * row.customers / total, 1)
		row.average_value = (row.lifetime_value or 0) / row.customers if row.customers else 0
		if not row.tier:
			row.tier = None
	return sorted(rows, key=lambda r: (-(r.rank or 0), r.tier or ""))


def get_chart(rows: list[dict]) -> dict | None:
	if not rows:
		return None
	return {
		"data": {
			"labels": [_(r.tier) if r.tier else _("No Tier") for r in rows],
			"datasets": [{"name": _("Customers"), "values": [r.customers for r in rows]}],
		},
		"type": "pie",
		# drawn once, still: a chart animating as the window resizes loses its SVG (frappe-charts)
		"animate": 0,
		"disableEntryAnimation": 1,
	}


def get_summary(rows: list[dict]) -> list[dict]:
	tiered = sum(r.customers for r in rows if r.tier)
	return [
		{
			"value": sum(r.customers for r in rows),
			"label": _("Customers"),
			"datatype": "Int",
			"indicator": "Blue",
		},
		{"value": tiered, "label": _("With a Tier"), "datatype": "Int", "indicator": "Green"},
		{
			"value": sum(r.lifetime_value or 0 for r in rows),
			"label": _("Lifetime Value"),
			"datatype": "Currency",
			"indicator": "Purple",
		},
	]
