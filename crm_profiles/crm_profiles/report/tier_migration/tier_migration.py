# Copyright (c) 2026, crm_profiles contributors
# For license information, please see license.txt
"""Tier Migration: how many customers moved from each tier to each other tier in a period.

Reads the tier changes recorded in Customer Profile Change; the profile filters apply through a
permission-aware read of the profiles, so a user sees only movements of customers they may see.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import add_days, add_months, getdate, nowdate

from crm_profiles.compat import sql_fn
from crm_profiles.reports.common import PROFILE, as_filters, profile_conditions, validate_date_range

CHANGE = "Customer Profile Change"


def execute(filters: dict | None = None):
	filters = as_filters(filters)
	filters.from_date = filters.from_date or add_months(nowdate(), -3)
	filters.to_date = filters.to_date or nowdate()
	validate_date_range(filters)
	rows = get_data(filters)
	return get_columns(), rows, None, None, get_summary(rows)


def get_columns() -> list[dict]:
	return [
		{"fieldname": "from_tier", "label": _("From Tier"), "fieldtype": "Select", "width": 140},
		{"fieldname": "to_tier", "label": _("To Tier"), "fieldtype": "Select", "width": 140},
		{"fieldname": "direction", "label": _("Direction"), "fieldtype": "Data", "width": 110},
		{"fieldname": "customers", "label": _("Customers"), "fieldtype": "Int", "width": 110},
		{"fieldname": "moves", "label": _("Moves"), "fieldtype": "Int", "width": 90},
	]


def get_data(filters: frappe._dict) -> list[dict]:
	# Changes carry no territory: restrict them to the profiles this user may see and asked for.
	visible = frappe.get_list(PROFILE, filters=profile_conditions(filters), pluck="name", limit_page_length=0)
	conditions = [
		["change_type", "=", "Tier"],
		["changed_on", ">=", getdate(filters.from_date)],
		["changed_on", "<", add_days(getdate(filters.to_date), 1)],
	]
	conditions.append(["customer_profile", "in", visible or [""]])
	# One row per (from, to, customer): moves add up, customers are counted once (no COUNT(DISTINCT) in
	# v16's get_list).
	per_customer = frappe.get_list(
		CHANGE,
		fields=["from_value", "to_value", "customer_profile", sql_fn("COUNT", "name", "moves")],
		filters=conditions,
		group_by="from_value, to_value, customer_profile",
		order_by="from_value asc",
		limit_page_length=0,
	)
	grouped: dict[tuple, frappe._dict] = {}
	for row in per_customer:
		change = grouped.setdefault(
			(row.from_value, row.to_value),
			frappe._dict(from_value=row.from_value, to_value=row.to_value, moves=0, customers=0),
		)
		change.moves += row.moves
		change.customers += 1
	changes = sorted(grouped.values(), key=lambda c: (-c.moves, c.from_value or "", c.to_value or ""))
	ranks = dict(frappe.get_all("Customer Tier", fields=["name", "rank"], as_list=True))
	rows = []
	for change in changes:
		before, after = ranks.get(change.from_value, 0), ranks.get(change.to_value, 0)
		rows.append(
			{
				"from_tier": change.from_value or _("No Tier"),
				"to_tier": change.to_value or _("No Tier"),
				"direction": _("Up") if after > before else _("Down") if after < before else _("Same Rank"),
				"customers": change.customers,
				"moves": change.moves,
			}
		)
	return rows


def get_summary(rows: list[dict]) -> list[dict]:
	up = sum(r["moves"] for r in rows if r["direction"] == _("Up"))
	down = sum(r["moves"] for r in rows if r["direction"] == _("Down"))
	return [
		{"value": up, "label": _("Moved Up"), "datatype": "Int", "indicator": "Green"},
		{"value": down, "label": _("Moved Down"), "datatype": "Int", "indicator": "Red"},
	]
