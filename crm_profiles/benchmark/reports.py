"""Time the reports and the profile list on a seeded benchmark site, as a user with a restricted view
and as Administrator, and print one table.

    bench --site crm-bench.localhost execute crm_profiles.benchmark.reports.run

Run it after the benchmark seed and a full refresh (crm_profiles.benchmark.run), so profiles carry
figures, tiers and stages.
"""

from __future__ import annotations

from collections.abc import Callable

import frappe

from crm_profiles.benchmark.run import timed
from crm_profiles.benchmark.seed import PREFIX


def report(name: str, filters: dict | None = None) -> Callable:
	module = frappe.scrub(name).replace("-", "_")
	execute = frappe.get_attr(f"crm_profiles.crm_profiles.report.{module}.{module}.execute")
	return lambda: execute(filters or {})


def list_first_page(tier: str) -> Callable:
	"""What the desk's list view asks for: the first 20 rows of the list filtered by tier."""
	from frappe.desk.reportview import get as reportview_get

	def run():
		frappe.local.form_dict = frappe._dict(
			doctype="Customer Profile",
			fields=[
				"`tabCustomer Profile`.`name`",
				"`tabCustomer Profile`.`customer_name`",
				"`tabCustomer Profile`.`territory`",
				"`tabCustomer Profile`.`tier`",
				"`tabCustomer Profile`.`lifecycle_stage`",
				"`tabCustomer Profile`.`account_owner`",
			],
			filters=[["Customer Profile", "tier", "=", tier]],
			order_by="`tabCustomer Profile`.`modified` desc",
			start=0,
			page_length=20,
			with_comment_count=1,
		)
		return reportview_get()

	return run


def list_count(tier: str) -> Callable:
	"""The count the list view shows under its first page."""
	from frappe.desk.reportview import get_count

	def run():
		frappe.local.form_dict = frappe._dict(
			doctype="Customer Profile", filters=[["Customer Profile", "tier", "=", tier]], distinct="false"
		)
		return {"values": [get_count()]}

	return run


BENCH_TERRITORIES = ("_Bench North", "_Bench South", "_Bench East", "_Bench West")


def spread_territories() -> None:
	"""Give the seeded customers four territories (round robin) so a territory restriction means
	something; committed, and a no-op once done. (Other customers of the site, in territories of their
	own, do not count: a restriction to the root territory "All Territories" would restrict nothing.)"""
	like = f"{PREFIX}-%"
	if frappe.db.sql(
		"select 1 from `tabSales Order` where name like %s and territory = %s limit 1",
		(f"{PREFIX}-SO-%", BENCH_TERRITORIES[0]),
	):
		return
	for name in BENCH_TERRITORIES:
		if not frappe.db.exists("Territory", name):
			frappe.get_doc(
				{"doctype": "Territory", "territory_name": name, "parent_territory": "All Territories"}
			).insert(
				ignore_permissions=True  # benchmark site set-up, run by Administrator
			)
	frappe.db.sql(
		"""update `tabCustomer` c join (select name, row_number() over (order by name) %% 4 as k
			from `tabCustomer` where name like %s) t
		on t.name = c.name set c.territory = elt(t.k + 1, %s, %s, %s, %s)""",
		(like, *BENCH_TERRITORIES),
	)
	frappe.db.sql(
		"""update `tabCustomer Profile` p join `tabCustomer` c on c.name = p.customer
		set p.territory = c.territory where p.name like %s""",
		like,
	)
	# the orders too: reports that read Sales Orders apply the Sales Order's own territory permission
	frappe.db.sql(
		"""update `tabSales Order` so join `tabCustomer` c on c.name = so.customer
		set so.territory = c.territory where so.name like %s""",
		f"{PREFIX}-SO-%",
	)
	frappe.db.commit()


def restricted_user() -> str:
	"""A CRM User limited by User Permission to one of the benchmark's four territories (a quarter of the
	seeded customers; rolled back after)."""
	email = "crm.bench.territory@crm-profiles.test"
	if not frappe.db.exists("User", email):
		frappe.get_doc(
			{
				"doctype": "User",
				"email": email,
				"first_name": "Bench",
				"send_welcome_email": 0,
				"roles": [{"role": "CRM User"}, {"role": "Sales User"}],
			}
		).insert(ignore_permissions=True)  # benchmark fixture on a benchmark site; rolled back below
	frappe.get_doc(
		{"doctype": "User Permission", "user": email, "allow": "Territory", "for_value": BENCH_TERRITORIES[0]}
	).insert(ignore_permissions=True)  # same: rolled back below
	return email


def run() -> None:
	frappe.set_user("Administrator")
	spread_territories()
	try:
		measure("Administrator")
		user = restricted_user()
		frappe.set_user(user)
		measure(f"{user} (CRM User + Sales User, territory {BENCH_TERRITORIES[0]})")
	finally:
		frappe.set_user("Administrator")
		frappe.db.rollback()


def measure(who: str) -> None:
	customers = frappe.db.count("Customer Profile")
	tier = frappe.db.sql(
		"select tier from `tabCustomer Profile` where tier is not null group by tier order by count(*) desc limit 1"
	)
	tier = tier[0][0] if tier else None
	rows = [
		("Customer 360 (default: top 500 rows, all counted)", report("Customer 360")),
		("Customer 360, Rows = All", report("Customer 360", {"rows": "All"})),
		("At-Risk Customers", report("At-Risk Customers")),
		("At-Risk Customers incl. churned", report("At-Risk Customers", {"include_churned": 1})),
		("RFM Analysis (segments)", report("RFM Analysis")),
		("Tier Distribution", report("Tier Distribution")),
		("Lifecycle Funnel", report("Lifecycle Funnel")),
		("Retention Cohorts (12 months)", report("Retention Cohorts")),
	]
	if tier:
		rows.append((f"Profile list, first page, tier = {tier}", list_first_page(tier)))
		rows.append((f"Profile list, count, tier = {tier}", list_count(tier)))
	print(f"\nAs {who}: {customers:,} customer profiles (median of 5 runs after a warm-up)\n")
	print(f"{'What':<46} {'Seconds':>9} {'Rows':>8}")
	print("-" * 65)
	for label, fn in rows:
		seconds = timed(fn, repeat=5)
		result = fn()
		count = len(result[1]) if isinstance(result, tuple) else len(result.get("values", []))
		print(f"{label:<46} {seconds:>9.3f} {count:>8,}")
