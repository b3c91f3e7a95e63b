"""bench commands of crm_profiles: ``crm-profiles-demo`` and ``crm-profiles-benchmark``."""

from __future__ import annotations

import click
from frappe.commands import get_site, pass_context

SIZES = {"default": (20_000, 200_000), "large": (100_000, 1_000_000)}


@click.command("crm-profiles-benchmark")
@click.option("--size", type=click.Choice(list(SIZES)), default="default", help="20k/200k or 100k/1M")
@click.option("--customers", type=int, help="Override the number of customers")
@click.option("--orders", type=int, help="Override the number of submitted Sales Orders")
@click.option("--sample", type=int, default=1000, help="Customers in the naive loop's sample")
@click.option(
	"--rounds",
	type=click.IntRange(1, 10_000),
	default=200,
	help="Sales Orders submitted with and without our hooks, for typical and for the heaviest customers",
)
@click.option("--reseed", is_flag=True, help="Delete the seeded data and seed again")
@click.option("--skip-slow", is_flag=True, help="Skip ERPNext's Customer Acquisition and Loyalty report")
@click.option(
	"--part",
	type=click.Choice(["all", "analytics", "apply", "imports", "sheets", "workers"]),
	default="all",
	help="analytics: figures and reports; apply: segments and recommendations; imports: Data Import rates; "
	"sheets: the customer sheet import; workers: the full refresh shared by 1 and 2 RQ workers",
)
@click.option(
	"--time-box",
	type=click.FloatRange(1, 7200),
	default=600,
	help="Seconds after which ERPNext's reports are stopped (printed as > N)",
)
@click.option(
	"--import-rows",
	type=click.IntRange(1, 1_000_000),
	default=4000,
	help="Rows per side of each Data Import measurement (e.g. 10000)",
)
@click.option("--sheet-rows", type=int, default=10_000, help="Rows of the customer sheet measurement")
@pass_context
def crm_profiles_benchmark(
	context,
	size,
	customers,
	orders,
	sample,
	rounds,
	reseed,
	skip_slow,
	part,
	time_box,
	import_rows,
	sheet_rows,
):
	"""Seed a synthetic dataset into a BENCHMARK site and time analytics side by side (never on production)."""
	import frappe

	from crm_profiles.benchmark import apply, imports, run, seed, sheets, workers

	site = get_site(context)
	customers = customers or SIZES[size][0]
	orders = orders or SIZES[size][1]
	frappe.init(site=site)
	frappe.connect()
	try:
		frappe.set_user("Administrator")
		company = (
			frappe.db.get_single_value("Global Defaults", "default_company")
			or frappe.get_all("Company", pluck="name", limit=1)[0]
		)
		if reseed:
			seed.clear()
		have = seed.seeded_counts()
		if part not in ("imports", "sheets") and have != (customers, orders):
			if any(have):
				# A seed of another size took long to make: replace it only when asked to
				raise click.ClickException(
					f"{site} holds a benchmark seed of {have[0]:,} customers and {have[1]:,} orders, not "
					f"{customers:,} and {orders:,}: pass the size it was seeded with (--size, --customers, "
					"--orders), or --reseed to replace it."
				)
			seed.seed(customers, orders, company, echo=click.echo)
		if part in ("all", "analytics"):
			run.run(
				company, sample=sample, rounds=rounds, skip_slow=skip_slow, time_box=time_box, echo=click.echo
			)
		if part in ("all", "apply"):
			apply.run(echo=click.echo)
		if part in ("all", "imports"):
			imports.run(import_rows, echo=click.echo)
		if part in ("all", "sheets"):
			sheets.run(sheet_rows, echo=click.echo)
		if part in ("all", "workers"):
			workers.run(echo=click.echo)
	finally:
		frappe.destroy()


@click.command("crm-profiles-demo")
@click.option("--customers", type=int, default=200, help="Number of demo customers")
@click.option("--orders", type=int, default=2000, help="Number of submitted Sales Orders, spread over them")
@click.option("--force", is_flag=True, help="Add demo data to a site that has real submitted orders")
@click.option(
	"--workers", type=click.IntRange(1, 4), help="Worker processes (default: one per core, at most 4)"
)
@pass_context
def crm_profiles_demo(context, customers, orders, force, workers):
	"""Load the demo data (idempotent): customers, contacts, submitted Sales Orders, interactions."""
	import frappe

	from crm_profiles import demo

	site = get_site(context)
	frappe.init(site=site)
	frappe.connect()
	try:
		frappe.set_user("Administrator")
		demo.make(customers=customers, orders=orders, force=force, workers=workers)
	finally:
		frappe.destroy()


commands = [crm_profiles_demo, crm_profiles_benchmark]
