"""Read APIs for the profile form and for managers: purchase history, changes, at-risk customers, RFM."""

from __future__ import annotations

from dataclasses import dataclass

import frappe
from frappe import _

from crm_profiles.analytics import figures
from crm_profiles.compat import sql_fn
from crm_profiles.privacy.permissions import escaped, readable_names, require_profile_read, row_condition
from crm_profiles.utils import args

PROFILE = figures.PROFILE


@dataclass
class OrderScope:
	"""Which of one customer's submitted orders (or invoices) the user may read.

	``condition`` is Frappe's row rule on the source table ("" for every row, ``None`` when the user may
	not read the doctype at all); ``hidden`` counts the customer's documents outside it; ``restricted``
	says why order detail is left out, or is empty when everything is readable.
	"""

	condition: str | None
	total: int = 0
	hidden: int = 0
	restricted: str = ""


def hidden_orders_message(hidden: int) -> str:
	return _(
		"{0} of this customer's orders are outside your permissions, so the top items are hidden; "
		"the profile's figures are the stored totals."
	).format(hidden)


def order_scope(customer: str, config: figures.Config) -> OrderScope:
	"""The user's reach into this customer's orders: role permission, User Permissions (Company,
	Territory, ...) and other apps' row rules, counted in one indexed query."""
	condition = row_condition(config.source)
	if condition is None:
		return OrderScope(
			None,
			restricted=_("You may not read {0}, so the order detail is hidden.").format(_(config.source)),
		)
	condition = escaped(condition) if condition else ""
	table = figures.SOURCES[config.source]["table"]
	# The row rules are written against the unaliased table name.
	company = f"and {table}.company = %(company)s" if config.company else ""
	total, readable = frappe.db.sql(
		f"""select count(*), sum(case when {condition or "1 = 1"} then 1 else 0 end)
		from {table} where {table}.customer = %(customer)s and {table}.docstatus = 1 {company}""",
		{"customer": customer, "company": config.company},
	)[0]
	hidden = int(total or 0) - int(readable or 0)
	return OrderScope(condition, int(total or 0), hidden, hidden_orders_message(hidden) if hidden else "")


@frappe.whitelist()
def get_purchase_history(customer: str, limit: int = 10) -> dict:
	"""Top 5 items by value, the most recent orders, and the tier and stage history of one profile.

	Read live from the source documents (one indexed query each), so they are always exact. Orders pass
	the same checks the user faces on the order doctype itself: role permission, User Permissions (Company,
	Territory, ...), other apps' row rules, and ``has_permission`` per row. When some of the customer's
	orders are out of the user's reach, no order detail that draws on them is shown; the profile's stored
	figures stand, and ``restricted`` says why.
	"""
	customer = args.name(customer, "customer")
	limit = args.integer(limit, "limit", minimum=1, maximum=100, default=10)
	require_profile_read(customer)
	config = figures.load_config()
	src = figures.SOURCES[config.source]
	table, date_field = src["table"], src["date"]
	item_table = "`tabSales Order Item`" if config.source == "Sales Order" else "`tabSales Invoice Item`"
	value = config.value_field
	net_amount = "base_net_amount" if value == "base_net_total" else "base_amount"
	company = "and o.company = %(company)s" if config.company else ""
	params = {"customer": customer, "company": config.company, "limit": limit}
	changes = frappe.get_list(
		figures.CHANGE,
		filters={"customer_profile": customer},
		fields=["change_type", "detail", "from_value", "to_value", "changed_on", "reason", "changed_by"],
		order_by="changed_on desc, creation desc",
		limit=50,
	)
	result = {"doctype": config.source, "top_items": [], "recent_orders": [], "changes": changes}
	scope = order_scope(customer, config)
	if scope.condition is None:
		result["restricted"] = scope.restricted
		return result
	permitted = f"and ({scope.condition})" if scope.condition else ""
	recent = frappe.db.sql(
		f"""select name, {date_field} as date, company, currency, grand_total, {value} as base_value, status
		from {table} where customer = %(customer)s and docstatus = 1 {company.replace("o.", "")} {permitted}
		order by {date_field} desc, creation desc limit %(limit)s""",
		params,
		as_dict=True,
	)
	allowed = readable_names(config.source, [r.name for r in recent])
	result["recent_orders"] = [r for r in recent if r.name in allowed]
	hidden = scope.hidden + len(recent) - len(result["recent_orders"])
	if hidden:
		result["restricted"] = hidden_orders_message(hidden)
		return result
	result["top_items"] = frappe.db.sql(
		f"""select i.item_code, max(i.item_name) as item_name, sum(i.stock_qty) as qty, sum(i.{net_amount}) as value
		from {table} o join {item_table} i on i.parent = o.name
		where o.customer = %(customer)s and o.docstatus = 1 {company}
		group by i.item_code order by value desc, i.item_code limit 5""",
		params,
		as_dict=True,
	)
	return result


@frappe.whitelist()
@frappe.read_only()
def get_at_risk_customers(min_days: int = 0, limit: int = 500) -> list[dict]:
	"""Customers at risk or churned (lifecycle stage), or with more than ``min_days`` since their last order.

	Reads the stored profile figures through ``frappe.get_list``, so User Permissions apply.
	"""
	min_days = args.integer(min_days, "min_days", minimum=0, maximum=36500, default=0)
	limit = args.integer(limit, "limit", minimum=1, maximum=5000, default=500)
	if not frappe.has_permission(PROFILE, "read"):
		frappe.throw(_("Not permitted to read customer profiles."), frappe.PermissionError)
	return at_risk_rows(min_days, limit)


def at_risk_rows(min_days: int, limit: int = 0) -> list[dict]:
	"""The rows of ``get_at_risk_customers`` (``limit`` 0: all of them), for the session user."""
	filters = (
		{"days_since_last_order": (">", min_days), "order_count": (">", 0)}
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
		limit_page_length=limit,
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
