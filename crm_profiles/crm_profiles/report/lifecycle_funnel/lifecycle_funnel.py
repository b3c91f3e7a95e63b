# Copyright (c) 2026, crm_profiles contributors
# For license information, please see license.txt
"""Lifecycle Funnel: customers and value in each lifecycle stage, in lifecycle order."""

from __future__ import annotations

import frappe
from frappe import _

from crm_profiles.compat import sql_fn
from crm_profiles.reports.common import BAR_AXIS, PROFILE, STAGES, as_filters, profile_conditions


def execute(filters: dict | None = None):
	filters = as_filters(filters)
	rows = get_data(filters)
	return get_columns(), rows, None, get_chart(rows), get_summary(rows)


def get_columns() -> list[dict]:
	return [
		{"fieldname": "lifecycle_stage", "label": _("Lifecycle Stage"), "fieldtype": "Data", "width": 150},
		{"fieldname": "customers", "label": _("Customers"), "fieldtype": "Int", "width": 110},
		{"fieldname": "share", "label": _("Share of Customers"), "fieldtype": "Percent", "width": 140},
		{"fieldname": "window_value", "label": _("Value in Window"), "fieldtype": "Currency", "width": 150},
		{"fieldname": "lifetime_value", "label": _("Lifetime Value"), "fieldtype": "Currency", "width": 150},
	]


def get_data(filters: frappe._dict) -> list[dict]:
	grouped = {
		r.lifecycle_stage: r
		for r in frappe.get_list(
			PROFILE,
			fields=[
				"lifecycle_stage",
				sql_fn("COUNT", "name", "customers"),
				sql_fn("SUM", "window_value", "window_value"),
				sql_fn("SUM", "lifetime_value", "lifetime_value"),
			],
			filters=profile_conditions(filters),
			group_by="lifecycle_stage",
		)
	}
	total = sum(r.customers for r in grouped.values()) or 1
	rows = []
	for stage in STAGES:
		row = grouped.get(stage) or frappe._dict(customers=0, window_value=0, lifetime_value=0)
		rows.append(
			{
				"lifecycle_stage": _(stage),
				"stage": stage,
				"customers": row.customers,
				"share": round(100.0 * row.customers / total, 1),
				"window_value": row.window_value or 0,
				"lifetime_value": row.lifetime_value or 0,
			}
		)
	return rows


def get_chart(rows: list[dict]) -> dict:
	return {
		"data": {
			"labels": [r["lifecycle_stage"] for r in rows],
			"datasets": [{"name": _("Customers"), "values": [r["customers"] for r in rows]}],
		},
		"type": "bar",
		# drawn once, still: a chart animating as the window resizes loses its SVG (frappe-charts)
		"animate": 0,
		"disableEntryAnimation": 1,
		"axisOptions": BAR_AXIS,
		"colors": ["#5e64ff"],
	}


def get_summary(rows: list[dict]) -> list[dict]:
	by_stage = {r["stage"]: r["customers"] for r in rows}
	buying = sum(by_stage[s] for s in ("New", "Active", "Loyal"))
	return [
		{"value": buying, "label": _("Buying"), "datatype": "Int", "indicator": "Green"},
		{"value": by_stage["At Risk"], "label": _("At Risk"), "datatype": "Int", "indicator": "Orange"},
		{"value": by_stage["Churned"], "label": _("Churned"), "datatype": "Int", "indicator": "Red"},
	]
