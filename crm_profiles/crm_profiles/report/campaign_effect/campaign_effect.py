# Copyright (c) 2026, crm_profiles contributors
# For license information, please see license.txt

"""Campaign Effect: contacted vs control, orders and value in the N days after sending, uplift with a
95 % confidence interval. Figures come from crm_profiles.campaigns.effect."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import cint, flt

from crm_profiles.campaigns.audience import CAMPAIGN, CONTACTED, CONTROL, effect_days
from crm_profiles.campaigns.effect import measure
from crm_profiles.reports.common import as_filters


def execute(filters: dict | None = None):
	filters = as_filters(filters)  # each filter coerced; a 417 naming it otherwise
	campaign, days = validate_filters(filters)
	arms, diff = measure(campaign.name, campaign.sent_on, days)
	columns = get_columns()
	data = [
		{
			"group": _(arm.arm),
			"members": arm.members,
			"converted": arm.converted,
			"conversion_rate": 100 * arm.conversion_rate,
			"orders": arm.orders,
			"order_value": arm.order_value,
			"value_per_member": arm.value_per_member,
		}
		for arm in (arms[CONTACTED], arms[CONTROL])
	]
	message = _("Orders from {0} for {1} days after sending.").format(
		frappe.format(campaign.sent_on, {"fieldtype": "Date"}), days
	)
	return columns, data, message, get_chart(data), get_summary(diff, arms)


def validate_filters(filters: frappe._dict):
	if not filters.customer_campaign:
		frappe.throw(_("{0} is required.").format(frappe.bold(_("Campaign"))))
	if not frappe.db.exists(CAMPAIGN, filters.customer_campaign):
		frappe.throw(_("Campaign {0} does not exist.").format(frappe.bold(filters.customer_campaign)))
	if not frappe.has_permission(CAMPAIGN, "read", filters.customer_campaign):
		frappe.throw(
			_("Not permitted to read campaign {0}.").format(frappe.bold(filters.customer_campaign)),
			frappe.PermissionError,
		)
	campaign = frappe.get_doc(CAMPAIGN, filters.customer_campaign)
	if not campaign.sent_on:
		frappe.throw(_("Campaign {0} has no Sent On date yet.").format(frappe.bold(campaign.name)))
	days = cint(filters.days) or effect_days(campaign)
	if days < 1 or days > 3650:
		frappe.throw(_("{0} must be between 1 and 3650.").format(frappe.bold(_("Days After Sending"))))
	return campaign, days


def get_columns() -> list[dict]:
	return [
		{"fieldname": "group", "label": _("Group"), "fieldtype": "Data", "width": 120},
		{"fieldname": "members", "label": _("Members"), "fieldtype": "Int", "width": 100},
		{"fieldname": "converted", "label": _("Ordered"), "fieldtype": "Int", "width": 100},
		{"fieldname": "conversion_rate", "label": _("Conversion Rate"), "fieldtype": "Percent", "width": 130},
		{"fieldname": "orders", "label": _("Orders"), "fieldtype": "Int", "width": 90},
		{"fieldname": "order_value", "label": _("Order Value"), "fieldtype": "Currency", "width": 130},
		{
			"fieldname": "value_per_member",
			"label": _("Value per Member"),
			"fieldtype": "Currency",
			"width": 140,
		},
	]


def get_chart(data: list[dict]) -> dict:
	return {
		"data": {
			"labels": [row["group"] for row in data],
			"datasets": [
				{"name": _("Conversion Rate"), "values": [flt(r["conversion_rate"], 2) for r in data]}
			],
		},
		"type": "bar",
		# drawn once, still: a chart animating as the window resizes loses its SVG (frappe-charts)
		"animate": 0,
		"disableEntryAnimation": 1,
		"colors": ["#5e64ff"],
	}


def get_summary(diff, arms) -> list[dict]:
	if diff is None:
		return [{"label": _("Uplift"), "value": _("Needs members in both groups"), "datatype": "Data"}]
	pp = lambda v: flt(100 * v, 1)  # noqa: E731
	return [
		{
			"label": _("Uplift (percentage points)"),
			"value": pp(diff.difference),
			"datatype": "Float",
			"indicator": "Green" if diff.low > 0 else ("Red" if diff.high < 0 else "Blue"),
		},
		{
			"label": _("95% Confidence Interval"),
			"value": f"{pp(diff.low)} … {pp(diff.high)}",
			"datatype": "Data",
		},
		{
			"label": _("Relative Uplift"),
			"value": f"{flt(100 * diff.relative, 1)}%" if diff.relative is not None else "-",
			"datatype": "Data",
		},
		{
			"label": _("Extra Value per Member"),
			"value": arms[CONTACTED].value_per_member - arms[CONTROL].value_per_member,
			"datatype": "Currency",
		},
	]
