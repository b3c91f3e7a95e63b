# Copyright (c) 2026, crm_profiles contributors
# For license information, please see license.txt
"""Data Quality: missing key fields, invalid legacy values, stale profiles and suspected duplicates.

Profiles are read with frappe.get_list, so User Permissions and the record-scoping setting apply;
duplicate pairs are shown only when the user may read both profiles.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import add_days, cint, getdate, nowdate

from crm_profiles.quality.completeness import weights
from crm_profiles.reports.common import BAR_AXIS, as_filters
from crm_profiles.utils.contact_values import ValueProblem, check_email, normalise_phone
from crm_profiles.utils.validation import default_phone_region

PROFILE = "Customer Profile"
ISSUES = ("Missing Field", "Invalid Value", "Stale", "Suspected Duplicate")


def execute(filters: dict | None = None):
	filters = validate_filters(as_filters(filters))
	columns = get_columns()
	data = get_data(filters)
	summary = get_summary(data)
	chart = get_chart(summary)
	return (
		columns,
		data,
		None,
		chart,
		[{"value": count, "label": _(issue), "datatype": "Int"} for issue, count in summary.items()],
	)


def validate_filters(filters):
	if filters.issue and filters.issue not in ISSUES:
		frappe.throw(_("Unknown issue type {0}").format(frappe.bold(filters.issue)))
	settings_days = frappe.db.get_single_value("CRM Profile Settings", "stale_review_days")
	filters.stale_days = (
		cint(filters.stale_days) if filters.stale_days not in (None, "") else cint(settings_days)
	)
	if filters.stale_days < 0:
		frappe.throw(_("{0} cannot be negative.").format(frappe.bold(_("Stale After (Days)"))))
	return filters


def get_columns() -> list[dict]:
	return [
		{
			"fieldname": "profile",
			"label": _("Customer Profile"),
			"fieldtype": "Link",
			"options": PROFILE,
			"width": 200,
		},
		{"fieldname": "customer_name", "label": _("Customer Name"), "fieldtype": "Data", "width": 200},
		{"fieldname": "issue", "label": _("Issue"), "fieldtype": "Data", "width": 150},
		{"fieldname": "field", "label": _("Field"), "fieldtype": "Data", "width": 150},
		{"fieldname": "detail", "label": _("Detail"), "fieldtype": "Data", "width": 300},
		{"fieldname": "completeness_score", "label": _("Completeness"), "fieldtype": "Percent", "width": 110},
	]


def _profiles(filters) -> list[dict]:
	list_filters = {}
	for key in ("territory", "customer_group", "account_owner"):
		if filters.get(key):
			list_filters[key] = filters.get(key)
	if filters.get("customer"):
		list_filters["name"] = filters.customer
	w = weights()
	fields = sorted(
		{
			"name",
			"customer_name",
			"email_id",
			"mobile_no",
			"last_reviewed_on",
			"creation",
			"completeness_score",
			*w,
		}
	)
	return frappe.get_list(PROFILE, filters=list_filters, fields=fields, limit_page_length=0, order_by="name")


def get_data(filters) -> list[dict]:
	profiles = _profiles(filters)
	want = filters.get("issue")
	w = weights()
	meta = frappe.get_meta(PROFILE)
	region = default_phone_region()
	stale_before = getdate(add_days(nowdate(), -filters.stale_days)) if filters.stale_days else None
	rows = []

	def add(p, issue, field, detail):
		if not want or want == issue:
			rows.append(
				{
					"profile": p.name,
					"customer_name": p.customer_name,
					"issue": _(issue),
					"issue_type": issue,
					"field": _(meta.get_label(field)) if field else "",
					"detail": detail,
					"completeness_score": p.completeness_score,
				}
			)

	for p in profiles:
		for field in w:
			if not (str(p.get(field) or "")).strip():
				add(p, "Missing Field", field, _("Empty"))
		problem = check_email(p.email_id)
		if problem:
			add(p, "Invalid Value", "email_id", _(problem.message).format(p.email_id))
		if p.mobile_no:
			result = normalise_phone(p.mobile_no, region)
			if isinstance(result, ValueProblem):
				add(p, "Invalid Value", "mobile_no", _(result.message).format(p.mobile_no))
			elif result != p.mobile_no:
				add(p, "Invalid Value", "mobile_no", _("Not stored in E.164: {0}").format(p.mobile_no))
		if stale_before:
			reviewed = getdate(p.last_reviewed_on) if p.last_reviewed_on else None
			if (reviewed or getdate(p.creation)) < stale_before:
				detail = _("Last reviewed on {0}").format(reviewed) if reviewed else _("Never reviewed")
				add(p, "Stale", "last_reviewed_on", detail)
	if not want or want == "Suspected Duplicate":
		rows.extend(_duplicates({p.name: p for p in profiles}))
	return rows


def _duplicates(visible: dict) -> list[dict]:
	if not visible:
		return []
	# get_all is safe here: only pairs whose two profiles the user may read (from get_list) are shown.
	pairs = frappe.get_all(
		"Possible Duplicate",
		filters={"status": "Open", "profile_a": ("in", list(visible))},
		fields=["profile_a", "profile_b", "rule", "score"],
	)
	rows = []
	for pair in pairs:
		if pair.profile_b not in visible:
			continue
		p = visible[pair.profile_a]
		rows.append(
			{
				"profile": p.name,
				"customer_name": p.customer_name,
				"issue": _("Suspected Duplicate"),
				"issue_type": "Suspected Duplicate",
				"field": "",
				"detail": _("{0} ({1}%, rule {2})").format(pair.profile_b, pair.score, pair.rule),
				"completeness_score": p.completeness_score,
			}
		)
	return rows


def get_summary(data: list[dict]) -> dict[str, int]:
	summary = dict.fromkeys(ISSUES, 0)
	for row in data:
		summary[row["issue_type"]] += 1
	return summary


def get_chart(summary: dict[str, int]) -> dict:
	return {
		"data": {
			"labels": [_(k) for k in summary],
			"datasets": [{"name": _("Profiles"), "values": list(summary.values())}],
		},
		"type": "bar",
		# drawn once, still: a chart animating as the window resizes loses its SVG (frappe-charts)
		"animate": 0,
		"disableEntryAnimation": 1,
		"axisOptions": BAR_AXIS,
	}
