"""RFM segments that shared a name with a lifecycle stage get their own: New, Loyal and At Risk become
Recent Customers, Loyal Customers and Slipping Away (``rfm.RENAMED_SEGMENTS``).

Moves the stored segment of every profile, and the values of ``rfm_segment`` conditions in saved
Customer Segment filters. Idempotent: a second run finds nothing to rename.
"""

from __future__ import annotations

import json

import frappe

from crm_profiles.analytics.rfm import RENAMED_SEGMENTS

FIELD = "rfm_segment"


def execute():
	for old, new in RENAMED_SEGMENTS.items():
		frappe.db.sql("update `tabCustomer Profile` set rfm_segment = %s where rfm_segment = %s", (new, old))
	if frappe.db.table_exists("Customer Segment"):
		rename_in_segment_filters()


def rename_value(value):
	if isinstance(value, list):
		return [rename_value(v) for v in value]
	return RENAMED_SEGMENTS.get(value, value) if isinstance(value, str) else value


def renamed_filters(filters: list) -> list:
	"""[[doctype, field, operator, value, ...], ...] with old segment names in ``rfm_segment`` values."""
	out = []
	for condition in filters:
		if isinstance(condition, list) and len(condition) >= 4 and condition[1] == FIELD:
			condition = [*condition[:3], rename_value(condition[3]), *condition[4:]]
		out.append(condition)
	return out


def rename_in_segment_filters() -> None:
	for name, text in frappe.db.sql(
		"select name, filters_json from `tabCustomer Segment` where filters_json like %s", (f"%{FIELD}%",)
	):
		try:
			filters = json.loads(text or "[]")
		except ValueError:
			continue
		if not isinstance(filters, list):
			continue
		new = renamed_filters(filters)
		if new != filters:
			frappe.db.set_value(
				"Customer Segment", name, "filters_json", json.dumps(new), update_modified=False
			)
