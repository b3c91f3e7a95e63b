"""Satisfaction Trend: CSAT and NPS by month, tier and territory, from rated interactions.

NPS = % promoters (9-10) - % detractors (0-6). Rows honour the interaction's permission conditions
and User Permissions, which are added to the grouped SQL.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import add_months, flt, getdate, today

from crm_profiles.privacy.permissions import escaped
from crm_profiles.reports.common import as_filters


def execute(filters=None):
	filters = as_filters(filters)
	validate_filters(filters)
	data = get_data(filters)
	return get_columns(), data, None, get_chart(data)


def validate_filters(filters) -> None:
	filters.to_date = getdate(filters.get("to_date") or today())
	filters.from_date = getdate(filters.get("from_date") or add_months(filters.to_date, -12))
	if filters.from_date > filters.to_date:
		frappe.throw(_("{0} must be before {1}.").format(_("From Date"), _("To Date")))


def get_columns() -> list[dict]:
	return [
		{"label": _("Month"), "fieldname": "month", "fieldtype": "Data", "width": 90},
		{
			"label": _("Tier"),
			"fieldname": "tier",
			"fieldtype": "Link",
			"options": "Customer Tier",
			"width": 110,
		},
		{
			"label": _("Territory"),
			"fieldname": "territory",
			"fieldtype": "Link",
			"options": "Territory",
			"width": 130,
		},
		{"label": _("Ratings"), "fieldname": "ratings", "fieldtype": "Int", "width": 80},
		{
			"label": _("Average CSAT"),
			"fieldname": "average_csat",
			"fieldtype": "Float",
			"precision": 2,
			"width": 110,
		},
		{"label": _("NPS Answers"), "fieldname": "nps_answers", "fieldtype": "Int", "width": 100},
		{"label": _("Promoters"), "fieldname": "promoters", "fieldtype": "Int", "width": 90},
		{"label": _("Detractors"), "fieldname": "detractors", "fieldtype": "Int", "width": 90},
		{"label": _("NPS"), "fieldname": "nps", "fieldtype": "Float", "precision": 1, "width": 80},
	]


def get_data(filters) -> list[dict]:
	conditions = [
		"`tabCustomer Interaction`.interaction_date >= %(from_date)s",
		"`tabCustomer Interaction`.interaction_date < date_add(%(to_date)s, interval 1 day)",
		"(`tabCustomer Interaction`.rating > 0 or coalesce(`tabCustomer Interaction`.nps, '') != '')",
	]
	params = {"from_date": filters.from_date, "to_date": filters.to_date}
	for field, column in (("tier", "p.tier"), ("territory", "`tabCustomer Interaction`.territory")):
		if filters.get(field):
			conditions.append(f"{column} = %({field})s")
			params[field] = filters.get(field)
	match = frappe.build_match_conditions("Customer Interaction")
	if match:
		conditions.append(f"({escaped(match)})")  # its LIKE patterns, next to the query's parameters
	rows = frappe.db.sql(
		f"""select date_format(`tabCustomer Interaction`.interaction_date, '%%Y-%%m') as month,
			p.tier, `tabCustomer Interaction`.territory,
			sum(`tabCustomer Interaction`.rating > 0) as ratings,
			avg(nullif(`tabCustomer Interaction`.rating, 0)) as average_csat,
			sum(coalesce(`tabCustomer Interaction`.nps, '') != '') as nps_answers,
			sum(coalesce(`tabCustomer Interaction`.nps, '') in ('9', '10')) as promoters,
			sum(coalesce(`tabCustomer Interaction`.nps, '') in ('0', '1', '2', '3', '4', '5', '6')) as detractors
		from `tabCustomer Interaction`
		left join `tabCustomer Profile` p on p.name = `tabCustomer Interaction`.customer
		where {" and ".join(conditions)}
		group by month, p.tier, `tabCustomer Interaction`.territory
		order by month, p.tier, `tabCustomer Interaction`.territory""",
		params,
		as_dict=True,
	)
	for row in rows:
		row.average_csat = flt(row.average_csat, 2)
		row.nps = (
			flt(100.0 * (row.promoters - row.detractors) / row.nps_answers, 1) if row.nps_answers else None
		)
	return rows


def get_chart(data: list[dict]) -> dict | None:
	months = sorted({row.month for row in data})
	if not months:
		return None
	csat = []
	for month in months:
		rated = [r for r in data if r.month == month and r.ratings]
		total = sum(r.ratings for r in rated)
		csat.append(flt(sum(r.average_csat * r.ratings for r in rated) / total, 2) if total else 0)
	return {
		"data": {"labels": months, "datasets": [{"name": _("Average CSAT"), "values": csat}]},
		"type": "line",
		# drawn once, still: a chart animating as the window resizes loses its SVG (frappe-charts)
		"animate": 0,
		"disableEntryAnimation": 1,
	}
