"""Seed N customers and M submitted Sales Orders (with items, and mirrored Sales Invoices) with bulk SQL.

The data is synthetic but valid for the reports that read it: every order has a customer, company,
currency, dates, totals in company currency and one to three item rows. Items come in bundles that go
together (each customer buys mostly from one bundle), and 40 % of customers reorder a staple item on a
regular cycle, so recommendations have real structure to find. Order counts per customer follow
a Pareto distribution (a few customers order a lot), each customer stops ordering at its own date (so
some are inactive), and order values are log-normal.
"""

from __future__ import annotations

import math
import random

import frappe
from frappe.utils import add_days, getdate, now_datetime

PREFIX = "BENCH"
ITEMS = 50
BUNDLE = 5  # items 0-4 go together, 5-9 go together, ...
CYCLIC_SHARE = 0.4  # customers who reorder a staple item on a regular cycle


class Taste:
	"""What one synthetic customer buys: mostly from a primary bundle of items that go together, some
	from a second bundle, a little at random; and for some customers a staple reordered every order."""

	def __init__(self, primary: list[str], secondary: list[str], items: list[str], staple: str | None):
		self.primary, self.secondary, self.items, self.staple = primary, secondary, items, staple

	@classmethod
	def draw(cls, rng: random.Random, items: list[str]) -> Taste:
		bundles = [items[i : i + BUNDLE] for i in range(0, len(items), BUNDLE)]
		# Popular bundles are bought by more customers (Zipf-like), so popularity is a real baseline.
		primary = bundles[min(int(rng.paretovariate(0.8)) - 1, len(bundles) - 1)]
		secondary = rng.choice(bundles)
		staple = rng.choice(primary) if rng.random() < CYCLIC_SHARE else None
		return cls(primary, secondary, items, staple)

	def pick(self, rng: random.Random) -> str:
		r = rng.random()
		if r < 0.75:
			return rng.choice(self.primary)
		if r < 0.9:
			return rng.choice(self.secondary)
		return rng.choice(self.items)


def ensure_items() -> list[str]:
	codes = [f"_Bench Item {i:02d}" for i in range(ITEMS)]
	for code in codes:
		if not frappe.db.exists("Item", code):
			frappe.get_doc(
				{
					"doctype": "Item",
					"item_code": code,
					"item_name": code,
					"item_group": "All Item Groups",
					"stock_uom": "Nos",
					"is_stock_item": 0,
				}
			).insert(ignore_permissions=True)
	frappe.db.commit()
	return codes


def seeded_counts() -> tuple[int, int]:
	customers = frappe.db.sql("select count(*) from `tabCustomer` where name like %s", f"{PREFIX}-C-%")[0][0]
	orders = frappe.db.sql("select count(*) from `tabSales Order` where name like %s", f"{PREFIX}-SO-%")[0][0]
	return customers, orders


def clear() -> None:
	for table, column in (
		("Sales Order Item", "parent"),
		("Sales Order", "name"),
		("Sales Invoice", "name"),
		("Customer Profile Change", "customer_profile"),
		("Customer Profile", "name"),
		("Customer", "name"),
	):
		frappe.db.sql(f"delete from `tab{table}` where `{column}` like %s", f"{PREFIX}-%")
	frappe.db.commit()


def seed(customers: int, orders: int, company: str, seed_value: int = 42, echo=print) -> None:
	rng = random.Random(seed_value)
	items = ensure_items()
	currency = frappe.get_cached_value("Company", company, "default_currency")
	today = getdate()
	now = now_datetime()
	user = "Administrator"

	names = [f"{PREFIX}-C-{i:07d}" for i in range(customers)]
	frappe.db.bulk_insert(
		"Customer",
		[
			"name",
			"creation",
			"modified",
			"owner",
			"modified_by",
			"docstatus",
			"idx",
			"customer_name",
			"customer_type",
			"customer_group",
			"territory",
			"default_currency",
		],
		(
			(n, now, now, user, user, 0, 0, n, "Company", "All Customer Groups", "All Territories", currency)
			for n in names
		),
		chunk_size=5000,
	)
	frappe.db.commit()
	from crm_profiles.profiles.sync import create_missing_profiles

	create_missing_profiles(names)
	frappe.db.commit()
	echo(f"seeded {customers} customers and their profiles")

	# Pareto weights: a few customers place most orders; every customer stops at its own date.
	weights = [rng.paretovariate(1.16) for _ in names]
	total = sum(weights)
	counts = [max(1, round(w / total * orders)) for w in weights]
	while sum(counts) > orders:
		i = rng.randrange(customers)
		if counts[i] > 1:
			counts[i] -= 1
	while sum(counts) < orders:
		counts[rng.randrange(customers)] += 1

	so_fields = [
		"name",
		"creation",
		"modified",
		"owner",
		"modified_by",
		"docstatus",
		"idx",
		"naming_series",
		"customer",
		"customer_name",
		"order_type",
		"transaction_date",
		"delivery_date",
		"company",
		"currency",
		"conversion_rate",
		"selling_price_list",
		"price_list_currency",
		"plc_conversion_rate",
		"total_qty",
		"total",
		"base_total",
		"net_total",
		"base_net_total",
		"grand_total",
		"base_grand_total",
		"rounded_total",
		"base_rounded_total",
		"status",
		"territory",
		"customer_group",
	]
	item_fields = [
		"name",
		"creation",
		"modified",
		"owner",
		"modified_by",
		"docstatus",
		"idx",
		"parent",
		"parenttype",
		"parentfield",
		"item_code",
		"item_name",
		"description",
		"qty",
		"stock_qty",
		"rate",
		"base_rate",
		"amount",
		"base_amount",
		"net_rate",
		"net_amount",
		"base_net_rate",
		"base_net_amount",
		"uom",
		"stock_uom",
		"conversion_factor",
		"delivery_date",
	]
	so_rows, item_rows, number = [], [], 0

	def flush():
		frappe.db.bulk_insert("Sales Order", so_fields, so_rows, chunk_size=5000)
		frappe.db.bulk_insert("Sales Order Item", item_fields, item_rows, chunk_size=10000)
		frappe.db.commit()
		so_rows.clear()
		item_rows.clear()

	for customer, count in zip(names, counts, strict=True):
		stop = rng.randint(0, 3 * 365) if rng.random() < 0.5 else rng.randint(0, 60)
		start = stop + rng.randint(30, 3 * 365)
		taste = Taste.draw(rng, items)
		step = (start - stop) / count
		for k in range(count):
			number += 1
			name = f"{PREFIX}-SO-{number:08d}"
			if taste.staple:  # on a cycle: evenly spaced orders, each with the staple item
				days_ago = start - round(k * step + rng.uniform(-0.1, 0.1) * step)
				date = add_days(today, -min(start, max(stop, days_ago)))
			else:
				date = add_days(today, -rng.randint(stop, start))
			codes = [taste.staple] if taste.staple else []
			n_lines = rng.randint(1, 3)
			while len(codes) < n_lines:
				code = taste.pick(rng)
				if code not in codes:
					codes.append(code)
			lines = []
			for idx, code in enumerate(codes, start=1):
				qty = rng.randint(1, 10)
				rate = round(math.exp(rng.gauss(4.5, 1.0)), 2)
				lines.append((idx, code, qty, rate, round(qty * rate, 2)))
			net = round(sum(line[4] for line in lines), 2)
			grand = round(net * 1.1, 2)
			qty_total = sum(line[2] for line in lines)
			so_rows.append(
				(
					name,
					now,
					now,
					user,
					user,
					1,
					0,
					"SAL-ORD-.YYYY.-",
					customer,
					customer,
					"Sales",
					date,
					add_days(date, 7),
					company,
					currency,
					1,
					"Standard Selling",
					currency,
					1,
					qty_total,
					net,
					net,
					net,
					net,
					grand,
					grand,
					grand,
					grand,
					"To Deliver and Bill",
					"All Territories",
					"All Customer Groups",
				)
			)
			for idx, code, qty, rate, amount in lines:
				item_rows.append(
					(
						f"{name}-{idx}",
						now,
						now,
						user,
						user,
						1,
						idx,
						name,
						"Sales Order",
						"items",
						code,
						code,
						code,
						qty,
						qty,
						rate,
						rate,
						amount,
						amount,
						rate,
						amount,
						rate,
						amount,
						"Nos",
						"Nos",
						1,
						add_days(date, 7),
					)
				)
		if len(so_rows) >= 20000:
			flush()
			echo(f"  {number} orders")
	flush()

	# Mirror the orders as submitted invoices: ERPNext's Customer Acquisition and Loyalty reads invoices.
	frappe.db.sql(
		"""insert into `tabSales Invoice` (name, creation, modified, owner, modified_by, docstatus, idx,
			naming_series, customer, customer_name, posting_date, due_date, company, currency, conversion_rate,
			selling_price_list, price_list_currency, plc_conversion_rate, total, base_total, net_total,
			base_net_total, grand_total, base_grand_total, outstanding_amount, status, territory, customer_group,
			is_return)
		select replace(name, '-SO-', '-SI-'), creation, modified, owner, modified_by, 1, 0, 'ACC-SINV-.YYYY.-',
			customer, customer_name, transaction_date, delivery_date, company, currency, 1, selling_price_list,
			price_list_currency, 1, total, base_total, net_total, base_net_total, grand_total, base_grand_total,
			grand_total, 'Unpaid', territory, customer_group, 0
		from `tabSales Order` where name like %s""",
		f"{PREFIX}-SO-%",
	)
	frappe.db.commit()
	echo(f"seeded {number} submitted orders with items, and as many invoices")
