"""Purchase figures, tiers, lifecycle stages and RFM on a real site, from real submitted Sales Orders."""

from __future__ import annotations

import random
from decimal import Decimal

import frappe
import pytest
from frappe.utils import add_days, add_months, getdate
from freezegun import freeze_time
from support.factories import make_customer
from support.sales import COMPANY, ensure_eur_company, ensure_item, make_order, submit_and_reload

from crm_profiles.analytics import figures
from crm_profiles.analytics.refresh import full_refresh

SETTINGS = "CRM Profile Settings"
COMPARED = (*figures.FIGURE_FIELDS, "tier", "lifecycle_stage")
SCORED = (*COMPARED, *figures.SCORE_FIELDS)
WRITTEN = (*SCORED, figures.CURRENCY_FIELD)
DEFAULTS = {
	"figures_source": "Sales Order",
	"order_value": "Net Total",
	"window_months": 12,
	"figures_company": None,
	"update_on_order_events": 1,
	"rfm_mode": "Quintiles",
	"recency_thresholds": "30,90,180,365",
	"frequency_thresholds": "1,2,4,8",
	"monetary_thresholds": "1000,5000,20000,50000",
	"rfm_cut_points": None,
	"new_customer_days": 90,
	"loyal_min_orders": 5,
	"at_risk_days": 90,
	"churned_days": 365,
}


def set_settings(**values) -> None:
	for key, value in values.items():
		frappe.db.set_single_value(SETTINGS, key, value, update_modified=False)


@pytest.fixture(autouse=True)
def analytics_settings():
	"""Known settings and no tiers; the test transaction rolls both back."""
	set_settings(**DEFAULTS)
	frappe.db.delete("Customer Tier")
	yield


def make_tier(name: str, rank: int, **criteria) -> str:
	frappe.get_doc({"doctype": "Customer Tier", "tier_name": name, "rank": rank, **criteria}).insert()
	return name


def profile(customer: str, fields=SCORED) -> dict:
	return frappe.db.get_value("Customer Profile", customer, list(fields), as_dict=True)


def changes(customer: str, kind: str) -> list[tuple]:
	return [
		(r.from_value, r.to_value, r.reason)
		for r in frappe.get_all(
			"Customer Profile Change",
			filters={"customer_profile": customer, "change_type": kind},
			fields=["from_value", "to_value", "reason"],
			order_by="changed_on asc, creation asc",
		)
	]


def cancel_and_amend(so, rate: float):
	so.cancel()
	amended = frappe.copy_doc(so)
	amended.amended_from = so.name
	amended.docstatus = 0
	for row in amended.items:
		row.rate = rate
	amended.insert()
	return submit_and_reload(amended)


# ---------------------------------------------------------------------------------------------
# 1. Crafted histories
# ---------------------------------------------------------------------------------------------


def test_crafted_history_gives_exact_figures():
	today = getdate()
	item = ensure_item()
	customer = make_customer().name
	boundary = add_months(today, -12)
	make_order(customer, boundary, 1000)  # on the window boundary: outside the window
	make_order(customer, add_days(boundary, 1), 200)  # the day after: inside
	make_order(customer, add_days(today, -100), 0, items=[(item, 3, 100), (item, 1, 200)])  # 500
	make_order(customer, add_days(today, -10), 250).cancel()  # cancelled: never counted
	amended = cancel_and_amend(make_order(customer, add_days(today, -5), 300), 350)  # counts 350 once
	assert amended.docstatus == 1 and amended.base_net_total == 350

	expected = {
		"first_order_date": getdate(boundary),
		"last_order_date": getdate(add_days(today, -5)),
		"days_since_last_order": 5,
		"order_count": 4,
		"lifetime_value": 2050,
		"average_order_value": 512.5,
		"window_order_count": 3,
		"window_value": 1050,
	}
	assert profile(customer, figures.FIGURE_FIELDS) == expected  # after the incremental updates
	full_refresh()
	assert profile(customer, figures.FIGURE_FIELDS) == expected  # and after a full refresh

	set_settings(window_months=3)
	full_refresh()
	assert profile(customer, ("window_order_count", "window_value")) == {
		"window_order_count": 1,
		"window_value": 350,
	}


def test_two_companies_and_two_currencies_use_company_currency():
	today = getdate()
	eur_company = ensure_eur_company()
	customer = make_customer().name
	in_usd_company = make_order(customer, add_days(today, -20), 100, currency="EUR", conversion_rate=1.1)
	in_eur_company = make_order(customer, add_days(today, -10), 200, company=eur_company)
	assert (in_usd_company.base_net_total, in_usd_company.net_total) == (110, 100)
	assert (in_eur_company.currency, in_eur_company.base_net_total) == ("EUR", 200)

	full_refresh()
	# No company set: one reporting currency, the default company's; EUR converted at the stored 1.1
	assert profile(
		customer, ("order_count", "lifetime_value", "average_order_value", "figures_currency")
	) == {
		"order_count": 2,
		"lifetime_value": 330,  # 110 (USD company) + 200 EUR x 1.1
		"average_order_value": 165,
		"figures_currency": "USD",
	}
	set_settings(figures_company=COMPANY)
	full_refresh()
	assert profile(customer, ("order_count", "lifetime_value", "first_order_date")) == {
		"order_count": 1,
		"lifetime_value": 110,
		"first_order_date": getdate(add_days(today, -20)),
	}


def test_grand_total_setting_reads_base_grand_total():
	customer = make_customer().name
	so = make_order(customer, add_days(getdate(), -3), 120)
	frappe.db.set_value("Sales Order", so.name, "base_grand_total", 132)  # as if it carried 10% tax
	set_settings(order_value="Grand Total")
	full_refresh()
	assert profile(customer, ("lifetime_value",)) == {"lifetime_value": 132}
	set_settings(order_value="Net Total")
	full_refresh()
	assert profile(customer, ("lifetime_value",)) == {"lifetime_value": 120}


def test_a_customer_without_orders_is_a_prospect_with_empty_figures():
	customer = make_customer().name
	full_refresh()
	assert profile(customer) == {
		"first_order_date": None,
		"last_order_date": None,
		"days_since_last_order": 0,
		"order_count": 0,
		"lifetime_value": 0,
		"average_order_value": 0,
		"window_order_count": 0,
		"window_value": 0,
		"tier": None,
		"lifecycle_stage": "Prospect",
		"recency_score": 0,
		"frequency_score": 0,
		"monetary_score": 0,
		"rfm_segment": None,
	}


def test_purchase_history_shows_top_items_and_recent_orders():
	from crm_profiles.analytics.api import get_purchase_history

	a, b = ensure_item("_CRM Analytics Item A"), ensure_item("_CRM Analytics Item B")
	customer = make_customer().name
	first = make_order(customer, add_days(getdate(), -9), 0, items=[(a, 1, 50), (b, 2, 100)])
	second = make_order(customer, add_days(getdate(), -2), 0, items=[(a, 10, 50)])
	history = get_purchase_history(customer)
	assert [(i.item_code, i.value) for i in history["top_items"]] == [(a, 550), (b, 200)]
	assert [o.name for o in history["recent_orders"]] == [second.name, first.name]


# ---------------------------------------------------------------------------------------------
# 2. Tiers
# ---------------------------------------------------------------------------------------------


def test_tier_boundaries_history_and_lock():
	make_tier("_Gold", 30, min_window_value=1000, min_order_count=2)
	make_tier("_Silver", 20, min_window_value=500)
	make_tier("_Recent", 10, max_days_since_last_order=30)
	today = getdate()
	customer = make_customer().name

	make_order(customer, add_days(today, -40), 499)
	assert profile(customer, ("tier",)) == {"tier": None}  # 499 < 500 and 40 days > 30
	make_order(customer, add_days(today, -30), 1)
	assert profile(customer, ("tier",)) == {"tier": "_Silver"}  # exactly 500; 30 days is also within _Recent
	make_order(customer, add_days(today, -20), 500)
	assert profile(customer, ("tier",)) == {"tier": "_Gold"}  # exactly 1000 in three orders
	assert changes(customer, "Tier") == [("", "_Silver", "Rule"), ("_Silver", "_Gold", "Rule")]

	doc = frappe.get_doc("Customer Profile", customer)
	doc.tier, doc.tier_locked, doc.tier_lock_reason = "_Recent", 1, "Agreed with the account owner"
	doc.save()
	assert changes(customer, "Tier")[-1] == ("_Gold", "_Recent", "Manual")
	make_order(customer, add_days(today, -1), 5000)
	full_refresh()
	assert profile(customer, ("tier", "lifetime_value")) == {"tier": "_Recent", "lifetime_value": 6000}
	assert len(changes(customer, "Tier")) == 3  # the engine never touched the locked tier

	doc.reload()
	doc.tier_locked = 0
	doc.save()
	full_refresh()
	assert profile(customer, ("tier",)) == {"tier": "_Gold"}
	assert changes(customer, "Tier")[-1] == ("_Recent", "_Gold", "Rule")


@pytest.mark.parametrize(
	"criterion, passing, failing",
	[
		({"min_window_value": 300}, [(-5, 300)], [(-5, 299.99)]),
		({"min_order_count": 2}, [(-5, 1), (-6, 1)], [(-5, 1), (-400, 1)]),
		({"min_tenure_months": 6}, [(-190, 1)], [(-170, 1)]),
		({"max_days_since_last_order": 30}, [(-30, 1)], [(-31, 1)]),
	],
)
def test_each_tier_criterion_on_its_own(criterion, passing, failing):
	make_tier("_Only", 5, **criterion)
	today = getdate()
	good, bad = make_customer().name, make_customer().name
	for days, rate in passing:
		make_order(good, add_days(today, days), rate)
	for days, rate in failing:
		make_order(bad, add_days(today, days), rate)
	full_refresh()
	assert profile(good, ("tier",)) == {"tier": "_Only"}
	assert profile(bad, ("tier",)) == {"tier": None}


def test_saving_the_form_never_overwrites_computed_figures():
	customer = make_customer().name
	stale = frappe.get_doc("Customer Profile", customer)
	make_order(customer, add_days(getdate(), -1), 700)
	stale.notes = "Prefers email"
	stale.save()
	assert profile(customer, ("order_count", "lifetime_value")) == {"order_count": 1, "lifetime_value": 700}


# ---------------------------------------------------------------------------------------------
# 3. Lifecycle stages as time passes
# ---------------------------------------------------------------------------------------------


def test_lifecycle_transitions_with_frozen_dates():
	set_settings(new_customer_days=30, loyal_min_orders=3, at_risk_days=60, churned_days=120)
	set_settings(update_on_order_events=0)  # only the (frozen) nightly refresh moves the stage here
	customer = make_customer().name
	with freeze_time("2026-01-01 12:00"):
		full_refresh()
		assert profile(customer, ("lifecycle_stage",)) == {"lifecycle_stage": "Prospect"}
	make_order(customer, "2026-01-01", 100)
	stages = {}
	for day in ("2026-01-10", "2026-02-15", "2026-03-15", "2026-05-15"):
		with freeze_time(f"{day} 12:00"):  # noon: the same date in every system time zone
			full_refresh()
			stages[day] = profile(customer, ("lifecycle_stage", "days_since_last_order"))
	assert stages == {
		"2026-01-10": {"lifecycle_stage": "New", "days_since_last_order": 9},
		"2026-02-15": {"lifecycle_stage": "Active", "days_since_last_order": 45},
		"2026-03-15": {"lifecycle_stage": "At Risk", "days_since_last_order": 73},
		"2026-05-15": {"lifecycle_stage": "Churned", "days_since_last_order": 134},
	}
	make_order(customer, "2026-05-20", 100)
	make_order(customer, "2026-05-25", 100)
	with freeze_time("2026-05-26 12:00"):
		full_refresh()
		assert profile(customer, ("lifecycle_stage",)) == {"lifecycle_stage": "Loyal"}
	assert changes(customer, "Lifecycle Stage")[-5:] == [
		("Prospect", "New", "Rule"),
		("New", "Active", "Rule"),
		("Active", "At Risk", "Rule"),
		("At Risk", "Churned", "Rule"),
		("Churned", "Loyal", "Rule"),
	]


def test_a_loyal_tier_makes_the_stage_loyal():
	make_tier("_VIP", 50, is_loyal=1, min_window_value=1000)
	customer = make_customer().name
	make_order(customer, add_days(getdate(), -200), 10)  # tenure beyond "New"
	make_order(customer, add_days(getdate(), -2), 1000)
	assert profile(customer, ("tier", "lifecycle_stage")) == {"tier": "_VIP", "lifecycle_stage": "Loyal"}


# ---------------------------------------------------------------------------------------------
# 4. Incremental equals full; RFM; idempotence
# ---------------------------------------------------------------------------------------------


def _random_history(rng: random.Random, customers: list[str], orders: int) -> None:
	today = getdate()
	for _ in range(orders):
		customer = rng.choice(customers)
		so = make_order(
			customer,
			add_days(today, -rng.randint(0, 800)),
			round(rng.uniform(5, 3000), 2),
			qty=rng.randint(1, 3),
		)
		roll = rng.random()
		if roll < 0.08:
			so.cancel()
		elif roll < 0.12:
			cancel_and_amend(so, round(rng.uniform(5, 3000), 2))


def _snapshot(customers: list[str], fields) -> dict:
	return {c: profile(c, fields) for c in customers}


def test_incremental_updates_equal_a_full_refresh_for_200_random_orders():
	set_settings(rfm_mode="Fixed Thresholds", loyal_min_orders=8)
	make_tier("_Gold", 30, min_window_value=8000, min_order_count=4, max_days_since_last_order=120)
	make_tier("_Silver", 20, min_window_value=2000, min_tenure_months=6)
	make_tier("_Bronze", 10, min_order_count=1)
	rng = random.Random(20261123)
	customers = [make_customer().name for _ in range(20)]
	_random_history(rng, customers, 200)

	incremental = _snapshot(customers, SCORED)
	submitted = frappe.db.count("Sales Order", {"customer": ("in", customers), "docstatus": 1})
	assert sum(p["order_count"] for p in incremental.values()) == submitted
	assert len({p["tier"] for p in incremental.values()}) > 1
	full_refresh()
	assert _snapshot(customers, SCORED) == incremental

	# The same holds in quintile mode for what the incremental path promises (figures, tier, stage)
	set_settings(rfm_mode="Quintiles")
	full_refresh()
	after_full = _snapshot(customers, SCORED)
	for customer in customers:
		figures.recompute_customer(customer)
	assert _snapshot(customers, SCORED) == after_full  # scores from the stored cut points agree too


def test_full_refresh_is_idempotent_and_scores_every_customer_with_orders():
	rng = random.Random(7)
	customers = [make_customer().name for _ in range(10)]
	_random_history(rng, customers, 40)
	full_refresh()
	first = _snapshot(customers, SCORED)
	first_changes = frappe.db.count("Customer Profile Change")
	full_refresh()
	assert _snapshot(customers, SCORED) == first
	assert frappe.db.count("Customer Profile Change") == first_changes  # nothing changed, nothing logged
	for values in first.values():
		if values["order_count"]:
			assert all(1 <= values[k] <= 5 for k in ("recency_score", "frequency_score", "monetary_score"))
			assert values["rfm_segment"]


def test_after_every_refresh_each_profile_is_scored_with_the_cut_points_stored():
	"""The refresh scores with the cut points of the stored figures and stores them without reading them
	again when its grouped pass changed no figure they come from; when it did, it reads them again and
	rescores. Either way, on every night: the stored cut points are the quintiles of the stored figures,
	and every profile's scores and segment are those the stored cut points give its figures."""
	from crm_profiles.analytics import rfm

	rng = random.Random(41)
	customers = [make_customer().name for _ in range(12)]
	_random_history(rng, customers, 40)
	for i, night in enumerate((0, 1, 2, 45, 46, 200, 400)):
		if i == 3:  # wrong counts on every profile: the grouped pass puts them right, the cut points move
			frappe.db.sql("update `tabCustomer Profile` set order_count = order_count + 500")
		full_refresh(today=add_days(getdate(), night))
		stored = {
			k: tuple(v)
			for k, v in frappe.parse_json(frappe.db.get_single_value(SETTINGS, "rfm_cut_points")).items()
		}
		rows = frappe.db.sql(
			"""select order_count, days_since_last_order, lifetime_value, recency_score, frequency_score,
			monetary_score, ifnull(rfm_segment, '') from `tabCustomer Profile`"""
		)
		assert stored == figures.cut_points() == rfm.cut_points_from([r[:3] for r in rows]), night
		for count, days, value, *scores in rows:
			expected = rfm.rfm_scores(count, days, value, stored)
			assert tuple(scores) == (*expected, rfm.segment(*expected)), (night, count, days, value)
	assert max(profile(c)["order_count"] for c in customers) < 500


def test_the_refresh_scores_alike_when_the_site_assigns_simultaneously():
	"""The refresh's first UPDATE reads the days and scores it has just assigned (MariaDB's default order
	of assignment). A site whose SQL mode has SIMULTANEOUS_ASSIGNMENT gets the same days, scores and
	segments: the statement leaves that mode out."""
	rng = random.Random(31)
	customers = [make_customer().name for _ in range(10)]
	_random_history(rng, customers, 40)
	night = add_days(getdate(), 40)
	names = tuple(customers)
	results = {}
	mode = frappe.db.sql("select @@session.sql_mode")[0][0]
	for simultaneous in (True, False):
		frappe.db.sql(
			"""update `tabCustomer Profile` set days_since_last_order = 9999, recency_score = 0,
			frequency_score = 0, monetary_score = 0, rfm_segment = null where name in %s""",
			(names,),
		)
		frappe.db.sql(
			"set session sql_mode = %s", f"{mode},SIMULTANEOUS_ASSIGNMENT" if simultaneous else mode
		)
		try:
			assert bool(figures.left_to_right()) is simultaneous
			full_refresh(today=night)
		finally:
			frappe.db.sql("set session sql_mode = %s", mode)
		results[simultaneous] = _snapshot(customers, SCORED)
	assert results[True] == results[False]
	scored = [v for v in results[False].values() if v["order_count"]]
	assert scored and all(v["recency_score"] and v["rfm_segment"] for v in scored)


@pytest.mark.parametrize("chunk_size", [None, 3], ids=["single-pass", "chunked"])
def test_a_refresh_writes_only_what_changed_and_corrects_any_stored_value(chunk_size, monkeypatch):
	"""The refresh compares the stored values with the new ones on the server: an unchanged profile keeps
	its row (and ``figures_updated_on``), any stored value that is wrong is written again, and the days
	since the last order move with the calendar."""
	rng = random.Random(13)
	customers = [make_customer().name for _ in range(8)]
	customers.append(make_customer().name)  # one without orders
	_random_history(rng, customers[:-1], 24)
	full_refresh(chunk_size=chunk_size)
	clean = _snapshot(customers, WRITTEN)
	stamp = "2001-01-01 00:00:00"
	names = tuple(customers)
	frappe.db.sql("update `tabCustomer Profile` set figures_updated_on = %s where name in %s", (stamp, names))
	full_refresh(chunk_size=chunk_size)
	assert _snapshot(customers, WRITTEN) == clean
	untouched = frappe.db.sql(
		"select count(*) from `tabCustomer Profile` where name in %s and figures_updated_on = %s",
		(names, stamp),
	)[0][0]
	assert untouched == len(customers), "an unchanged profile was written again"

	# Every stored value that is wrong is put right, each on its own profile.
	wrong = {
		"first_order_date": "1999-01-01",
		"last_order_date": "1999-01-01",
		"order_count": 999,
		"lifetime_value": 0.5,
		"average_order_value": 1234567.891,
		"window_order_count": 77,
		"window_value": -1,
		"tier": "Nonsense",
		"lifecycle_stage": "Churned",
		"figures_currency": "EUR",
		"recency_score": 0,
		"rfm_segment": None,
	}
	buyers = [c for c in customers if clean[c]["order_count"]]
	for (field, value), customer in zip(wrong.items(), buyers * 2, strict=False):
		frappe.db.sql(f"update `tabCustomer Profile` set `{field}` = %s where name = %s", (value, customer))
	full_refresh(chunk_size=chunk_size)
	assert _snapshot(customers, WRITTEN) == clean

	# The profile without orders: holding a count (its last order cancelled while nothing updated it), it
	# is put right by a pass over every profile of the range; with a count of 0 but a wrong tier or stage,
	# by the pass over the profiles whose count is 0 alone.
	passes = []
	write = figures.write_new_values

	def recorded(config, today, where, *args, **kwargs):
		passes.append((where, kwargs.get("with_orders_only", False), kwargs.get("whole", False)))
		return write(config, today, where, *args, **kwargs)

	monkeypatch.setattr(figures, "write_new_values", recorded)
	none = customers[-1]
	frappe.db.sql(
		"update `tabCustomer Profile` set order_count = 3, lifetime_value = 10, last_order_date = %s where name = %s",
		(getdate(), none),
	)
	full_refresh(chunk_size=chunk_size)
	assert _snapshot(customers, WRITTEN) == clean
	assert any(whole for _, _, whole in passes), passes
	passes.clear()
	frappe.db.sql(
		"update `tabCustomer Profile` set tier = 'Nonsense', lifecycle_stage = 'Churned' where name = %s",
		none,
	)
	full_refresh(chunk_size=chunk_size)
	assert _snapshot(customers, WRITTEN) == clean
	rest = [(where, whole) for where, from_orders, whole in passes if not from_orders]
	assert rest and all(where.endswith("p.order_count = 0") and not whole for where, whole in rest), passes
	monkeypatch.undo()

	# The next day, every buyer's days since the last order moves by one; the profile without orders stays 0.
	with freeze_time(f"{add_days(getdate(), 1)} 12:00"):  # noon: the same date in every time zone
		full_refresh(chunk_size=chunk_size)
	tomorrow = _snapshot(customers, ("days_since_last_order", "order_count"))
	for customer in customers:
		expected = clean[customer]["days_since_last_order"] + 1 if clean[customer]["order_count"] else 0
		assert tomorrow[customer]["days_since_last_order"] == expected, customer


def test_chunked_refresh_equals_a_single_pass():
	rng = random.Random(11)
	customers = [make_customer().name for _ in range(12)]
	_random_history(rng, customers, 30)
	full_refresh()
	single = _snapshot(customers, SCORED)
	set_settings(rfm_cut_points=None)
	frappe.db.sql("update `tabCustomer Profile` set order_count = 0, lifetime_value = 0, recency_score = 0")
	result = full_refresh(chunk_size=3)
	assert result["chunks"] > 3
	assert _snapshot(customers, SCORED) == single


def test_disabled_order_events_leave_the_profile_to_the_nightly_refresh():
	set_settings(update_on_order_events=0)
	customer = make_customer().name
	make_order(customer, add_days(getdate(), -1), 80)
	assert profile(customer, ("order_count",)) == {"order_count": 0}
	full_refresh()
	assert profile(customer, ("order_count", "lifetime_value")) == {
		"order_count": 1,
		"lifetime_value": Decimal(80),
	}


def test_disabled_order_events_forget_the_basis_so_a_later_submit_recomputes():
	customer = make_customer().name
	make_order(customer, add_days(getdate(), -3), 100)
	full_refresh()
	assert profile(customer, (figures.BASIS_FIELD,))[figures.BASIS_FIELD]
	set_settings(update_on_order_events=0)
	make_order(customer, add_days(getdate(), -2), 50)
	assert profile(customer, ("order_count", figures.BASIS_FIELD)) == {
		"order_count": 1,
		"figures_basis": None,
	}
	set_settings(update_on_order_events=1)
	make_order(customer, add_days(getdate(), -1), 7)
	assert profile(customer, ("order_count", "lifetime_value")) == {
		"order_count": 3,
		"lifetime_value": Decimal(157),
	}


def _no_recompute(*args, **kwargs):
	raise AssertionError("the submit should have added its order, not recomputed the profile")


def test_a_submit_adds_its_order_to_figures_of_todays_basis_exactly(monkeypatch):
	set_settings(rfm_mode="Quintiles", loyal_min_orders=3)
	make_tier("_Gold", 30, min_window_value=900, min_order_count=3)
	make_tier("_Bronze", 10, min_order_count=1)
	rng = random.Random(20261201)
	customers = [make_customer().name for _ in range(8)]
	for customer in customers:
		for _ in range(rng.randint(0, 3)):
			make_order(customer, add_days(getdate(), -rng.randint(1, 700)), round(rng.uniform(1, 400), 2))
	full_refresh()
	bases = {profile(c, (figures.BASIS_FIELD,))[figures.BASIS_FIELD] for c in customers}
	assert bases == {figures.basis(figures.load_config(), getdate())}

	monkeypatch.setattr(figures, "recompute_customer", _no_recompute)
	# Orders inside and outside the window, older than the first and newer than the last, on buyers
	# (a non-buyer's first order is recomputed: the refresh gives only buyers the basis).
	buyers = [c for c in customers if profile(c, ("order_count",))["order_count"]]
	for customer in buyers:
		# the window's first day is not in it: (today - 12 months, today]
		for day in (
			add_days(getdate(), -900),
			add_months(getdate(), -12),
			add_days(getdate(), -30),
			getdate(),
		):
			make_order(customer, day, round(rng.uniform(1, 500), 3))
	monkeypatch.undo()
	added = _snapshot(buyers, SCORED)
	tiers_logged = {c: changes(c, "Tier") for c in buyers}
	assert len({p["tier"] for p in added.values()}) > 1

	full_refresh()  # the cut points move with the new orders; figures, tiers and stages must not
	assert _snapshot(buyers, COMPARED) == {c: {k: p[k] for k in COMPARED} for c, p in added.items()}
	assert {c: changes(c, "Tier") for c in buyers} == tiers_logged


def test_an_added_order_reads_the_settings_and_the_locked_profile_in_one_statement():
	"""The submit's own cost: one statement reads the settings and locks the profile (and the order),
	one UPDATE writes the profile. The order is submitted with our hooks off, then added by hand."""
	from support.queries import statements_sent

	from crm_profiles.benchmark.run import hook_maps

	customer = make_customer().name
	make_order(customer, add_days(getdate(), -3), 100)
	full_refresh()
	_on, off = hook_maps()
	try:
		frappe.local.doc_events_hooks = off
		order = make_order(customer, getdate(), 50)
	finally:
		frappe.local.doc_events_hooks = None
	assert profile(customer, ("order_count",)) == {"order_count": 1}

	with statements_sent() as sent:
		config, added = figures.add_submitted_order("Sales Order", order.name, customer)
	assert added and config.source == "Sales Order"
	settings_reads = [str(q) for q, _v in sent if "`tabSingles`" in str(q)]
	assert len(settings_reads) == 1
	assert "`tabCustomer Profile`" in settings_reads[0] and "for update" in settings_reads[0]
	writes = [q for q, _v in sent if str(q).lstrip().lower().startswith("update `tabcustomer profile`")]
	assert len(writes) == 1
	assert profile(customer, ("order_count", "lifetime_value")) == {
		"order_count": 2,
		"lifetime_value": Decimal(150),
	}


def test_a_profile_whose_basis_is_not_todays_is_recomputed_from_every_order():
	customer = make_customer().name
	make_order(customer, add_days(getdate(), -100), 100)
	full_refresh()
	# A stored value that no order explains, under an old basis: the next submit recomputes, and heals it
	frappe.db.set_value(
		"Customer Profile", customer, {"order_count": 40, figures.BASIS_FIELD: "old"}, update_modified=False
	)
	make_order(customer, add_days(getdate(), -1), 20)
	assert profile(customer, ("order_count", "lifetime_value")) == {
		"order_count": 2,
		"lifetime_value": Decimal(120),
	}
	# A window of another length is another basis: the window's figures are recomputed, not added to
	set_settings(window_months=2)
	make_order(customer, add_days(getdate(), -2), 5)
	assert profile(customer, ("window_order_count", "window_value", figures.BASIS_FIELD)) == {
		"window_order_count": 2,
		"window_value": Decimal(25),
		"figures_basis": figures.basis(figures.load_config(), getdate()),
	}


def test_long_queue_chunk_jobs_share_the_refresh_and_the_last_one_scores(queued):
	queued.refresh.enqueue_full_refresh(chunk_size=3)
	jobs = queued.jobs
	assert len(jobs) > 2
	assert {(k["method"], k["queue"], k["deduplicate"]) for k in jobs} == {
		("crm_profiles.analytics.refresh.run_chunk", "long", True)
	}
	assert len({k["job_id"] for k in jobs}) == len(jobs)
	for kwargs in reversed(jobs):  # workers finish in any order
		queued.refresh.run_chunk(**_job_kwargs(kwargs))
	assert _snapshot(queued.customers, SCORED) == queued.expected
	assert frappe.db.get_single_value("CRM Profile Settings", "refresh_status") == "Completed"


def _job_kwargs(kwargs: dict) -> dict:
	return {k: kwargs[k] for k in ("run", "lo", "hi", "today", "index", "attempt")}


@pytest.fixture
def queued(monkeypatch):
	"""A full refresh whose jobs are recorded, not sent to RQ; the test plays the workers."""
	from crm_profiles.analytics import refresh

	rng = random.Random(11)
	customers = [make_customer().name for _ in range(8)]
	_random_history(rng, customers, 20)
	full_refresh()
	expected = _snapshot(customers, SCORED)
	frappe.db.sql("update `tabCustomer Profile` set order_count = 0, lifetime_value = 0, recency_score = 0")
	jobs = []
	monkeypatch.setattr(frappe, "enqueue", lambda method, **kwargs: jobs.append({"method": method, **kwargs}))
	monkeypatch.setattr(frappe.db, "commit", lambda: None)  # the jobs commit; this test rolls back
	# no job reaches RQ here, so none is "alive" unless the test says so
	monkeypatch.setattr(refresh, "_job_alive", lambda job_id: job_id in alive)
	alive: set[str] = set()
	return frappe._dict(refresh=refresh, jobs=jobs, alive=alive, customers=customers, expected=expected)


def _work(q, fail=lambda kwargs: False) -> list[str]:
	"""Run every queued job, like a worker, including the ones queued again meanwhile; returns errors."""
	errors = []
	while q.jobs:
		kwargs = q.jobs.pop(0)
		if fail(kwargs):
			try:
				raise frappe.db.OperationalError(2013, "Lost connection to MySQL server during query")
			except Exception as error:
				q.refresh._part_failed(
					kwargs["run"],
					kwargs["index"],
					kwargs["attempt"],
					error,
					kwargs["lo"],
					kwargs["hi"],
					kwargs["today"],
				)
				errors.append(kwargs["job_id"])
			continue
		q.refresh.run_chunk(**_job_kwargs(kwargs))
	return errors


def _status() -> tuple[str, str]:
	settings = "CRM Profile Settings"
	return frappe.db.get_single_value(settings, "refresh_status"), frappe.db.get_single_value(
		settings, "refresh_error"
	)


def test_a_part_that_fails_once_is_queued_again_and_the_run_completes(queued):
	run = queued.refresh.enqueue_full_refresh(chunk_size=3)
	assert _status()[0] == "Running"
	errors = _work(queued, fail=lambda k: k["index"] == 1 and k["attempt"] == 1)
	assert errors == [f"crm_profiles_refresh_{run}_1_1"]
	assert _status() == ("Completed", "")
	assert _snapshot(queued.customers, SCORED) == queued.expected


def test_a_part_that_keeps_failing_fails_the_run_with_the_reason_and_the_next_run_completes(queued):
	queued.refresh.enqueue_full_refresh(chunk_size=3)
	errors = _work(queued, fail=lambda k: k["index"] == 0)
	assert len(errors) == queued.refresh.MAX_ATTEMPTS
	status, reason = _status()
	assert status == "Failed" and "Part 1 failed on attempt 3" in reason and "Lost connection" in reason
	# no scoring pass ran: R stays as the reset left it, never from a half run
	assert {r["recency_score"] for r in _snapshot(queued.customers, ("recency_score",)).values()} == {0}

	queued.refresh.enqueue_full_refresh(chunk_size=3)
	assert _work(queued) == []
	assert _status() == ("Completed", "")
	assert _snapshot(queued.customers, SCORED) == queued.expected


def test_check_refresh_queues_again_the_part_of_a_worker_that_died(queued):
	run = queued.refresh.enqueue_full_refresh(chunk_size=3)
	lost = queued.jobs.pop(1)  # its worker was killed while it ran: the job never finishes
	queued.alive.update(k["job_id"] for k in queued.jobs)  # the other parts are still queued: left alone
	found = queued.refresh.check_refresh()
	assert found["requeued"] == [lost["index"]] and found["status"] == "Running"
	again = [k for k in queued.jobs if k["index"] == lost["index"]]
	assert [k["attempt"] for k in again] == [2] and again[0]["job_id"] == f"crm_profiles_refresh_{run}_1_2"
	queued.alive.clear()
	_work(queued)
	assert _status() == ("Completed", "")
	assert _snapshot(queued.customers, SCORED) == queued.expected
	assert queued.refresh.check_refresh() is None  # nothing running any more


def test_a_run_whose_progress_redis_lost_is_failed_by_the_check(queued):
	run = queued.refresh.enqueue_full_refresh(chunk_size=3)
	redis = queued.refresh._redis()
	for what in ("parts", "today", "total", "done", "attempts"):
		redis.delete(queued.refresh._key(run, what))
	assert queued.refresh.check_refresh()["status"] == "Failed"
	assert "progress was lost" in _status()[1]


def test_sales_invoices_as_the_source_count_returns_as_value_not_orders():
	from support.sales import make_invoice

	set_settings(figures_source="Sales Invoice")
	customer = make_customer().name
	today = getdate()
	first = make_invoice(customer, add_days(today, -30), 400)
	make_invoice(customer, add_days(today, -3), 100)
	make_order(customer, add_days(today, -1), 999)  # orders do not count with this source
	make_invoice(customer, add_days(today, -2), 0, is_return_of=first)  # credit note: -400
	expected = {
		"order_count": 2,
		"lifetime_value": 100,
		"first_order_date": getdate(add_days(today, -30)),
		"last_order_date": getdate(add_days(today, -3)),
	}
	assert profile(customer, tuple(expected)) == expected  # incremental, on invoice submit
	full_refresh()
	assert profile(customer, tuple(expected)) == expected
