"""Time the floor, our full refresh, a naive per-customer loop, ERPNext's reports, our at-risk answer and
the Sales Order submit with and without our hooks, on the same data, and print one table."""

from __future__ import annotations

import os
import signal
import statistics
import time
import traceback
from collections.abc import Callable

import frappe
from frappe.utils import add_days, add_months, getdate

from crm_profiles.analytics import indexes
from crm_profiles.analytics.api import at_risk_rows
from crm_profiles.analytics.refresh import full_refresh, start_fresh_transaction
from crm_profiles.benchmark.seed import PREFIX

FLOOR_SQL = """select customer, min(transaction_date), max(transaction_date), count(*), sum(base_net_total),
	sum(transaction_date > %(start)s), sum(if(transaction_date > %(start)s, base_net_total, 0))
	from `tabSales Order` where docstatus = 1 group by customer"""


def timed(fn: Callable, repeat: int = 1, before: Callable | None = None) -> float:
	"""Median wall time of ``repeat`` runs (after one warm-up run when repeating); ``before`` runs,
	untimed, before each timed run."""
	return timed_side_by_side((fn,), repeat, before, warm_up=repeat > 1)[0]


def timed_side_by_side(
	fns: tuple[Callable, ...], repeat: int, before: Callable | None = None, warm_up: bool = True
) -> list[float]:
	"""Median wall time of each of ``fns`` over ``repeat`` rounds that run them in turn (after one
	warm-up run of each), so that the machine's drift during the measurement hits all of them alike;
	``before`` runs, untimed, before each timed run."""
	if warm_up:
		for fn in fns:
			fn()
	times: list[list[float]] = [[] for _ in fns]
	for _ in range(repeat):
		for fn, spent in zip(fns, times, strict=True):
			if before:
				before()
			start = time.perf_counter()
			fn()
			spent.append(time.perf_counter() - start)
	return [statistics.median(spent) for spent in times]


QUIET_STATUS = """show global status where variable_name in
	('Innodb_buffer_pool_pages_dirty', 'Innodb_history_list_length')"""


def settle(limit: float = 60.0, interval: float = 0.5) -> float:
	"""Wait, untimed, until the database server has written out earlier changes: InnoDB's dirty pages
	no longer fall and its purge has caught up (or ``limit`` seconds passed). Returns the seconds waited.

	A nightly job starts on a quiet server. Here each measurement would otherwise start while the server
	still flushes what the one before wrote: an index just built, or a refresh's 20,000 rows, which
	slowed the next reads by up to half on this 2-core machine and made the ratios depend on the order
	of the measurements. Every timed run of the floor and of the refresh starts after this wait.
	"""
	start = time.monotonic()
	seen: list[int] = []
	while time.monotonic() - start < limit:
		status = {k.lower(): int(v) for k, v in frappe.db.sql(QUIET_STATUS)}
		seen.append(status.get("innodb_buffer_pool_pages_dirty", 0))
		purged = status.get("innodb_history_list_length", 0) < 1000
		if purged and len(seen) >= 3 and seen[-1] >= seen[-2] >= seen[-3]:
			break
		time.sleep(interval)
	return time.monotonic() - start


_parents_connection: list = []
UNKNOWN_THREAD = 1094  # MariaDB's error for KILL of a connection that has ended


class TimedOut(float):
	"""A run stopped at this many seconds: the real time is longer."""


def timeboxed(fn: Callable, limit: float) -> float:
	"""Wall time of one run of ``fn`` in a forked process on its own connection, or ``TimedOut(limit)``
	when it ran past ``limit`` seconds: then its query on the server is killed, and the process, so
	nothing keeps loading the machine while the rest is timed."""
	read_end, write_end = os.pipe()
	pid = os.fork()
	if pid == 0:  # the child: its own connection; the parent's stays untouched
		status = 1
		try:
			os.close(read_end)
			# Kept referenced until os._exit: freeing it would close it, and mysqlclient (Frappe 16) says
			# goodbye to the server on the socket the parent still uses.
			_parents_connection.append(frappe.local.db)
			frappe.local.db = None
			frappe.connect(site=frappe.local.site)
			frappe.set_user("Administrator")
			os.write(write_end, f"{frappe.db.sql('select connection_id()')[0][0]}\n".encode())
			fn()
			status = 0
		except BaseException:
			traceback.print_exc()
		finally:
			os._exit(status)
	os.close(write_end)
	with os.fdopen(read_end) as pipe:
		connection_id = int(pipe.readline() or 0)
	start = time.perf_counter()
	while time.perf_counter() - start < limit:
		done, status = os.waitpid(pid, os.WNOHANG)
		if done:
			if os.waitstatus_to_exitcode(status) != 0:
				raise RuntimeError(f"{getattr(fn, '__name__', fn)} failed in its timed process")
			return time.perf_counter() - start
		time.sleep(0.05)
	if connection_id:
		try:
			frappe.db.sql("kill %s", connection_id)
		except Exception as error:
			if not error.args or error.args[0] != UNKNOWN_THREAD:
				raise  # 1094: the connection is already gone, its query with it
	os.kill(pid, signal.SIGKILL)
	os.waitpid(pid, 0)
	return TimedOut(limit)


def floor() -> None:
	frappe.db.sql(FLOOR_SQL, {"start": add_months(getdate(), -12)})


def floor_without_our_index_sql() -> str:
	"""The floor's SELECT, told to leave our covering index out (its name is a constant of ``indexes``)."""
	name = indexes.INDEXES["Sales Order"][0]
	return FLOOR_SQL.replace("from `tabSales Order`", f"from `tabSales Order` ignore index (`{name}`)")


def floor_without_our_index() -> None:
	"""The floor as ERPNext's indexes give it, while our covering index exists."""
	frappe.db.sql(floor_without_our_index_sql(), {"start": add_months(getdate(), -12)})


class Nights:
	"""Full refreshes as the nightly job runs them: each one a day later than the last, so every buyer's
	days since the last order, and with them stages and recency scores, have moved (a refresh run twice
	on one day finds nothing to write, and would flatter the figure)."""

	def __init__(self):
		self.night = 0

	def __call__(self) -> None:
		self.night += 1
		start_fresh_transaction()  # as each part of the nightly job runs: READ COMMITTED
		full_refresh(today=add_days(getdate(), self.night))
		frappe.db.commit()


def refresh_and_commit() -> None:
	start_fresh_transaction()
	full_refresh()
	frappe.db.commit()


def naive_sample(sample: int) -> tuple[float, int]:
	"""Per-customer ORM recompute and save, the way a loop in a controller would do it."""
	customers = frappe.db.sql(
		"select name from `tabCustomer Profile` where name like %s order by rand(7) limit %s",
		(f"{PREFIX}-C-%", sample),
		pluck=True,
	)
	start_window = getdate(add_months(getdate(), -12))
	today = getdate()
	start = time.perf_counter()
	for customer in customers:
		orders = frappe.get_all(
			"Sales Order",
			filters={"customer": customer, "docstatus": 1},
			fields=["transaction_date", "base_net_total"],
		)
		doc = frappe.get_doc("Customer Profile", customer)
		dates = [getdate(o.transaction_date) for o in orders]
		doc.order_count = len(orders)
		doc.lifetime_value = sum(o.base_net_total for o in orders)
		doc.first_order_date = min(dates) if dates else None
		doc.last_order_date = max(dates) if dates else None
		doc.days_since_last_order = (today - max(dates)).days if dates else 0
		doc.average_order_value = doc.lifetime_value / len(orders) if orders else 0
		window = [o for o in orders if getdate(o.transaction_date) > start_window]
		doc.window_order_count = len(window)
		doc.window_value = sum(o.base_net_total for o in window)
		doc.flags.ignore_permissions = True
		doc.save()
	elapsed = time.perf_counter() - start
	frappe.db.rollback()
	return elapsed, len(customers)


def inactive_customers() -> None:
	from erpnext.selling.report.inactive_customers.inactive_customers import execute

	execute({"days_since_last_order": 90, "doctype": "Sales Order"})


def acquisition_and_loyalty(company: str) -> None:
	from erpnext.selling.report.customer_acquisition_and_loyalty.customer_acquisition_and_loyalty import (
		execute,
	)

	execute(
		frappe._dict(
			view_type="Territory", company=company, from_date=add_months(getdate(), -12), to_date=getdate()
		)
	)


def at_risk() -> None:
	at_risk_rows(min_days=89)  # the same question, every row: 90 days or more since the last order


def _submit_once(company: str, customer: str, item: str) -> float:
	so = frappe.new_doc("Sales Order")
	so.update(
		{
			"customer": customer,
			"company": company,
			"transaction_date": getdate(),
			"delivery_date": add_days(getdate(), 7),
			"selling_price_list": "Standard Selling",
			"ignore_pricing_rule": 1,
		}
	)
	so.append("items", {"item_code": item, "qty": 1, "rate": 100})
	so.insert(ignore_permissions=True)
	frappe.db.commit()
	start = time.perf_counter()
	so.submit()
	frappe.db.commit()  # a recompute deferred to after the commit (not the usual case) counts too
	return time.perf_counter() - start


ORDER_HOOK = "crm_profiles.analytics.events.on_order_event"
TIMED_ORDER_HOOK = "crm_profiles.benchmark.run.timed_order_event"
HOOK_TIMES: list[float] = []  # seconds spent inside our order hook, one entry per call


def timed_order_event(doc, method=None) -> None:
	"""Our order hook, timed: the "hooks on" submits run it in its place, so the benchmark can print
	what a submit spends inside it beside the overhead measured from whole submits."""
	from crm_profiles.analytics import events

	start = time.perf_counter()
	try:
		events.on_order_event(doc, method)
	finally:
		HOOK_TIMES.append(time.perf_counter() - start)


def hook_maps() -> tuple[dict, dict]:
	"""The site's document hooks with our order hook timed ("on"), and without our analytics hooks ("off")."""
	hooks = frappe.get_doc_hooks()
	on = {
		dt: {ev: [TIMED_ORDER_HOOK if h == ORDER_HOOK else h for h in hs] for ev, hs in events.items()}
		for dt, events in hooks.items()
	}
	off = {
		dt: {ev: [h for h in hs if not h.startswith("crm_profiles.analytics")] for ev, hs in events.items()}
		for dt, events in hooks.items()
	}
	return on, off


def sides_of_round(i: int) -> tuple[str, str]:
	"""Which side submits first in round ``i``: on-off, off-on, on-off, ... so neither always goes first."""
	return ("on", "off") if i % 2 == 0 else ("off", "on")


def submit_times(company: str, rounds: int, heaviest: bool = False) -> tuple[float, float, float]:
	"""Median submit (+ commit) time with our hooks on and off, interleaved so drift hits both, and the
	median time spent inside our order hook during the submits with them on.

	Typical customers (a random sample), or with ``heaviest`` the 20 with the most orders."""
	order = "order_count desc, name" if heaviest else "rand(3)"
	customers = frappe.db.sql(  # the order is one of the two fixed strings above
		f"select name from `tabCustomer Profile` where name like %s order by {order} limit 20",
		f"{PREFIX}-C-%",
		pluck=True,
	)
	item = frappe.db.get_value("Item", {"item_code": ("like", "_Bench Item%")})
	on, off = hook_maps()
	maps = {"on": on, "off": off}
	spent: dict[str, list[float]] = {"on": [], "off": []}
	try:
		frappe.local.doc_events_hooks = maps["on"]
		_submit_once(company, customers[0], item)  # warm-up
		HOOK_TIMES.clear()
		for i in range(rounds):
			customer = customers[i % len(customers)]
			for side in sides_of_round(i):
				frappe.local.doc_events_hooks = maps[side]
				spent[side].append(_submit_once(company, customer, item))
	finally:
		frappe.local.doc_events_hooks = None  # read from the hooks again on next use
	inside = statistics.median(HOOK_TIMES) if HOOK_TIMES else 0.0
	return statistics.median(spent["on"]), statistics.median(spent["off"]), inside


def run(
	company: str,
	*,
	sample: int,
	rounds: int,  # the command's options are the one place that sets these
	skip_slow: bool = False,
	time_box: float = 600,
	echo=print,
) -> list[tuple]:
	customers = frappe.db.count("Customer Profile")
	orders = frappe.db.count("Sales Order", {"docstatus": 1})
	echo(f"dataset: {customers} customer profiles, {orders} submitted Sales Orders")
	rows: list[tuple[str, float, str]] = []

	# Each refresh is timed in turn with the floor it is compared with, so that the machine's drift
	# (large on a shared 2-core host) hits both: first without our covering index, then with it.
	nights = Nights()
	indexes.drop_indexes()
	floor_plain, refresh_plain = timed_side_by_side((floor, nights), 5, before=settle)
	indexes.ensure_indexes()
	floor_beside, floor_indexed, refresh_indexed = timed_side_by_side(
		(floor_without_our_index, floor, nights), 5, before=settle
	)
	refresh_and_commit()  # back to today's figures
	refresh_same_day = timed(refresh_and_commit, 3, before=settle)
	echo("floor and refresh timed")
	naive_time, naive_n = naive_sample(sample)
	naive_total = naive_time / max(naive_n, 1) * customers
	echo("naive loop timed")
	inactive = timeboxed(inactive_customers, time_box)
	echo("Inactive Customers timed")
	loyalty = None if skip_slow else timeboxed(lambda: acquisition_and_loyalty(company), time_box)
	ours_at_risk = timed(at_risk, 3)
	submit_on, submit_off, inside = submit_times(company, rounds)
	heavy_on, heavy_off, heavy_inside = submit_times(company, rounds, heaviest=True)
	heavy_orders = frappe.db.sql(
		"select min(order_count), max(order_count) from (select order_count from `tabCustomer Profile`"
		" where name like %s order by order_count desc limit 20) t",
		f"{PREFIX}-C-%",
	)[0]
	echo("submits timed")

	f = floor_plain
	rows = [
		("(1) floor: bare GROUP BY customer, ERPNext's indexes", floor_plain, f),
		("(1) floor with our covering index", floor_indexed, f),
		("(1) floor with ERPNext's indexes, timed in turn with the refresh with our index", floor_beside, f),
		("(2) our nightly full refresh (figures, tiers, stages, RFM), ERPNext's indexes", refresh_plain, f),
		("(2) our nightly full refresh with our covering index", refresh_indexed, f),
		("(2) our full refresh run again the same day (nothing to write)", refresh_same_day, f),
		(f"(3) naive per-customer ORM recompute + save ({naive_n} sampled, extrapolated)", naive_total, f),
		("(4) ERPNext Inactive Customers (90 days)", inactive, f),
		("(4) ERPNext Customer Acquisition and Loyalty (12 months)", loyalty, f),
		("(5) our at-risk answer (>= 90 days, get_list with permissions)", ours_at_risk, f),
		("(6) median Sales Order submit + commit, our hooks on", submit_on, f),
		("(6) median Sales Order submit + commit, our hooks off", submit_off, f),
		(
			f"(6) the same for the 20 heaviest customers ({heavy_orders[0]}-{heavy_orders[1]} orders each), hooks on",
			heavy_on,
			f,
		),
		("(6) the same for the 20 heaviest customers, hooks off", heavy_off, f),
		("(6) of a submit with our hooks on, the median time inside our order hook", inside, f),
		("(6) the same for the 20 heaviest customers", heavy_inside, f),
	]
	echo("")
	echo("| What | Seconds | x floor |")
	echo("|---|---:|---:|")
	for label, seconds, base in rows:
		if seconds is None:
			echo(f"| {label} | skipped | |")
		elif isinstance(seconds, TimedOut):
			echo(f"| {label} | > {seconds:.0f} (stopped) | > {seconds / base:.2f}x |")
		else:
			echo(f"| {label} | {seconds:.3f} | {seconds / base:.2f}x |")
	echo("")
	# the refresh against the floor timed beside it (ERPNext's indexes), with and without our index
	best_refresh, beside = min(
		(refresh_plain, floor_plain), (refresh_indexed, floor_beside), key=lambda r: r[0] / r[1]
	)
	checks = [
		("nightly full refresh <= 1x floor", best_refresh / beside, "<= 1", best_refresh <= beside),
		(
			"naive / full refresh >= 100x",
			naive_total / best_refresh,
			">= 100",
			naive_total >= 100 * best_refresh,
		),
		("submit overhead <= 5%", submit_on / submit_off - 1, "<= 0.05", submit_on <= 1.05 * submit_off),
		(
			"submit overhead, 20 heaviest customers <= 5%",
			heavy_on / heavy_off - 1,
			"<= 0.05",
			heavy_on <= 1.05 * heavy_off,
		),
		(
			"at-risk / Inactive Customers <= 0.5"
			+ (" (at most: Inactive Customers was stopped)" if isinstance(inactive, TimedOut) else ""),
			ours_at_risk / inactive,
			"<= 0.5",
			ours_at_risk <= 0.5 * inactive,
		),
	]
	echo("| Target | Measured | Goal | Met |")
	echo("|---|---:|---:|---|")
	for label, value, goal, ok in checks:
		echo(f"| {label} | {value:.3f} | {goal} | {'yes' if ok else 'NO'} |")
	echo("")
	echo(
		"Time inside our order hook ÷ median submit with hooks off (a direct reading of the overhead the"
		f" two submit targets measure from whole submits): typical {inside * 1000:.1f} ms,"
		f" {inside / submit_off:.1%}; heaviest 20 {heavy_inside * 1000:.1f} ms, {heavy_inside / heavy_off:.1%}"
	)
	return rows
