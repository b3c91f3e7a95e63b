"""Read APIs for the profile form and for managers: purchase history, changes, at-risk customers, RFM."""

from __future__ import annotations

import frappe
from frappe import _

from crm_profiles.analytics import figures
from crm_profiles.compat import sql_fn

PROFILE = figures.PROFILE


def _check_read(customer: str) -> None:
	if not frappe.has_permission(PROFILE, "read", customer):
		frappe.throw(
			_("Not permitted to read the profile of {0}.").format(frappe.bold(customer)),
			frappe.PermissionError,
		)


@frappe.whitelist()
def get_purchase_history(customer: str, limit: int = 10) -> dict:
	"""Top 5 items by value, the most recent orders, and the tier and stage history of one profile.

	Read live from the source documents (one indexed query each), so they are always exact.
	"""
	_check_read(customer)
	config = figures.load_config()
	src = figures.SOURCES[config.source]
	table, date_field = src["table"], src["date"]
	item_table = "`tabSales Order Item`" if config.source == "Sales Order" else "`tabSales Invoice Item`"
	value = config.value_field
	net_amount = "base_net_amount" if value == "base_net_total" else "base_amount"
	company = "and o.company = %(company)s" if config.company else ""
	params = {"customer": customer, "company": config.company, "limit": max(1, min(int(limit), 100))}
	top_items = frappe.db.sql(
		f"""select i.item_code, max(i.item_name) as item_name, sum(i.stock_qty) as qty, sum(i.{net_amount}) as value
		from {table} o join {item_table} i on i.parent = o.name
		where o.customer = %(customer)s and o.docstatus = 1 {company}
		group by i.item_code order by value desc, i.item_code limit 5""",
		params,
		as_dict=True,
	)
	recent = frappe.db.sql(
		f"""select o.name, o.{date_field} as date, o.company, o.currency, o.grand_total, o.{value} as base_value, o.status
		from {table} o where o.customer = %(customer)s and o.docstatus = 1 {company}
		order by o.{date_field} desc, o.creation desc limit %(limit)s""",
		params,
		as_dict=True,
	)
	changes = frappe.get_all(
		figures.CHANGE,
		filters={"customer_profile": customer},
		fields=["change_type", "from_value", "to_value", "changed_on", "reason", "changed_by"],
		order_by="changed_on desc, creation desc",
		limit=50,
	)
	return {"doctype": config.source, "top_items": top_items, "recent_orders": recent, "changes": changes}


@frappe.whitelist()
@frappe.read_only()
def get_at_risk_customers(min_days: int = 0, limit: int = 500) -> list[dict]:
	"""Customers at risk or churned (lifecycle stage), or with more than ``min_days`` since their last order.

	Reads the stored profile figures through ``frappe.get_list``, so User Permissions apply.
	"""
	if not frappe.has_permission(PROFILE, "read"):
		frappe.throw(_("Not permitted to read customer profiles."), frappe.PermissionError)
	filters = (
		{"days_since_last_order": (">", int(min_days)), "order_count": (">", 0)}
		if min_days
		else {"lifecycle_stage": ("in", ["At Risk", "Churned"])}
	)
	return frappe.get_list(
		PROFILE,
		filters=filters,
		fields=[
			"name",
			"customer_name",
			"territory",
			"customer_group",
			"order_count",
			"lifetime_value",
			"last_order_date",
			"days_since_last_order",
			"lifecycle_stage",
			"rfm_segment",
			"tier",
		],
		order_by="days_since_last_order desc",
		limit_page_length=int(limit),
	)


@frappe.whitelist()
@frappe.read_only()
def get_rfm_segments() -> list[dict]:
	"""Customer count and lifetime value per RFM segment, over the profiles the user may read."""
	if not frappe.has_permission(PROFILE, "read"):
		frappe.throw(_("Not permitted to read customer profiles."), frappe.PermissionError)
	return frappe.get_list(
		PROFILE,
		filters={"rfm_segment": ("is", "set")},
		fields=[
			"rfm_segment",
			sql_fn("COUNT", "name", "customers"),
			sql_fn("SUM", "lifetime_value", "lifetime_value"),
		],
		group_by="rfm_segment",
		order_by="customers desc",
	)
