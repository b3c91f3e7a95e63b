"""Concurrent submits for one customer, from separate processes that commit, give exact totals.

Each worker process connects to the test site, submits one Sales Order for the same customer and
commits; the order is added to the profile inside that transaction, or the profile is recomputed after
the commit when its figures are not of today's basis. The test then compares the profile with a fresh
aggregate from source and with a full refresh, and removes everything it committed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time

import frappe
import pytest
from frappe.utils import getdate
from support.bench import REPO, SITE, SITES, bench_python
from support.factories import make_customer
from support.sales import ensure_item

from crm_profiles.analytics import figures

WORKERS = 12

# A worker process: connected to the test site as Administrator, the test helpers importable.
PRELUDE = """
import os, sys, time
sys.path.insert(0, {tests!r})
os.chdir({sites!r})
import frappe
frappe.init(site={site!r}, sites_path={sites!r})
frappe.connect()
frappe.set_user("Administrator")
"""

WORKER = PRELUDE + textwrap.dedent(
	"""
	from support.sales import make_order
	so = make_order({customer!r}, frappe.utils.getdate(), rate=int(sys.argv[1]), submit=False)
	frappe.db.commit()
	while time.time() < {start_at}:
		time.sleep(0.005)
	so.submit()
	frappe.db.commit()  # the order was added inside this transaction, or the profile is recomputed after it
	print(so.name)
	frappe.destroy()
	"""
)


@pytest.fixture
def committed_customer():
	item = ensure_item()
	customer = make_customer().name
	frappe.db.commit()
	yield customer, item
	frappe.db.rollback()
	orders = frappe.get_all("Sales Order", filters={"customer": customer}, pluck="name")
	for name in orders:
		so = frappe.get_doc("Sales Order", name)
		if so.docstatus == 1:
			so.cancel()
		frappe.delete_doc("Sales Order", name, force=True, ignore_permissions=True)
	frappe.delete_doc("Customer", customer, force=True, ignore_permissions=True)
	frappe.db.commit()
	assert not frappe.db.exists("Customer Profile", customer)
	assert not frappe.db.count("Customer Profile Change", {"customer_profile": customer})


@pytest.mark.parametrize("basis", ["none", "today"])
def test_parallel_submits_for_one_customer_give_exact_totals(committed_customer, basis):
	""" "none": the first submits recompute after their commits, and the later ones add their orders
	once a recompute gave the profile today's basis; "today": every submit adds its order in its own
	transaction."""
	customer, _item = committed_customer
	if basis == "today":
		figures.recompute_customer(customer)
		frappe.db.commit()
	start_at = time.time() + 25
	script = WORKER.format(
		tests=str(REPO / "tests"), sites=str(SITES), site=SITE, customer=customer, start_at=start_at
	)
	procs = [
		subprocess.Popen(
			[bench_python(), "-c", script, str(rate)],
			cwd=str(SITES),
			stdout=subprocess.PIPE,
			stderr=subprocess.PIPE,
			text=True,
		)
		for rate in range(1, WORKERS + 1)
	]
	results = [p.communicate(timeout=300) for p in procs]
	failures = [err[-2000:] for p, (_out, err) in zip(procs, results, strict=True) if p.returncode]
	assert not failures, json.dumps(failures, indent=1)

	frappe.db.rollback()  # a fresh snapshot of what the workers committed
	stored = frappe.db.get_value("Customer Profile", customer, list(figures.FIGURE_FIELDS), as_dict=True)
	assert stored.order_count == WORKERS
	assert stored.lifetime_value == sum(range(1, WORKERS + 1))

	today = getdate()
	config = figures.load_config()
	from_source = figures.compute_figures(
		figures.aggregate(config, today, customer=customer).get(customer), today
	)
	assert stored == {k: (float(v) if hasattr(v, "quantize") else v) for k, v in from_source.items()}
	assert frappe.db.get_value("Customer Profile", customer, figures.BASIS_FIELD) == figures.basis(
		config, today
	)

	from crm_profiles.analytics.refresh import full_refresh

	full_refresh()
	assert (
		frappe.db.get_value("Customer Profile", customer, list(figures.FIGURE_FIELDS), as_dict=True) == stored
	)
	frappe.db.rollback()


SUBMITTER = PRELUDE + textwrap.dedent(
	"""
	so = frappe.get_doc("Sales Order", {order!r})
	print("submitting", flush=True)
	so.submit()
	frappe.db.commit()
	print(so.name, flush=True)
	frappe.destroy()
	"""
)


def test_an_order_submitted_during_a_refresh_waits_for_it_and_is_counted(committed_customer, monkeypatch):
	"""The refresh's first UPDATE matches every profile of its range, so it holds their row locks even
	where it writes nothing: a submit for an unchanged profile waits until the refresh commits, then adds
	its order to what the refresh wrote. Without the lock the submit would commit in the middle of the
	refresh, whose second pass could then write figures without it."""
	from support.sales import make_order

	customer, _item = committed_customer
	figures.recompute_customer(customer)  # today's basis: the submit adds its order
	order = make_order(customer, getdate(), rate=7, submit=False).name
	frappe.db.commit()
	script = SUBMITTER.format(tests=str(REPO / "tests"), sites=str(SITES), site=SITE, order=order)
	seen = {}
	new_values_sql = figures.new_values_sql

	def submit_meanwhile(*args, **kwargs):
		# between the refresh's first UPDATE and its grouped pass (the first of its passes: once)
		if "proc" in seen:
			return new_values_sql(*args, **kwargs)
		proc = subprocess.Popen(
			[bench_python(), "-c", script],
			cwd=str(SITES),
			stdout=subprocess.PIPE,
			stderr=subprocess.PIPE,
			text=True,
		)
		seen["proc"] = proc
		assert proc.stdout.readline().strip() == "submitting", proc.stderr.read()[-2000:]
		time.sleep(3)
		seen["waiting"] = proc.poll() is None
		return new_values_sql(*args, **kwargs)

	monkeypatch.setattr(figures, "new_values_sql", submit_meanwhile)
	# as a part of the nightly refresh runs (``refresh.start_fresh_transaction``, which tests skip)
	frappe.db.sql("commit")
	frappe.db.sql("set transaction isolation level read committed")
	frappe.db.begin()
	figures.refresh_range(figures.load_config(), getdate(), customer, customer + "0")
	frappe.db.commit()
	out, err = seen["proc"].communicate(timeout=120)
	assert seen["proc"].returncode == 0, err[-2000:]
	assert seen["waiting"], "the submit did not wait for the refresh's lock on an unchanged profile"
	assert out.strip().endswith(order)

	frappe.db.rollback()
	stored = frappe.db.get_value(
		"Customer Profile", customer, ["order_count", "lifetime_value"], as_dict=True
	)
	assert (stored.order_count, stored.lifetime_value) == (1, 7)


if sys.platform == "win32":  # pragma: no cover
	pytest.skip("worker processes need a POSIX bench", allow_module_level=True)
