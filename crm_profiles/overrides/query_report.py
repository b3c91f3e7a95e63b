"""``frappe.desk.query_report.run`` with this app's report filters checked first.

Frappe turns the filters into a dict with ``frappe._dict(filters)`` before a report's ``execute`` runs,
so filters sent as a JSON list, a number or a string fail there with a 500. For the app's own reports
the filters must be one JSON object, refused otherwise with a 417 naming the field; every other
report goes to Frappe's method unchanged.
"""

from __future__ import annotations

import json

import frappe
from frappe import _
from frappe.desk import query_report

from crm_profiles.utils.args import check, fail, name

MODULE = "CRM Profiles"


@frappe.whitelist()
def run(
	report_name: str,
	filters: str | dict | list | None = None,
	user: str | None = None,
	ignore_prepared_report: bool | str | int = False,
	custom_columns: str | list | None = None,
	is_tree: bool | str | int = False,
	parent_field: str | None = None,
	are_default_filters: bool | str | int = True,
):
	report_name = name(report_name, "report_name")
	if frappe.db.get_value("Report", report_name, "module", cache=True) == MODULE:
		filters = _object(filters)
		user = name(user, "user", required=False)
		parent_field = name(parent_field, "parent_field", required=False)
		custom_columns = _columns(custom_columns)
		ignore_prepared_report = check(ignore_prepared_report, "ignore_prepared_report")
		is_tree = check(is_tree, "is_tree")
		are_default_filters = check(are_default_filters, "are_default_filters")
	return query_report.run(
		report_name,
		filters=filters,
		user=user,
		ignore_prepared_report=ignore_prepared_report,
		custom_columns=custom_columns,
		is_tree=is_tree,
		parent_field=parent_field,
		are_default_filters=are_default_filters,
	)


def _object(filters) -> dict | None:
	if filters in (None, ""):
		return None
	if isinstance(filters, str):
		try:
			filters = json.loads(filters)
		except ValueError:
			fail("filters", _("must be a JSON object"))
	if filters in (None, ""):
		return None
	if not isinstance(filters, dict):
		fail("filters", _("must be a JSON object"))
	return filters


def _columns(columns) -> list | None:
	"""Custom columns: a JSON list of column objects, or nothing."""
	if columns in (None, ""):
		return None
	if isinstance(columns, str):
		try:
			columns = json.loads(columns)
		except ValueError:
			fail("custom_columns", _("must be a JSON list"))
	if not isinstance(columns, list) or not all(isinstance(c, dict) for c in columns):
		fail("custom_columns", _("must be a JSON list"))
	return columns or None
