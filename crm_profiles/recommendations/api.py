"""Read API for the profile's Purchases tab: the stored recommendations of one customer, with reasons."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import flt, formatdate

from crm_profiles.privacy.permissions import require_profile_read
from crm_profiles.recommendations.engine import CROSS_SELL, RECOMMENDATION, REORDER_DUE
from crm_profiles.utils import args


def reason(row) -> str:
	"""Why an item is suggested, in the user's language."""
	if row.kind == CROSS_SELL:
		return _("Bought {0}; {1}% of those buyers also buy {2}").format(
			row.based_on_item_name or row.based_on_item,
			round(flt(row.confidence)),
			row.item_name or row.item_code,
		)
	return _("Bought {0} times, about every {1} days; last on {2}").format(
		row.times_bought, row.typical_interval_days, formatdate(row.last_ordered_on)
	)


@frappe.whitelist()
@frappe.read_only()
def get_recommendations(customer: str | None = None) -> dict:
	customer = args.name(customer, "customer")
	require_profile_read(customer)
	rows = frappe.get_list(
		RECOMMENDATION,
		filters={"customer": customer},
		fields=[
			"kind",
			"item_code",
			"`rank`",
			"score",
			"based_on_item",
			"confidence",
			"lift",
			"times_bought",
			"last_ordered_on",
			"typical_interval_days",
			"due_on",
			"computed_on",
		],
		# Qualified: `rank` is a MariaDB function name, and v16 accepts backticks only as table.field.
		order_by=f"`tab{RECOMMENDATION}`.kind asc, `tab{RECOMMENDATION}`.`rank` asc",
	)
	items = {r.item_code for r in rows} | {r.based_on_item for r in rows if r.based_on_item}
	names = dict(
		frappe.get_all("Item", filters={"name": ("in", list(items))}, fields=["name", "item_name"], as_list=1)
	)
	for row in rows:
		row.item_name = names.get(row.item_code)
		row.based_on_item_name = names.get(row.based_on_item)
		row.reason = reason(row)
	return {
		"cross_sell": [r for r in rows if r.kind == CROSS_SELL],
		"reorder_due": [r for r in rows if r.kind == REORDER_DUE],
	}
