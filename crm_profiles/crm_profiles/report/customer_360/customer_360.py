# Copyright (c) 2026, crm_profiles contributors
# For license information, please see license.txt
"""Customer 360: one row per customer, with the ten figures people read first.

"Show All Columns" adds every other readable field of the Customer Profile (from its meta, so fields an
admin adds through Customize Form appear with no code change). Sensitive details (the fields at
permlevel 1: birthday, private notes) are added only when the user also ticks "Include Sensitive
Details" and may read them. Rows come from frappe.get_list, which applies role permissions, User
Permissions and any permission_query_conditions, and hides fields the user may not read.

It shows the customers with the highest lifetime value first, 500 of them unless "Rows" asks for more
(100, 1,000, 5,000 or all): at 100,000 customers all rows are 30 MB to send to a phone. The summary and
the chart count every customer the filters match, with grouped queries through the same get_list.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.model import no_value_fields, table_fields

from crm_profiles.compat import sql_fn
from crm_profiles.reports.common import (
	BAR_AXIS,
	PROFILE,
	as_filters,
	profile_conditions,
	row_count,
	shown_message,
	validate_date_range,
)

# The default columns, in reading order.
DEFAULT_FIELDS = (
	"tier",
	"lifecycle_stage",
	"lifetime_value",
	"order_count",
	"last_order_date",
	"last_interaction_on",
	"account_owner",
	"territory",
	"rfm_segment",
)
# Read for every row, never a column of their own: the name shown in the Customer column and the
# currency the amounts are in.
ROW_FIELDS = ("customer_name", "figures_currency")
WIDTHS = {"lifetime_value": 150, "account_owner": 170, "rfm_segment": 150, "tier": 110}


def execute(filters: dict | None = None):
	filters = as_filters(filters)
	validate_date_range(filters)
	columns = get_columns(filters)
	conditions = get_conditions(filters)
	data = get_data(filters, columns, conditions)
	shown = {c["fieldname"] for c in columns}
	totals = get_totals(conditions, shown)
	return (
		columns,
		data,
		shown_message(len(data), totals.customers),
		get_chart(conditions, shown),
		get_summary(totals, data),
	)


def get_columns(filters: frappe._dict | None = None) -> list[dict]:
	filters = filters or frappe._dict()
	meta = frappe.get_meta(PROFILE)
	readable = set(meta.get_permitted_fieldnames(permission_type="read")) | {"name"}
	columns = [
		{"fieldname": "name", "label": _("Customer"), "fieldtype": "Link", "options": PROFILE, "width": 220}
	]
	fields = [meta.get_field(f) for f in DEFAULT_FIELDS]
	if filters.show_all_columns:
		fields += [df for df in meta.fields if df.fieldname not in DEFAULT_FIELDS]
	for df in fields:
		if not df or not shown(df, filters) or df.fieldname not in readable:
			continue
		columns.append(column_of(df))
	return columns


def shown(df, filters: frappe._dict) -> bool:
	if df.fieldtype in no_value_fields or df.fieldtype in table_fields:
		return False
	if df.fieldtype in ("Text Editor", "Password") or df.hidden:
		return False  # long text does not fit a cell; a password column shows only asterisks
	if df.fieldname in ("customer", *ROW_FIELDS):
		return False  # shown in the Customer column, or the amounts' currency
	return not df.permlevel or bool(filters.include_sensitive)


def column_of(df) -> dict:
	column = {
		"fieldname": df.fieldname,
		"label": _(df.label),
		"fieldtype": df.fieldtype,
		"width": WIDTHS.get(df.fieldname, 140),
	}
	if df.fieldtype in ("Link", "Dynamic Link", "Select"):
		column["options"] = df.options
	elif df.fieldtype == "Currency":
		column["options"] = "figures_currency"  # the row's currency, as on the profile
	return column


def get_conditions(filters: frappe._dict) -> list[list]:
	conditions = profile_conditions(filters)
	if filters.from_date:
		conditions.append(["last_order_date", ">=", filters.from_date])
	if filters.to_date:
		conditions.append(["first_order_date", "<=", filters.to_date])
	if filters.customer_segment:
		conditions.append(["name", "in", segment_members(filters.customer_segment) or [""]])
	return conditions


def get_data(filters: frappe._dict, columns: list[dict], conditions: list[list]) -> list[dict]:
	readable = set(frappe.get_meta(PROFILE).get_permitted_fieldnames(permission_type="read"))
	return frappe.get_list(
		PROFILE,
		fields=[c["fieldname"] for c in columns] + [f for f in ROW_FIELDS if f in readable],
		filters=conditions,
		order_by="lifetime_value desc, name asc",
		limit_page_length=row_count(filters),
	)


def segment_members(segment: str) -> list[str]:
	"""The stored current members of a segment (Open in Customer 360 on the segment form)."""
	if not frappe.has_permission("Customer Segment", "read", segment):
		frappe.throw(
			_("Not permitted to read segment {0}.").format(frappe.bold(segment)), frappe.PermissionError
		)
	return frappe.get_all(
		"Customer Segment Member", filters={"segment": segment, "is_current": 1}, pluck="customer"
	)


def grouped(conditions: list[list], by: str | None, value: bool) -> list[dict]:
	"""Customers (and their lifetime value) per ``by`` (None: in all) over every profile the filters
	match."""
	fields = [sql_fn("COUNT", "name", "customers")]
	if value:
		fields.append(sql_fn("SUM", "lifetime_value", "lifetime_value"))
	if by is None:
		return frappe.get_list(PROFILE, fields=fields, filters=conditions)
	return frappe.get_list(
		PROFILE, fields=[by, *fields], filters=conditions, group_by=by, order_by=f"{by} asc"
	)


def get_totals(conditions: list[list], shown: set[str]) -> frappe._dict:
	"""Customers, lifetime value and customers at risk over every match, not only the rows shown."""
	by_stage = "lifecycle_stage" in shown
	groups = grouped(conditions, "lifecycle_stage" if by_stage else None, "lifetime_value" in shown)
	totals = frappe._dict(customers=sum(g.customers for g in groups))
	if by_stage:
		totals.at_risk = sum(g.customers for g in groups if g.lifecycle_stage == "At Risk")
	if "lifetime_value" in shown:
		totals.lifetime_value = sum(g.lifetime_value or 0 for g in groups)
	return totals


def get_chart(conditions: list[list], shown: set[str]) -> dict | None:
	if "tier" not in shown:
		return None
	counts: dict[str, int] = {}
	for group in grouped(conditions, "tier", False):
		key = _(group.tier) if group.tier else _("No Tier")
		counts[key] = counts.get(key, 0) + group.customers
	if not counts:
		return None
	labels = sorted(counts, key=lambda k: -counts[k])
	return {
		"data": {
			"labels": labels,
			"datasets": [{"name": _("Customers"), "values": [counts[k] for k in labels]}],
		},
		"type": "bar",
		# drawn once, still: a chart animating as the window resizes loses its SVG (frappe-charts)
		"animate": 0,
		"disableEntryAnimation": 1,
		"axisOptions": BAR_AXIS,
		"colors": ["#7c3aed"],
	}


def get_summary(totals: frappe._dict, data: list[dict]) -> list[dict]:
	summary = [{"value": totals.customers, "label": _("Customers"), "datatype": "Int", "indicator": "Blue"}]
	if "lifetime_value" in totals:
		summary.append(
			{
				"value": totals.lifetime_value,
				"label": _("Lifetime Value"),
				"datatype": "Currency",
				"currency": data[0].get("figures_currency") if data else None,
				"indicator": "Green",
			}
		)
	if "at_risk" in totals:
		summary.append(
			{"value": totals.at_risk, "label": _("At Risk"), "datatype": "Int", "indicator": "Orange"}
		)
	return summary
