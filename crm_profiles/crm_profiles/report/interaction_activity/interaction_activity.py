# Copyright (c) 2026, crm_profiles contributors
# For license information, please see license.txt
"""Interaction Activity: interactions by type, channel or user, per week or month."""

from __future__ import annotations

import datetime

import frappe
from frappe import _
from frappe.utils import add_days, add_months, getdate, nowdate

from crm_profiles.compat import extract, sql_fn
from crm_profiles.reports.common import PROFILE, as_filters, profile_conditions, validate_date_range

INTERACTION = "Customer Interaction"
GROUP_FIELDS = {
	"Type": "interaction_type",
	"Channel": "channel",
	"User": "interaction_owner",
	"Direction": "direction",
}
# Period labels: "2026-03" for a month, "2026-W09" for an ISO week (as MariaDB's '%x-W%v').
PERIOD_FORMATS = {"Monthly": "{0:04d}-{1:02d}", "Weekly": "{2:04d}-W{3:02d}"}


def execute(filters: dict | None = None):
	filters = as_filters(filters)
	filters.from_date = filters.from_date or add_months(nowdate(), -6)
	filters.to_date = filters.to_date or nowdate()
	filters.group_by = filters.group_by or "Type"
	filters.period = filters.period or "Monthly"
	validate(filters)
	periods, rows = get_data(filters)
	return get_columns(filters, periods), rows, None, get_chart(periods, rows), get_summary(rows)


def validate(filters: frappe._dict) -> None:
	validate_date_range(filters)
	if filters.group_by not in GROUP_FIELDS:
		frappe.throw(_("Group By must be one of {0}.").format(", ".join(_(g) for g in GROUP_FIELDS)))
	if filters.period not in PERIOD_FORMATS:
		frappe.throw(_("Period must be one of {0}.").format(", ".join(_(p) for p in PERIOD_FORMATS)))


def interaction_conditions(filters: frappe._dict) -> list[list]:
	conditions = [
		["interaction_date", ">=", getdate(filters.from_date)],
		["interaction_date", "<", add_days(getdate(filters.to_date), 1)],
		["status", "!=", "Cancelled"],
	]
	for fieldname in ("territory", "customer_group"):
		conditions += [c for c in profile_conditions(frappe._dict({fieldname: filters.get(fieldname)}))]
	if filters.user:
		conditions.append(["interaction_owner", "=", filters.user])
	profile_only = frappe._dict({k: filters.get(k) for k in ("tier", "lifecycle_stage", "account_owner")})
	if any(profile_only.values()):
		customers = frappe.get_list(
			PROFILE, filters=profile_conditions(profile_only), pluck="name", limit_page_length=0
		)
		conditions.append(["customer", "in", customers or [""]])
	return conditions


def get_data(filters: frappe._dict) -> tuple[list[str], list[dict]]:
	field = GROUP_FIELDS[filters.group_by]
	# Counted per group and day (at most one row per day and group), then summed per week or month here:
	# EXTRACT is the date function that both Frappe 15 and 16 let get_list use.
	counts = frappe.get_list(
		INTERACTION,
		fields=[
			f"{field} as group_key",
			extract("YEAR_MONTH", "interaction_date", "ym"),
			extract("DAY", "interaction_date", "dd"),
			sql_fn("COUNT", "name", "interactions"),
		],
		filters=interaction_conditions(filters),
		group_by="group_key, ym, dd",
		order_by="ym asc",
		limit_page_length=0,
	)
	periods: set[str] = set()
	rows: dict[str, dict] = {}
	for c in counts:
		period = period_of(int(c.ym), int(c.dd), filters.period)
		periods.add(period)
		label = c.group_key or _("Not Set")
		row = rows.setdefault(
			label, {"group": _(label) if field != "interaction_owner" else label, "total": 0}
		)
		row[period_key(period)] = row.get(period_key(period), 0) + c.interactions
		row["total"] += c.interactions
	return sorted(periods), sorted(rows.values(), key=lambda r: -r["total"])


def period_of(year_month: int, day: int, period: str) -> str:
	year, month = divmod(year_month, 100)
	iso_year, iso_week, _weekday = datetime.date(year, month, day).isocalendar()
	return PERIOD_FORMATS[period].format(year, month, iso_year, iso_week)


def period_key(period: str) -> str:
	return "p_" + period.replace("-", "_")


def get_columns(filters: frappe._dict, periods: list[str]) -> list[dict]:
	group_label = {"Type": _("Type"), "Channel": _("Channel"), "User": _("User"), "Direction": _("Direction")}
	columns = [
		{"fieldname": "group", "label": group_label[filters.group_by], "fieldtype": "Data", "width": 180}
	]
	columns += [{"fieldname": period_key(p), "label": p, "fieldtype": "Int", "width": 90} for p in periods]
	columns.append({"fieldname": "total", "label": _("Total"), "fieldtype": "Int", "width": 90})
	return columns


def get_chart(periods: list[str], rows: list[dict]) -> dict | None:
	if not rows:
		return None
	return {
		"data": {
			"labels": periods,
			"datasets": [
				{"name": r["group"], "values": [r.get(period_key(p), 0) for p in periods]} for r in rows[:6]
			],
		},
		"type": "bar",
		# drawn once, still: a chart animating as the window resizes loses its SVG (frappe-charts)
		"animate": 0,
		"disableEntryAnimation": 1,
		"barOptions": {"stacked": 1},
	}


def get_summary(rows: list[dict]) -> list[dict]:
	return [
		{
			"value": sum(r["total"] for r in rows),
			"label": _("Interactions"),
			"datatype": "Int",
			"indicator": "Blue",
		}
	]
