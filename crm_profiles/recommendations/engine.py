"""Item affinity, cross-sell and reorder-due, computed set-based from submitted Sales Order Items.

Baskets are customers: "customers who bought X also bought Y". For every pair of items bought by at least
``min_customers`` common customers:

- support = customers who bought both / customers with orders,
- confidence = customers who bought both / customers who bought X,
- lift = confidence / (customers who bought Y / customers with orders).

The ``per_item`` best pairs by lift (above 1) are stored in Item Affinity. A customer's cross-sell
candidates are the items paired with what they bought that they have not bought yet; each scores the
lift of its best pair, discounted by how long ago the customer bought the pair's item
(lift / (1 + days / 365)); the top ``top_n`` per customer are stored. Reorder-due rows are items bought on
at least 3 distinct dates whose mean interval ((last - first) / (orders - 1)) has passed since the last.

Each step is one INSERT ... SELECT; nothing loops over customers in Python. The first step stores one row
per customer and item (Customer Item Summary, indexed on customer and item), which every later step
joins instead of re-reading the order lines.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import frappe
from frappe.utils import getdate, now_datetime, nowdate

AFFINITY = "Item Affinity"
RECOMMENDATION = "Customer Recommendation"
CROSS_SELL = "Cross-sell"
REORDER_DUE = "Reorder Due"
MIN_REORDERS = 3


@dataclass
class Options:
	min_customers: int = 2
	per_item: int = 20
	top_n: int = 5
	hide_last_order: bool = False  # offline evaluation: leave each customer's latest order out


def _orders(opts: Options) -> str:
	"""The orders table, or (offline evaluation) submitted orders without each customer's latest one."""
	if not opts.hide_last_order:
		return "`tabSales Order`"
	return """(select name, customer, transaction_date, docstatus from (
			select name, customer, transaction_date, docstatus, row_number() over (
				partition by customer order by transaction_date desc, name desc) as r
			from `tabSales Order` where docstatus = 1) o where r > 1)"""


def compute_summary(opts: Options, params: dict) -> None:
	"""One row per customer and item bought (Customer Item Summary), the indexed base of every step."""
	frappe.db.sql("delete from `tabCustomer Item Summary`")
	frappe.db.sql(
		f"""insert into `tabCustomer Item Summary` ({_STD}, customer, item_code, orders, purchase_dates,
			first_ordered_on, last_ordered_on)
		select md5(concat(o.customer, '|', i.item_code)), {_STD_VALUES}, o.customer, i.item_code,
			count(distinct o.name), count(distinct o.transaction_date), min(o.transaction_date),
			max(o.transaction_date)
		from {_orders(opts)} o
		join `tabSales Order Item` i on i.parent = o.name and i.parenttype = 'Sales Order'
		where o.docstatus = 1
		group by o.customer, i.item_code""",
		params,
	)


_STD = "name, creation, modified, owner, modified_by, docstatus, idx"
_STD_VALUES = "%(now)s, %(now)s, 'Administrator', 'Administrator', 0, 0"


def compute_affinity(opts: Options, params: dict) -> None:
	frappe.db.sql("delete from `tabItem Affinity`")
	frappe.db.sql(
		f"""insert into `tabItem Affinity` ({_STD}, item_code, other_item, customers, support, confidence, lift)
		with total as (select count(distinct customer) as n from `tabCustomer Item Summary`),
		buyers as (select item_code, count(*) as n from `tabCustomer Item Summary` group by item_code),
		pairs as (
			select a.item_code as x, b.item_code as y, count(*) as n
			from `tabCustomer Item Summary` a
			join `tabCustomer Item Summary` b on b.customer = a.customer and b.item_code <> a.item_code
			group by a.item_code, b.item_code having count(*) >= %(min_customers)s),
		scored as (
			select p.x, p.y, p.n, p.n / t.n as support, p.n / bx.n as confidence,
				p.n * t.n / (bx.n * 1.0 * bx2.n) as lift
			from pairs p join buyers bx on bx.item_code = p.x join buyers bx2 on bx2.item_code = p.y
			cross join total t),
		ranked as (
			select scored.*, row_number() over (partition by x order by lift desc, n desc, y) as r
			from scored where lift > 1)
		select md5(concat(x, '|', y)), {_STD_VALUES}, x, y, n, support, 100 * confidence, lift
		from ranked where r <= %(per_item)s""",
		params,
	)


def compute_cross_sell(opts: Options, params: dict) -> None:
	frappe.db.sql(
		f"""insert into `tabCustomer Recommendation` ({_STD}, customer, customer_name, kind, item_code,
			`rank`, score, based_on_item, confidence, lift, last_ordered_on, account_owner, computed_on)
		with candidates as (
			select ci.customer, a.other_item as y, ci.item_code as x, a.confidence, a.lift,
				a.lift / (1 + datediff(%(today)s, ci.last_ordered_on) / 365) as score
			from `tabCustomer Item Summary` ci join `tabItem Affinity` a on a.item_code = ci.item_code
			-- a summary row is named md5(customer|item): "not bought yet" is one primary-key lookup
			left join `tabCustomer Item Summary` own on own.name = md5(concat(ci.customer, '|', a.other_item))
			where own.name is null),
		best as (
			select candidates.*, row_number() over (partition by customer, y order by score desc, x) as rn
			from candidates),
		ranked as (
			select best.*, row_number() over (partition by customer order by score desc, y) as r
			from best where rn = 1)
		select md5(concat('C|', ranked.customer, '|', ranked.y)), {_STD_VALUES}, ranked.customer,
			p.customer_name, 'Cross-sell', ranked.y, ranked.r, ranked.score, ranked.x, ranked.confidence,
			ranked.lift, null, p.account_owner, %(now)s
		from ranked left join `tabCustomer Profile` p on p.name = ranked.customer
		where ranked.r <= %(top_n)s""",
		params,
	)


def compute_reorder_due(opts: Options, params: dict) -> None:
	frappe.db.sql(
		f"""insert into `tabCustomer Recommendation` ({_STD}, customer, customer_name, kind, item_code,
			`rank`, score, times_bought, last_ordered_on, typical_interval_days, due_on, account_owner,
			computed_on)
		with stats as (
			select customer, item_code, purchase_dates as n, last_ordered_on as last_on,
				datediff(last_ordered_on, first_ordered_on) / nullif(purchase_dates - 1, 0) as every
			from `tabCustomer Item Summary` where purchase_dates >= %(min_reorders)s),
		due as (
			select stats.*, datediff(%(today)s, last_on) / nullif(every, 0) as score,
				row_number() over (partition by customer order by datediff(%(today)s, last_on) / nullif(every, 0) desc,
					item_code) as r
			from stats where every > 0 and datediff(%(today)s, last_on) >= every)
		select md5(concat('R|', due.customer, '|', due.item_code)), {_STD_VALUES}, due.customer,
			p.customer_name, 'Reorder Due', due.item_code, due.r, due.score, due.n, due.last_on,
			round(due.every), date_add(due.last_on, interval round(due.every) day), p.account_owner, %(now)s
		from due left join `tabCustomer Profile` p on p.name = due.customer""",
		params,
	)


def recompute(opts: Options | None = None, today=None) -> dict:
	"""Replace Item Affinity and every Customer Recommendation; return counts and seconds per step."""
	opts = opts or Options()
	params = {
		"now": now_datetime(),
		"today": getdate(today or nowdate()),
		"min_customers": opts.min_customers,
		"per_item": opts.per_item,
		"top_n": opts.top_n,
		"min_reorders": MIN_REORDERS,
	}
	timings = {}
	start = time.perf_counter()
	compute_summary(opts, params)
	timings["summary"] = time.perf_counter() - start
	step = time.perf_counter()
	compute_affinity(opts, params)
	timings["affinity"] = time.perf_counter() - step
	frappe.db.sql("delete from `tabCustomer Recommendation`")
	step = time.perf_counter()
	compute_cross_sell(opts, params)
	timings["cross_sell"] = time.perf_counter() - step
	step = time.perf_counter()
	compute_reorder_due(opts, params)
	timings["reorder_due"] = time.perf_counter() - step
	timings["total"] = time.perf_counter() - start
	counts = dict(frappe.db.sql("select kind, count(*) from `tabCustomer Recommendation` group by kind"))
	return {
		"pairs": frappe.db.count(AFFINITY),
		"cross_sell": counts.get(CROSS_SELL, 0),
		"reorder_due": counts.get(REORDER_DUE, 0),
		"seconds": timings,
	}


def nightly() -> None:
	"""daily_long: recompute, then (when the setting is on) open follow-up ToDos for reorders due."""
	recompute()
	frappe.db.commit()  # the recomputed tables stand even if making ToDos fails below
	from crm_profiles.recommendations.todos import make_reorder_todos

	make_reorder_todos()
