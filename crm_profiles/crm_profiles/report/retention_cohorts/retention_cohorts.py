# Copyright (c) 2026, crm_profiles contributors
# For license information, please see license.txt
"""Retention Cohorts: customers grouped by the month of their first order, and the share of each cohort
that ordered again in each later month.

One grouped, permission-aware read of submitted Sales Orders (customer x month); the cohort maths runs
over those distinct pairs, not over orders.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import add_months, cint, getdate, nowdate

from crm_profiles.compat import extract
from crm_profiles.reports.common import PROFILE, as_filters, profile_conditions, validate_date_range

MONTHS = 12


def execute(filters: dict | None = None):
	filters = as_filters(filters)
	filters.from_date = filters.from_date or add_months(nowdate(), -(MONTHS - 1))
	filters.to_date = filters.to_date or nowdate()
	validate_date_range(filters)
	months = min(cint(filters.months) or MONTHS, 24)
	rows = get_data(filters, months)
	return get_columns(months), rows, None, get_chart(rows, months), get_summary(rows)


def month_index(ym: str | int) -> int:
	"""Months since year 0 of "2026-03" or of 202603 (SQL's EXTRACT(YEAR_MONTH ...))."""
	year, month = divmod(int(ym), 100) if str(ym).isdigit() else map(int, str(ym).split("-"))
	return year * 12 + month - 1


def order_conditions(filters: frappe._dict) -> list[list]:
	conditions = [["docstatus", "=", 1]]
	if filters.company:
		conditions.append(["company", "=", filters.company])
	# Territory and group are the customer's (as on its profile), not the order's copy of them.
	profile_filters = profile_conditions(filters)
	if profile_filters:
		customers = frappe.get_list(PROFILE, filters=profile_filters, pluck="name", limit_page_length=0)
		conditions.append(["customer", "in", customers or [""]])
	return conditions


def get_data(filters: frappe._dict, months: int) -> list[dict]:
	pairs = frappe.get_list(
		"Sales Order",
		fields=["customer", extract("YEAR_MONTH", "transaction_date", "ym")],
		filters=order_conditions(filters),
		group_by="customer, ym",
		limit_page_length=0,
	)
	active: dict[str, set[int]] = {}
	for pair in pairs:
		active.setdefault(pair.customer, set()).add(month_index(pair.ym))
	first_month = month_index(getdate(filters.from_date).strftime("%Y-%m"))
	last_month = month_index(getdate(filters.to_date).strftime("%Y-%m"))
	current = month_index(getdate(nowdate()).strftime("%Y-%m"))
	cohorts: dict[int, list[set[int]]] = {}
	for ordered in active.values():
		start = min(ordered)
		if first_month <= start <= last_month:
			cohorts.setdefault(start, []).append(ordered)
	rows = []
	for start in sorted(cohorts):
		members = cohorts[start]
		row = {"cohort": f"{start // 12}-{start % 12 + 1:02d}", "customers": len(members)}
		for k in range(months):
			if start + k > current:
				break
			still = sum(1 for ordered in members if start + k in ordered)
			row[f"m{k}"] = round(100.0 * still / len(members), 1)
		rows.append(row)
	return rows


def get_columns(months: int) -> list[dict]:
	columns = [
		{"fieldname": "cohort", "label": _("First Order Month"), "fieldtype": "Data", "width": 130},
		{"fieldname": "customers", "label": _("Customers"), "fieldtype": "Int", "width": 100},
	]
	columns += [
		{"fieldname": f"m{k}", "label": _("Month {0}").format(k), "fieldtype": "Percent", "width": 90}
		for k in range(months)
	]
	return columns


def get_chart(rows: list[dict], months: int) -> dict | None:
	if not rows:
		return None
	curve = []
	for k in range(1, months):
		shares = [r[f"m{k}"] for r in rows if f"m{k}" in r]
		curve.append(round(sum(shares) / len(shares), 1) if shares else 0)
	return {
		"data": {
			"labels": [_("Month {0}").format(k) for k in range(1, months)],
			"datasets": [{"name": _("Average Share Still Ordering"), "values": curve}],
		},
		"type": "line",
		# drawn once, still: a chart animating as the window resizes loses its SVG (frappe-charts)
		"animate": 0,
		"disableEntryAnimation": 1,
	}


def get_summary(rows: list[dict]) -> list[dict]:
	with_next = [r for r in rows if "m1" in r]
	repeat = sum(r["m1"] * r["customers"] for r in with_next) / (sum(r["customers"] for r in with_next) or 1)
	return [
		{
			"value": sum(r["customers"] for r in rows),
			"label": _("New Customers"),
			"datatype": "Int",
			"indicator": "Blue",
		},
		{
			"value": round(repeat, 1),
			"label": _("Ordered Again the Next Month"),
			"datatype": "Percent",
			"indicator": "Green",
		},
	]
