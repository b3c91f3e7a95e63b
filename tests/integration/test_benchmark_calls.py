"""The benchmark's timed calls still run against the app's current API (no seeding, no DDL here).

The benchmark is run by hand on a big site, so a call the app's argument checks now refuse would only
show up there, minutes into a run (``get_at_risk_customers(limit=0)`` did). Each call runs once here.
"""

from __future__ import annotations

import time

import frappe
import pytest
from support.factories import make_customer
from support.sales import COMPANY, make_order

from crm_profiles.benchmark import run


def test_each_timed_call_runs_on_a_real_site():
	customer = make_customer().name
	make_order(customer, frappe.utils.add_days(frappe.utils.nowdate(), -120), 100)
	for call in (
		run.floor,
		run.floor_without_our_index,
		run.at_risk,
		run.inactive_customers,
		lambda: run.acquisition_and_loyalty(COMPANY),
	):
		assert run.timed(call) >= 0
	assert customer in {r.name for r in run.at_risk_rows(min_days=89)}


def test_the_wait_for_a_quiet_server_reads_its_status_and_ends():
	"""``settle`` reads InnoDB's status as the site's own database user (no PROCESS privilege), stops
	once the dirty pages no longer fall, and runs untimed before each timed run."""
	status = {k.lower() for k, _v in frappe.db.sql(run.QUIET_STATUS)}
	assert status == {"innodb_buffer_pool_pages_dirty", "innodb_history_list_length"}
	assert 0 <= run.settle(limit=5, interval=0.05) < 10
	order = []
	run.timed(lambda: order.append("run"), 2, before=lambda: order.append("wait"))
	assert order == ["run", "wait", "run", "wait", "run"]


def test_the_floor_beside_the_refresh_leaves_our_index_out_and_each_call_runs_in_turn():
	"""The refresh with our index is compared with the floor that ERPNext's indexes give, timed in
	turn with it: the server reads that floor without our covering index, which exists meanwhile."""
	from crm_profiles.analytics import indexes

	indexes.ensure_indexes()
	ours = indexes.INDEXES["Sales Order"][0]
	start = {"start": frappe.utils.add_months(frappe.utils.getdate(), -12)}
	assert ours in {r.key for r in frappe.db.sql(f"explain {run.FLOOR_SQL}", start, as_dict=True)}
	plan = frappe.db.sql(f"explain {run.floor_without_our_index_sql()}", start, as_dict=True)
	assert ours not in {r.key for r in plan} and ours not in str([r.possible_keys for r in plan])
	order = []
	medians = run.timed_side_by_side(
		(lambda: order.append("a"), lambda: order.append("b")), 2, before=lambda: order.append("wait")
	)
	assert order == ["a", "b", "wait", "a", "wait", "b", "wait", "a", "wait", "b"]
	assert len(medians) == 2 and all(m >= 0 for m in medians)


def test_a_time_box_stops_a_slow_call_and_its_query():
	"""ERPNext's quadratic report would run for an hour at the large size: the benchmark stops it."""
	started = time.perf_counter()
	stopped = run.timeboxed(lambda: frappe.db.sql("select sleep(60)"), 1)
	assert isinstance(stopped, run.TimedOut) and stopped == 1
	assert time.perf_counter() - started < 20
	for _ in range(40):  # the killed query leaves the server's process list
		if not frappe.db.sql(
			"select count(*) from information_schema.processlist where info like %s", "select sleep(60)%"
		)[0][0]:
			break
		time.sleep(0.1)
	else:
		raise AssertionError("the stopped query still runs on the server")

	def gone_then_slow():
		frappe.db.close()  # its connection has ended when the time is up: nothing left to kill
		time.sleep(60)

	assert isinstance(run.timeboxed(gone_then_slow, 1), run.TimedOut)

	quick = run.timeboxed(lambda: frappe.db.sql("select 1"), 30)
	assert not isinstance(quick, run.TimedOut) and 0 <= quick < 30
	assert frappe.db.sql("select 1")[0][0] == 1  # the parent's connection is untouched
	with pytest.raises(RuntimeError, match="failed"):
		run.timeboxed(lambda: 1 / 0, 30)


@pytest.mark.parametrize(
	"doctype, header",
	[
		("Customer Interaction", "INTERACTION_HEADER"),
		("Event", "EVENT_HEADER"),
		("Customer", "CUSTOMER_HEADER"),
	],
)
def test_every_column_of_the_import_benchmark_maps_to_a_field(doctype, header):
	"""Data Import matches a column by the field's label, exactly: a column it cannot match is skipped
	without an error, and the comparison would time less work on one side (an Event "Starts On" column
	was skipped this way, with its date parsing)."""
	from crm_profiles.benchmark import imports

	labels = {df.label for df in frappe.get_meta(doctype).fields}
	assert set(getattr(imports, header)) <= labels


def test_the_submit_measurement_alternates_its_sides_and_times_our_order_hook():
	"""Neither side of the submit measurement always goes first, the "on" side runs our order hook
	through the timing wrapper (which still updates the profile), and the "off" side runs none of ours."""
	assert [run.sides_of_round(i) for i in range(4)] == [
		("on", "off"),
		("off", "on"),
		("on", "off"),
		("off", "on"),
	]
	on, off = run.hook_maps()
	assert run.TIMED_ORDER_HOOK in on["Sales Order"]["on_submit"]
	assert run.ORDER_HOOK not in on["Sales Order"]["on_submit"]
	assert not any(h.startswith("crm_profiles.analytics") for hs in off["Sales Order"].values() for h in hs)

	customer = make_customer().name
	run.HOOK_TIMES.clear()
	try:
		frappe.local.doc_events_hooks = on
		make_order(customer, frappe.utils.nowdate(), 100)
		frappe.local.doc_events_hooks = off
		make_order(customer, frappe.utils.nowdate(), 50)
	finally:
		frappe.local.doc_events_hooks = None
	assert len(run.HOOK_TIMES) == 1 and run.HOOK_TIMES[0] > 0
	assert frappe.db.get_value("Customer Profile", customer, ["order_count", "lifetime_value"]) == (1, 100)
