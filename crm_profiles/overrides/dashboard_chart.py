"""``frappe.desk.doctype.dashboard_chart.dashboard_chart.get`` with the labels of this app's charts in the
reader's language.

A Group By chart's labels are the stored values (lifecycle stages, tier names), which Frappe returns
untranslated. For charts of this app's module the labels go through ``_()``; every other chart, and
everything else about ours (permissions, caching, the data), is Frappe's method unchanged.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.desk.doctype.dashboard_chart import dashboard_chart

MODULE = "CRM Profiles"


@frappe.whitelist()
def get(chart_name=None, chart=None, **kwargs):
	data = dashboard_chart.get(chart_name=chart_name, chart=chart, **kwargs)
	if not isinstance(data, dict) or not data.get("labels") or not isinstance(chart_name, str):
		return data
	if frappe.db.get_value("Dashboard Chart", chart_name, "module") != MODULE:
		return data
	return {**data, "labels": [_(label) if isinstance(label, str) else label for label in data["labels"]]}
