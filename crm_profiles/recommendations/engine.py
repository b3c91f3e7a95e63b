"""Item affinity, cross-sell and reorder-due, from submitted Sales Order Items.

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

The shape is one read, compute in memory, bulk writes:

- one grouped SELECT over the order lines gives one row per customer and item bought (Customer Item
  Summary). It is written as a difference: only the rows of customers whose purchases changed since the
  last run are deleted and inserted again, so a nightly run writes little;
- pair counts, cross-sell and reorder-due are computed from those rows in Python (a few items per
  customer, a few dozen pairs per item: linear in the summary rows, nothing per customer in SQL);
- Item Affinity and Customer Recommendation are replaced with multi-row INSERTs.
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import combinations

import frappe
from frappe.utils import getdate, now_datetime, nowdate

AFFINITY = "Item Affinity"
RECOMMENDATION = "Customer Recommendation"
SUMMARY = "Customer Item Summary"
CROSS_SELL = "Cross-sell"
REORDER_DUE = "Reorder Due"
MIN_REORDERS = 3
STANDARD = ("name", "creation", "modified", "owner", "modified_by", "docstatus", "idx")
SUMMARY_FIELDS = ("customer", "item_code", "orders", "purchase_dates", "first_ordered_on", "last_ordered_on")
WRITE_CHUNK = 2000  # rows per INSERT or DELETE statement


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


def md5(*parts: str) -> str:
	"""The row name MariaDB's md5(concat_ws('|', ...)) would give: stable across runs, one per key."""
	return hashlib.md5("|".join(parts).encode()).hexdigest()


def read_summary(opts: Options) -> dict[str, tuple]:
	"""One grouped pass over the submitted order lines: {name: (customer, item, orders, dates, first, last)}."""
	rows = frappe.db.sql(
		f"""select o.customer, i.item_code, count(distinct o.name), count(distinct o.transaction_date),
			min(o.transaction_date), max(o.transaction_date)
		from {_orders(opts)} o
		join `tabSales Order Item` i on i.parent = o.name and i.parenttype = 'Sales Order'
		where o.docstatus = 1 and o.customer is not null and i.item_code is not null
		group by o.customer, i.item_code"""
	)
	return {md5(row[0], row[1]): tuple(row) for row in rows}


def write_summary(summary: dict[str, tuple], now) -> int:
	"""Make Customer Item Summary equal ``summary``, touching only rows that differ. Returns rows written."""
	stored = {
		row[0]: tuple(row[1:])
		for row in frappe.db.sql(f"select name, {', '.join(SUMMARY_FIELDS)} from `tab{SUMMARY}`")
	}
	stale = [name for name, values in stored.items() if summary.get(name) != values]
	fresh = [name for name, values in summary.items() if stored.get(name) != values]
	delete_names(SUMMARY, stale)
	insert_rows(SUMMARY, SUMMARY_FIELDS, [(name, *summary[name]) for name in fresh], now)
	return len(fresh)


def compute_affinity(summary: dict[str, tuple], opts: Options) -> dict[str, list[tuple]]:
	"""{item X: [(Y, customers, support, confidence %, lift), ...]}, the ``per_item`` best pairs by lift."""
	items_of = defaultdict(list)
	for customer, item, *_rest in summary.values():
		items_of[customer].append(item)
	total = len(items_of)
	buyers = defaultdict(int)
	pairs = defaultdict(int)
	for items in items_of.values():
		for item in items:
			buyers[item] += 1
		for x, y in combinations(sorted(items), 2):
			pairs[x, y] += 1
	best = defaultdict(list)
	for (a, b), n in pairs.items():
		if n < opts.min_customers:
			continue
		lift = n * total / (buyers[a] * buyers[b])
		if lift <= 1:
			continue
		best[a].append((b, n, n / total, 100 * n / buyers[a], lift))
		best[b].append((a, n, n / total, 100 * n / buyers[b], lift))
	for rows in best.values():
		rows.sort(key=lambda r: (-r[4], -r[1], r[0]))
		del rows[opts.per_item :]
	return best


def cross_sell(
	summary: dict[str, tuple], affinity: dict[str, list[tuple]], opts: Options, today: date
) -> list[tuple]:
	"""(customer, rank, Y, score, X, confidence, lift) for each customer's top ``top_n`` new items."""
	bought = defaultdict(dict)  # customer -> {item: last ordered on}
	for customer, item, *_counts, last in summary.values():
		bought[customer][item] = last
	rows = []
	for customer, items in bought.items():
		candidates = {}  # Y -> (score, X, confidence, lift); the best pair per Y, ties to the smaller X
		for x, last in items.items():
			recency = 1 + (today - last).days / 365
			for y, _n, _support, confidence, lift in affinity.get(x, ()):
				if y in items:
					continue
				score = lift / recency
				held = candidates.get(y)
				if held is None or score > held[0] or (score == held[0] and x < held[1]):
					candidates[y] = (score, x, confidence, lift)
		ranked = sorted(candidates.items(), key=lambda kv: (-kv[1][0], kv[0]))[: opts.top_n]
		for rank, (y, (score, x, confidence, lift)) in enumerate(ranked, start=1):
			rows.append((customer, rank, y, score, x, confidence, lift))
	return rows


def reorder_due(summary: dict[str, tuple], today: date) -> list[tuple]:
	"""(customer, rank, item, score, times bought, last, every (days), due on) for reorders now due."""
	due = defaultdict(list)
	for customer, item, _orders, dates, first, last in summary.values():
		if dates < MIN_REORDERS:
			continue
		every = (last - first).days / (dates - 1)
		since = (today - last).days
		if every > 0 and since >= every:
			due[customer].append((since / every, item, dates, last, every))
	rows = []
	for customer, items in due.items():
		items.sort(key=lambda r: (-r[0], r[1]))
		for rank, (score, item, dates, last, every) in enumerate(items, start=1):
			days = int(every + 0.5)  # half up, as MariaDB's round()
			rows.append((customer, rank, item, score, dates, last, days, last + timedelta(days=days)))
	return rows


def delete_names(doctype: str, names: list[str]) -> None:
	for i in range(0, len(names), WRITE_CHUNK):
		frappe.db.sql(
			f"delete from `tab{doctype}` where name in %(names)s", {"names": names[i : i + WRITE_CHUNK]}
		)


def insert_rows(
	doctype: str, columns: tuple[str, ...], rows: list[tuple], now, fixed: dict | None = None
) -> None:
	"""Multi-row parameterised INSERTs of ``WRITE_CHUNK`` rows, each row given without the standard columns.

	The standard columns' values (the run's time, Administrator) and the ``fixed`` columns' are the same in
	every row, so they are escaped once and written into the row template rather than escaped again for every
	row. Column names are this module's constants, never user input.
	"""
	fixed = fixed or {}
	at = frappe.db.escape(str(now))
	constants = [at, at, "'Administrator'", "'Administrator'", "0", "0"]
	row_template = ["%s"] * len(columns) + [frappe.db.escape(str(v)) for v in fixed.values()]
	cols = ", ".join(f"`{c}`" for c in (*STANDARD, *columns, *fixed))
	one = f"(%s, {', '.join(constants + row_template)})"
	for i in range(0, len(rows), WRITE_CHUNK):
		chunk = rows[i : i + WRITE_CHUNK]
		frappe.db.sql(
			f"insert into `tab{doctype}` ({cols}) values {', '.join([one] * len(chunk))}",
			[value for row in chunk for value in row],
		)


def write_affinity(affinity: dict[str, list[tuple]], now) -> int:
	frappe.db.sql(f"delete from `tab{AFFINITY}`")
	rows = [
		(md5(x, y), x, y, n, support, confidence, lift)
		for x, pairs in affinity.items()
		for y, n, support, confidence, lift in pairs
	]
	insert_rows(
		AFFINITY, ("item_code", "other_item", "customers", "support", "confidence", "lift"), rows, now
	)
	return len(rows)


def write_recommendations(cross: list[tuple], due: list[tuple], now) -> None:
	profiles = {
		row[0]: (row[1], row[2])
		for row in frappe.db.sql("select name, customer_name, account_owner from `tabCustomer Profile`")
	}

	def names(customer: str) -> tuple:
		return profiles.get(customer, (None, None))

	frappe.db.sql(f"delete from `tab{RECOMMENDATION}`")
	who = ("customer", "customer_name", "account_owner", "item_code", "rank", "score")
	insert_rows(
		RECOMMENDATION,
		(*who, "based_on_item", "confidence", "lift"),
		[
			(md5("C", c, y), c, *names(c), y, rank, score, x, conf, lift)
			for c, rank, y, score, x, conf, lift in cross
		],
		now,
		fixed={"kind": CROSS_SELL, "computed_on": now},
	)
	insert_rows(
		RECOMMENDATION,
		(*who, "times_bought", "last_ordered_on", "typical_interval_days", "due_on"),
		[
			(md5("R", c, item), c, *names(c), item, rank, score, n, last, every, due_on)
			for c, rank, item, score, n, last, every, due_on in due
		],
		now,
		fixed={"kind": REORDER_DUE, "computed_on": now},
	)


def recompute(opts: Options | None = None, today=None) -> dict:
	"""Replace Item Affinity and every Customer Recommendation; return counts and seconds per step."""
	opts = opts or Options()
	now, today = now_datetime(), getdate(today or nowdate())
	timings = {}
	start = step = time.perf_counter()

	def lap(name: str) -> None:
		nonlocal step
		timings[name] = time.perf_counter() - step
		step = time.perf_counter()

	summary = read_summary(opts)
	lap("read")
	written = write_summary(summary, now)
	lap("summary_write")
	affinity = compute_affinity(summary, opts)
	cross = cross_sell(summary, affinity, opts, today)
	due = reorder_due(summary, today)
	lap("compute")
	pairs = write_affinity(affinity, now)
	write_recommendations(cross, due, now)
	lap("write")
	timings["total"] = time.perf_counter() - start
	return {
		"pairs": pairs,
		"cross_sell": len(cross),
		"reorder_due": len(due),
		"summary_rows": len(summary),
		"summary_rows_written": written,
		"seconds": timings,
	}


def nightly() -> None:
	"""daily_long: recompute, then (when the setting is on) open follow-up ToDos for reorders due."""
	recompute()
	frappe.db.commit()  # the recomputed tables stand even if making ToDos fails below
	from crm_profiles.recommendations.todos import make_reorder_todos

	make_reorder_todos()
