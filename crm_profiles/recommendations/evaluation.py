"""Offline quality of cross-sell: hide each customer's last order, recommend from the rest, and count how
often one of the top 5 is an item the hidden order brought new (hit rate at 5), against a popularity
baseline (the 5 most widely bought items the customer has not bought yet).

Call after ``engine.recompute(Options(hide_last_order=True))``; only customers with an earlier order and
at least one new item in their last order count.
"""

from __future__ import annotations

import frappe

_CTES = """
	last as (
		select name, customer from (
			select name, customer, row_number() over (
				partition by customer order by transaction_date desc, name desc) as r
			from `tabSales Order` where docstatus = 1) o
		where r = 1),
	history as (
		select distinct o.customer, i.item_code
		from `tabSales Order` o join `tabSales Order Item` i on i.parent = o.name
		where o.docstatus = 1 and o.name not in (select name from last)),
	targets as (
		select distinct l.customer, i.item_code
		from last l join `tabSales Order Item` i on i.parent = l.name
		left join history h on h.customer = l.customer and h.item_code = i.item_code
		where h.customer is null),
	eligible as (
		select distinct t.customer from targets t
		where t.customer in (select customer from history)),
	popular as (
		select item_code, row_number() over (order by count(*) desc, item_code) as pr
		from history group by item_code),
	popularity_recs as (
		select customer, item_code from (
			select e.customer, p.item_code, row_number() over (partition by e.customer order by p.pr) as r
			from eligible e join popular p on p.pr <= 100
			left join history h on h.customer = e.customer and h.item_code = p.item_code
			where h.customer is null) z
		where r <= %(top_n)s)
"""


def hit_rates(top_n: int = 5) -> dict:
	row = frappe.db.sql(
		f"""with {_CTES}
		select
			(select count(*) from eligible) as customers,
			(select count(distinct r.customer) from `tabCustomer Recommendation` r
				join targets t on t.customer = r.customer and t.item_code = r.item_code
				where r.kind = 'Cross-sell' and r.`rank` <= %(top_n)s
					and r.customer in (select customer from eligible)) as cross_sell_hits,
			(select count(distinct p.customer) from popularity_recs p
				join targets t on t.customer = p.customer and t.item_code = p.item_code) as popularity_hits""",
		{"top_n": top_n},
		as_dict=True,
	)[0]
	n = row.customers or 0
	return {
		"customers": n,
		"cross_sell": (row.cross_sell_hits or 0) / n if n else 0.0,
		"popularity": (row.popularity_hits or 0) / n if n else 0.0,
	}
