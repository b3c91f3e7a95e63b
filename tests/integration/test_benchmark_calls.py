"""The benchmark's timed calls still run against the app's current API (no seeding, no DDL here).

The benchmark is run by hand on a big site, so a call the app's argument checks now refuse would only
show up there, minutes into a run (``get_at_risk_customers(limit=0)`` did). Each call runs once here.
"""

from __future__ import annotations

import frappe
from support.factories import make_customer
from support.sales import COMPANY, make_order

from crm_profiles.benchmark import run


def test_each_timed_call_runs_on_a_real_site():
	customer = make_customer().name
	make_order(customer, frappe.utils.add_days(frappe.utils.nowdate(), -120), 100)
	for call in (
		run.floor,
		run.at_risk,
		run.inactive_customers,
		lambda: run.acquisition_and_loyalty(COMPANY),
	):
		assert run.timed(call) >= 0
	assert customer in {r.name for r in run.at_risk_rows(min_days=89)}
