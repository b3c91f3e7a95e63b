"""Realistic demo data for a new site, through ERPNext's own documents.

    bench --site SITE execute crm_profiles.demo.make
    bench --site SITE execute crm_profiles.demo.make --kwargs "{'force': True}"

About 200 customers (Chinese and English names) with contacts, industries and territories, about 2,000
submitted Sales Orders over the last two years, and interactions of every type with preferences,
complaints and feedback. Everything is made through ERPNext's own documents (real submitted Sales
Orders), so the figures, tiers and timelines that read ERPNext documents see real data.

It is idempotent: a customer that already exists is left alone with everything that belongs to it, so
a second run adds nothing. It refuses to run on a site that has submitted Sales Orders of customers it
did not make, unless forced.
"""

from __future__ import annotations

import os
import random
import re
from dataclasses import dataclass, field

import click
import frappe
from frappe import _
from frappe.utils import add_days, add_to_date, getdate, now_datetime, nowdate

DEMO_MARK = "crm_profiles demo"  # stored in Customer.customer_details to recognise demo customers
SEED = 20261123

CN_PREFIX = ["上海", "北京", "深圳", "杭州", "广州", "成都", "苏州", "南京", "武汉", "西安"]
CN_CORE = ["云帆", "华信", "博远", "恒通", "新元", "瑞丰", "天成", "金桥", "嘉禾", "启明"]
CN_SUFFIX = ["科技有限公司", "贸易有限公司"]
EN_CORE = [
	"Northwind",
	"Bluebird",
	"Summit",
	"Harbor",
	"Evergreen",
	"Redwood",
	"Silverline",
	"Lakeside",
	"Ironbridge",
	"Brightpath",
]
EN_SUFFIX = ["Traders", "Industries", "Logistics", "Foods", "Systems"]
CN_PEOPLE = [
	("王", "伟"),
	("李", "娜"),
	("张", "敏"),
	("刘", "洋"),
	("陈", "静"),
	("杨", "磊"),
	("赵", "婷"),
	("黄", "强"),
	("周", "杰"),
	("吴", "芳"),
]
EN_PEOPLE = [
	("Emma", "Clark"),
	("Liam", "Turner"),
	("Olivia", "Hughes"),
	("Noah", "Bennett"),
	("Ava", "Foster"),
	("Mason", "Reed"),
	("Mia", "Price"),
	("Lucas", "Ward"),
]
POSITIONS = ["采购经理", "Purchasing Manager", "总经理", "Operations Director", "Office Manager", "财务主管"]
TERRITORIES = {
	"华东": "East China",
	"华北": "North China",
	"华南": "South China",
	"North America": None,
	"Europe": None,
}
INDUSTRIES = [
	"Technology",
	"Manufacturing",
	"Retail & Wholesale",
	"Food, Beverage & Tobacco",
	"Transportation",
	"Construction",
]
ITEMS = [
	("DEMO-PAPER-A4", "A4 复印纸 / A4 Copy Paper", 28),
	("DEMO-TONER", "打印机硒鼓 / Toner Cartridge", 85),
	("DEMO-CHAIR", "人体工学椅 / Ergonomic Chair", 420),
	("DEMO-DESK", "升降办公桌 / Standing Desk", 760),
	("DEMO-LAPTOP", "商务笔记本 / Business Laptop", 1150),
	("DEMO-MONITOR", "27 寸显示器 / 27in Monitor", 260),
	("DEMO-HEADSET", "降噪耳机 / Noise-cancelling Headset", 140),
	("DEMO-COFFEE", "咖啡豆 1kg / Coffee Beans 1kg", 32),
	("DEMO-SERVICE", "年度维保服务 / Annual Maintenance", 1800),
	("DEMO-TRAINING", "培训课程 / Training Day", 950),
]
PREFERENCES = [
	("Communication", "微信联系 / Prefers WeChat", "Interview"),
	("Communication", "Email only, no calls before 10:00", "Survey"),
	("Delivery", "Delivery on Mondays", "Interview"),
	("Payment", "Net 30 payment terms", "Other"),
	("Product", "Buys eco-friendly paper", "Purchase behaviour"),
	("Pricing", "Volume discount expected", "Interview"),
	("Service", "On-site training preferred", "Self-service"),
]
INTERACTIONS = [
	("Call", "Outbound", "Phone", "Quarterly check-in call", "Discussed next quarter's needs."),
	("Email", "Inbound", "Email", "Question about invoice", "Asked for a copy of the last invoice."),
	("Meeting", "Outbound", "In Person", "Annual account review", "Reviewed spend and service levels."),
	("Visit", "Outbound", "In Person", "Site visit", "Visited the office to see the setup."),
	("Chat", "Inbound", "Chat", "Delivery status", "Asked when the order ships."),
	("Complaint", "Inbound", "Phone", "Late delivery", "Delivery arrived two days late."),
	("Feedback", "Inbound", "Email", "Happy with the training", "Training day was rated highly."),
	("Inquiry", "Inbound", "Website", "Quote for standing desks", "Needs 20 desks for a new floor."),
	("Follow-up", "Outbound", "Phone", "Follow-up on quote", "Customer will decide next week."),
]


@dataclass
class DemoResult:
	customers_created: int = 0
	customers_skipped: int = 0
	orders: int = 0
	interactions: int = 0
	names: list[str] = field(default_factory=list)


BATCH = 10  # customers per transaction when seeding in this process


def make(
	customers: int = 200,
	orders: int = 2000,
	force: bool = False,
	commit: bool = True,
	desk: bool = False,
	workers: int | None = None,
	segments: bool = True,
) -> dict:
	"""Fill the site with demo data; see the module docstring. Returns what it created.

	Fast the way ERPNext's own test setup is, with real submitted documents all the same:
	- no per-order recompute of profile figures while seeding; one full refresh at the end computes
	figures, tiers, stages and the RFM cut points for everyone;
	- orders are inserted as submitted (ERPNext validates once and runs on_submit, as ``submit()``
	would after a second validation);
	- when committing, worker processes (one per core, at most 4) share the customers. Their order
	names are drawn from the Sales Order naming series up front, so they never wait on its row lock;
	each commits one customer at a time, and one that meets a deadlock is retried;
	- a progress bar with counts in the terminal and, as a background job from the desk, on the form.
	Each customer's data comes from its own random stream, so the result does not depend on workers.
	With ``segments`` it ends with ``crm_profiles.segments.demo.make_segment_demo``: segments, a campaign
	with a control group and its effect, and recommendations.
	"""
	frappe.only_for(("System Manager", "Administrator"))
	refuse_on_real_data(force)
	company = default_company()
	ensure_masters(company)
	plan = plan_customers(customers, orders, random.Random(SEED))
	result = DemoResult()
	todo = []
	for step in plan:
		if frappe.db.exists("Customer", step["name"]):
			result.customers_skipped += 1
		else:
			todo.append(step)
	progress = Progress(_("Demo orders"), sum(step["orders"] for step in todo), desk=desk)
	workers = min(workers or os.cpu_count() or 1, 4, len(todo))
	if commit:
		frappe.db.commit()
	if commit and workers > 1:
		_make_in_workers(todo, company, workers, result, progress)
	else:
		_make_here(todo, company, result, progress, commit)
	progress.finish()
	from crm_profiles.analytics.refresh import full_refresh

	click.echo(_("Computing figures, tiers, stages and RFM for every profile ..."))
	full_refresh()
	if commit:
		frappe.db.commit()
	if segments:
		from crm_profiles.segments.demo import make_segment_demo

		click.echo(_("Segments, a campaign with a control group, and recommendations ..."))
		make_segment_demo(commit=commit)
	summary = {
		"customers_created": result.customers_created,
		"customers_skipped": result.customers_skipped,
		"sales_orders": result.orders,
		"interactions": result.interactions,
	}
	click.secho(
		_("Demo data: {0} customers created ({1} already there), {2} sales orders, {3} interactions").format(
			*summary.values()
		),
		fg="green",
	)
	return summary


def customer_rng(step: dict) -> random.Random:
	return random.Random(f"{SEED}:{step['index']}")


def _make_here(todo: list[dict], company: str, result: DemoResult, progress: Progress, commit: bool) -> None:
	frappe.flags.crm_profiles_defer_figures = True
	try:
		for done, step in enumerate(todo, start=1):
			make_customer_with_history(step, company, customer_rng(step), result, progress.step)
			result.customers_created += 1
			result.names.append(step["name"])
			if commit and done % BATCH == 0:
				frappe.db.commit()
			progress.update(progress.done, _("{0} of {1} customers").format(done, len(todo)))
	finally:
		frappe.flags.crm_profiles_defer_figures = False


def reserve_order_names(count: int) -> list[str]:
	"""Draw ``count`` names from the Sales Order naming series, as ERPNext would one by one."""
	from frappe.model.naming import make_autoname

	series = (frappe.get_meta("Sales Order").get_field("naming_series").options or "SO-.YYYY.-").split("\n")[
		0
	]
	pattern = series if "#" in series else f"{series}.#####"
	first = make_autoname(pattern, "Sales Order")
	# The number ends the name (the pattern ends in #): take the rest of the block in one UPDATE of the
	# series row, which make_autoname has just locked, instead of one round trip per order.
	match = re.fullmatch(r"(.*?)(\d+)", first)
	current = match and frappe.db.sql("select current from `tabSeries` where name = %s", match[1])
	if count > 1 and pattern.endswith("#") and current and current[0][0] == int(match[2]):
		frappe.db.sql("update `tabSeries` set current = current + %s where name = %s", (count - 1, match[1]))
		start, width = int(match[2]), len(match[2])
		return [first] + [f"{match[1]}{n:0{width}d}" for n in range(start + 1, start + count)]
	return [first] + [make_autoname(pattern, "Sales Order") for _n in range(count - 1)]


def _make_in_workers(
	todo: list[dict], company: str, workers: int, result: DemoResult, progress: Progress
) -> None:
	import multiprocessing
	import time

	names = reserve_order_names(sum(step["orders"] for step in todo))
	frappe.db.commit()
	for step in todo:
		step["order_names"], names = names[: step["orders"]], names[step["orders"] :]
	context = multiprocessing.get_context("spawn")
	counter = context.Value("i", 0)
	results = context.Queue()
	shares = [todo[i::workers] for i in range(workers)]
	site, sites_path = frappe.local.site, os.path.abspath(frappe.local.sites_path)
	procs = [
		context.Process(
			target=_worker, args=(site, sites_path, share, company, counter, results), daemon=True
		)
		for share in shares
	]
	for proc in procs:
		proc.start()
	reports = []
	while len(reports) < len(procs):
		while not results.empty():
			reports.append(results.get())
		progress.update(counter.value, _("{0} workers").format(workers))
		if len(reports) < len(procs):
			if not any(proc.is_alive() for proc in procs) and results.empty():
				break
			time.sleep(0.5)
	for proc in procs:
		proc.join(timeout=30)
	progress.update(counter.value)
	failed = [report["error"] for report in reports if report.get("error")]
	if len(reports) < len(procs) or failed:
		frappe.throw(
			_("Demo data failed in a worker process: {0}").format("; ".join(failed) or _("it stopped"))
		)
	for report in reports:
		result.customers_created += report["customers"]
		result.orders += report["orders"]
		result.interactions += report["interactions"]
		result.names += report["names"]


def _worker(site: str, sites_path: str, share: list[dict], company: str, counter, results) -> None:
	"""One worker process: its own connection, one transaction per customer, deadlocks retried."""
	import traceback

	frappe.init(site=site, sites_path=sites_path)
	frappe.connect()
	frappe.set_user("Administrator")
	# READ COMMITTED takes no gap locks, so one worker's INSERT ... SELECT of a profile never waits on
	# the neighbouring rows another worker has inserted but not yet committed.
	frappe.db.sql("commit")
	frappe.db.sql("set session transaction isolation level read committed")
	frappe.db.begin()
	frappe.flags.crm_profiles_defer_figures = True
	result = DemoResult()

	def tick():
		with counter.get_lock():
			counter.value += 1

	try:
		for step in share:
			for attempt in range(4):
				mine = DemoResult()
				try:
					make_customer_with_history(step, company, customer_rng(step), mine, tick)
					frappe.db.commit()
					break
				except (frappe.QueryDeadlockError, frappe.QueryTimeoutError):
					frappe.db.rollback()
					with counter.get_lock():
						counter.value -= mine.orders
					if attempt == 3:
						raise
			result.customers_created += 1
			result.orders += mine.orders
			result.interactions += mine.interactions
			result.names.append(step["name"])
		results.put({**result.__dict__, "customers": result.customers_created})
	except Exception:
		frappe.db.rollback()
		results.put({"error": traceback.format_exc(limit=3)})
	finally:
		frappe.destroy()


@frappe.whitelist(methods=["POST"])
def enqueue_demo() -> str:
	"""Load the demo data in a background job, with progress shown on CRM Profile Settings."""
	frappe.only_for(("System Manager",))
	refuse_on_real_data(False)
	frappe.enqueue(
		"crm_profiles.demo.make",
		queue="long",
		timeout=3600,
		desk=True,
		job_id="crm_profiles_demo",
		deduplicate=True,
	)
	return _("Loading demo data in the background. Progress shows here.")


class Progress:
	"""A bar with counts: redrawn in place on a terminal, a line per tenth elsewhere (CI logs), and
	``frappe.publish_progress`` to the desk when the job was started from there."""

	def __init__(self, label: str, total: int, desk: bool = False, width: int = 30):
		import sys
		import time

		self.label, self.total, self.desk, self.width = label, max(total, 1), desk, width
		self.tty = sys.stdout.isatty()
		self.started = time.monotonic()
		self.last_tenth = -1
		self.last_percent = -1
		self.done = 0
		self.detail = ""

	def update(self, done: int, detail: str | None = None) -> None:
		import sys
		import time

		self.done = done = min(done, self.total)
		if detail is not None:
			self.detail = detail
		detail = self.detail
		share = done / self.total
		elapsed = time.monotonic() - self.started
		filled = int(share * self.width)
		line = f"{self.label} [{'#' * filled}{'-' * (self.width - filled)}] {done}/{self.total} {share:4.0%} {elapsed:4.0f}s  {detail}"
		if self.tty:
			sys.stdout.write("\r" + line)
			sys.stdout.flush()
		elif int(share * 10) != self.last_tenth:
			self.last_tenth = int(share * 10)
			print(line, flush=True)
		if self.desk and int(share * 100) != self.last_percent:
			self.last_percent = int(share * 100)
			frappe.publish_progress(
				share * 100,
				title=_("Loading demo data"),
				doctype="CRM Profile Settings",
				docname="CRM Profile Settings",
				description=_("{0} of {1} orders; {2}").format(done, self.total, detail),
			)

	def step(self) -> None:
		self.update(self.done + 1)

	def finish(self) -> None:
		if self.tty:
			print(flush=True)


def refuse_on_real_data(force: bool) -> None:
	real_orders = frappe.db.sql(
		"""select count(*) from `tabSales Order` so join `tabCustomer` c on c.name = so.customer
		where so.docstatus = 1 and coalesce(c.customer_details, '') != %s""",
		(DEMO_MARK,),
	)[0][0]
	if real_orders and not force:
		frappe.throw(
			_(
				"This site has {0} submitted Sales Orders that are not demo data. Run with force to add demo data anyway."
			).format(real_orders),
			title=_("Site has real transactions"),
		)


def default_company() -> str:
	company = frappe.defaults.get_global_default("company") or frappe.db.get_value("Company", {}, "name")
	if not company:
		frappe.throw(_("Finish the ERPNext setup wizard first: the demo needs a Company."))
	return company


def ensure_masters(company: str) -> None:
	"""Territories, industries, an item group and the demo items, made only when missing."""
	for name in TERRITORIES:
		if not frappe.db.exists("Territory", name):
			frappe.get_doc(
				{"doctype": "Territory", "territory_name": name, "parent_territory": "All Territories"}
			).insert()
	for name in INDUSTRIES:
		if not frappe.db.exists("Industry Type", name):
			frappe.get_doc({"doctype": "Industry Type", "industry": name}).insert()
	for code, item_name, rate in ITEMS:
		if not frappe.db.exists("Item", code):
			frappe.get_doc(
				{
					"doctype": "Item",
					"item_code": code,
					"item_name": item_name,
					"item_group": "All Item Groups",
					"stock_uom": "Nos",
					"is_stock_item": 0,
					"standard_rate": rate,
				}
			).insert()


def plan_customers(count: int, orders: int, rng: random.Random) -> list[dict]:
	"""A deterministic list of customers with a skewed share of the orders (a few big buyers)."""
	names = []
	for i in range(count):
		if i % 2 == 0:
			core = CN_CORE[(i // 2) % len(CN_CORE)]
			prefix = CN_PREFIX[(i // 20) % len(CN_PREFIX)]
			names.append(f"{prefix}{core}{CN_SUFFIX[(i // 200) % 2]}")
		else:
			core = EN_CORE[(i // 2) % len(EN_CORE)]
			suffix = EN_SUFFIX[(i // 20) % len(EN_SUFFIX)]
			names.append(f"{core} {suffix}" + (f" {i // 100 + 1}" if i >= 100 else ""))
	weights = [1 / (1 + i % 37) ** 1.1 for i in range(count)]
	total = sum(weights)
	shares = [max(0, round(orders * w / total)) for w in weights]
	territories = list(TERRITORIES)
	plan = []
	for i, name in enumerate(names):
		chinese = i % 2 == 0
		territory = territories[rng.randrange(3)] if chinese else territories[3 + rng.randrange(2)]
		plan.append(
			{
				"name": name,
				"chinese": chinese,
				"territory": territory,
				"industry": INDUSTRIES[i % len(INDUSTRIES)],
				"group": ["Commercial", "Commercial", "Government", "Non Profit"][i % 4],
				"orders": shares[i],
				"index": i,
			}
		)
	return plan


def make_customer_with_history(
	step: dict, company: str, rng: random.Random, result: DemoResult, on_order=None
) -> None:
	customer = frappe.get_doc(
		{
			"doctype": "Customer",
			"customer_name": step["name"],
			"customer_type": "Company",
			"customer_group": step["group"]
			if frappe.db.exists("Customer Group", step["group"])
			else "All Customer Groups",
			"territory": step["territory"],
			"industry": step["industry"],
			"customer_details": DEMO_MARK,
			"website": None if step["chinese"] else f"https://{step['name'].split()[0].lower()}.example.com",
		}
	).insert()
	contact = make_contact(customer.name, step, rng)
	profile = frappe.get_doc("Customer Profile", customer.name)
	profile.primary_contact = contact.name
	profile.email_id = contact.email_id
	profile.mobile_no = contact.mobile_no
	profile.position = contact.designation
	profile.account_owner = "Administrator"
	for category, preference, source in rng.sample(PREFERENCES, k=rng.randint(1, 3)):
		profile.append(
			"preferences",
			{
				"category": category,
				"preference": preference,
				"source": source,
				"recorded_on": add_days(nowdate(), -rng.randint(1, 400)),
			},
		)
	profile.save()
	first_day = add_days(nowdate(), -730 + rng.randint(0, 500))
	for _n in range(step["orders"]):
		names = step.get("order_names") or []
		make_sales_order(customer.name, company, first_day, rng, names[_n] if _n < len(names) else None)
		result.orders += 1
		if on_order:
			on_order()
	for _n in range(rng.randint(2, 6)):
		make_interaction(customer.name, contact.name, rng)
		result.interactions += 1


def make_contact(customer: str, step: dict, rng: random.Random):
	if step["chinese"]:
		last, first = CN_PEOPLE[step["index"] % len(CN_PEOPLE)]
		email = f"contact{step['index']}@example.cn"
		mobile = f"+86 138{rng.randint(10000000, 99999999)}"
	else:
		first, last = EN_PEOPLE[step["index"] % len(EN_PEOPLE)]
		email = f"{first.lower()}.{last.lower()}{step['index']}@example.com"
		mobile = f"+1 202 555 {rng.randint(1000, 1999)}"
	contact = frappe.get_doc(
		{
			"doctype": "Contact",
			"first_name": first,
			"last_name": last,
			"designation": POSITIONS[step["index"] % len(POSITIONS)],
			"email_ids": [{"email_id": email, "is_primary": 1}],
			"phone_nos": [{"phone": mobile, "is_primary_mobile_no": 1}],
			"links": [{"link_doctype": "Customer", "link_name": customer}],
		}
	).insert()
	frappe.db.set_value("Customer", customer, "customer_primary_contact", contact.name, update_modified=False)
	return contact


def make_sales_order(
	customer: str, company: str, first_day: str, rng: random.Random, name: str | None = None
) -> None:
	span = max(1, (getdate(nowdate()) - getdate(first_day)).days)
	date = add_days(first_day, rng.randint(0, span))
	items = []
	for code, _name, rate in rng.sample(ITEMS, k=rng.randint(1, 3)):
		items.append(
			{"item_code": code, "qty": rng.randint(1, 12), "rate": rate, "delivery_date": add_days(date, 7)}
		)
	so = frappe.get_doc(
		{
			"doctype": "Sales Order",
			"customer": customer,
			"company": company,
			"transaction_date": date,
			"delivery_date": add_days(date, 7),
			"items": items,
		}
	)
	so.docstatus = 1  # insert as submitted: ERPNext validates once and runs on_submit, as submit() would
	# ERPNext's set_status leaves a new document's status alone, and submit() would set it in its second
	# validation. Its status_map gives a just-submitted order, nothing delivered or billed, "To Deliver and
	# Bill": set that here rather than evaluate the map again and write it in a second UPDATE (a quarter
	# of the demo's time per order).
	so.status = "To Deliver and Bill"
	so.insert(set_name=name)


def make_interaction(customer: str, contact: str, rng: random.Random) -> None:
	kind, direction, channel, subject, summary = rng.choice(INTERACTIONS)
	when = add_to_date(now_datetime(), days=-rng.randint(0, 365), hours=-rng.randint(0, 8))
	doc = frappe.get_doc(
		{
			"doctype": "Customer Interaction",
			"customer": customer,
			"interaction_type": kind,
			"direction": direction,
			"channel": channel,
			"interaction_date": when,
			"contact_person": contact,
			"subject": subject,
			"summary": f"<p>{summary}</p>",
			"status": "Open" if kind == "Complaint" and rng.random() < 0.4 else "Completed",
			"rating": rng.randint(3, 5) if kind in ("Feedback", "Meeting", "Visit") else 0,
		}
	)
	doc.insert()
