# Copyright (c) 2026, crm_profiles contributors
# For license information, please see license.txt
"""RFM Analysis: customers and value per RFM segment; pick a segment to drill down to its customers."""

from __future__ import annotations

import frappe
from frappe import _

from crm_profiles.compat import sql_fn
from crm_profiles.reports.common import BAR_AXIS, PROFILE, as_filters, profile_conditions


def execute(filters: dict | None = None):
	filters = as_filters(filters)
	conditions = [*profile_conditions(filters), ["rfm_segment", "is", "set"]]
	if filters.rfm_segment:
		return customer_columns(), customer_rows(conditions), None, None, None
	rows = segment_rows(conditions)
	return segment_columns(), rows, None, get_chart(rows), get_summary(rows)


def segment_columns() -> list[dict]:
	return [
		{"fieldname": "rfm_segment", "label": _("RFM Segment"), "fieldtype": "Select", "width": 180},
		{"fieldname": "customers", "label": _("Customers"), "fieldtype": "Int", "width": 110},
		{"fieldname": "share", "label": _("Share of Customers"), "fieldtype": "Percent", "width": 140},
		{"fieldname": "lifetime_value", "label": _("Lifetime Value"), "fieldtype": "Currency", "width": 150},
		{"fieldname": "value_share", "label": _("Share of Value"), "fieldtype": "Percent", "width": 130},
		{
			"fieldname": "average_order_value",
			"label": _("Average Order Value"),
			"fieldtype": "Currency",
			"width": 150,
		},
		{
			"fieldname": "avg_recency",
			"label": _("Average Days Since Last Order"),
			"fieldtype": "Float",
			"width": 170,
		},
	]


def segment_rows(conditions: list) -> list[dict]:
	rows = frappe.get_list(
		PROFILE,
		fields=[
			"rfm_segment",
			sql_fn("COUNT", "name", "customers"),
			sql_fn("SUM", "lifetime_value", "lifetime_value"),
			sql_fn("SUM", "order_count", "orders"),
			sql_fn("AVG", "days_since_last_order", "avg_recency"),
		],
		filters=conditions,
		group_by="rfm_segment",
		order_by="lifetime_value desc",
	)
	total_customers = sum(r.customers for r in rows) or 1
	total_value = sum(r.lifetime_value or 0 for r in rows) or 1
	for row in rows:
		row.share = round(100.0 * row.customers / total_customers, 1)
		row.value_share = round(100.0 * (row.lifetime_value or 0) / total_value, 1)
		row.average_order_value = (row.lifetime_value or 0) / row.orders if row.orders else 0
		row.avg_recency = round(row.avg_recency or 0, 1)
	return rows


def customer_columns() -> list[dict]:
	return [
		{"fieldname": "name", "label": _("Customer"), "fieldtype": "Link", "options": PROFILE, "width": 200},
		{"fieldname": "customer_name", "label": _("Customer Name"), "fieldtype": "Data", "width": 180},
		{"fieldname": "recency_score", "label": _("R"), "fieldtype": "Int", "width": 50},
		{"fieldname": "frequency_score", "label": _("F"), "fieldtype": "Int", "width": 50},
		{"fieldname": "monetary_score", "label": _("M"), "fieldtype": "Int", "width": 50},
		{"fieldname": "last_order_date", "label": _("Last Order Date"), "fieldtype": "Date", "width": 120},
		{"fieldname": "order_count", "label": _("Order Count"), "fieldtype": "Int", "width": 100},
		{"fieldname": "lifetime_value", "label": _("Lifetime Value"), "fieldtype": "Currency", "width": 140},
		{
			"fieldname": "tier",
			"label": _("Tier"),
			"fieldtype": "Link",
			"options": "Customer Tier",
			"width": 100,
		},
		{
			"fieldname": "account_owner",
			"label": _("Account Owner"),
			"fieldtype": "Link",
			"options": "User",
			"width": 160,
		},
	]


def customer_rows(conditions: list) -> list[dict]:
	return frappe.get_list(
		PROFILE,
		fields=[c["fieldname"] for c in customer_columns()],
		filters=conditions,
		order_by="lifetime_value desc, name asc",
		limit_page_length=0,
	)


def get_chart(rows: list[dict]) -> dict | None:
	if not rows:
		return None
	return {
		"data": {
			"labels": [_(r.rfm_segment) for r in rows],
			"datasets": [{"name": _("Customers"), "values": [r.customers for r in rows]}],
		},
		"type": "bar",
		# drawn once, still: a chart animating as the window resizes loses its SVG (frappe-charts)
		"animate": 0,
		"disableEntryAnimation": 1,
		"axisOptions": BAR_AXIS,
		"colors": ["#2490ef"],
	}


def get_summary(rows: list[dict]) -> list[dict]:
	by_segment = {r.rfm_segment: r for r in rows}
	summary = [
		{
			"value": sum(r.customers for r in rows),
			"label": _("Customers"),
			"datatype": "Int",
			"indicator": "Blue",
		}
	]
	for segment, colour in (("Champions", "Green"), ("Slipping Away", "Orange"), ("Lost", "Red")):
		row = by_segment.get(segment)
		summary.append(
			{
				"value": row.customers if row else 0,
				"label": _(segment),
				"datatype": "Int",
				"indicator": colour,
			}
		)
	return summary
