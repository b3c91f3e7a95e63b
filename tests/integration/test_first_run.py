"""First-run experience: default tiers and settings, and the demo data command."""

from __future__ import annotations

import frappe
import pytest
from support.factories import make_customer, unique

from crm_profiles import demo
from crm_profiles.setup.defaults import DEFAULT_TIERS, create_default_tiers, fill_default_settings


@pytest.fixture(autouse=True)
def default_tiers():
	"""Sites installed before the defaults existed have no tiers: make them inside the test's transaction."""
	if not frappe.db.count("Customer Tier"):
		create_default_tiers()


def test_default_tiers_have_their_criteria():
	tiers = {t.name: t for t in frappe.get_all("Customer Tier", fields=["*"])}
	for name, rank, _colour, loyal, value, orders, tenure, max_days, interval, _text in DEFAULT_TIERS:
		tier = tiers[name]
		assert (tier.rank, tier.is_loyal, tier.min_window_value, tier.min_order_count) == (
			rank,
			loyal,
			value,
			orders,
		)
		assert (tier.min_tenure_months, tier.max_days_since_last_order, tier.follow_up_interval_days) == (
			tenure,
			max_days,
			interval,
		)


def test_defaults_never_overwrite_an_admins_edits():
	gold = frappe.get_doc("Customer Tier", "Gold")
	gold.follow_up_interval_days = 45
	gold.save()
	frappe.db.set_single_value("CRM Profile Settings", "auto_create_profiles", 0)
	assert create_default_tiers() == 0
	assert fill_default_settings() == []
	assert frappe.db.get_value("Customer Tier", "Gold", "follow_up_interval_days") == 45
	assert frappe.db.get_single_value("CRM Profile Settings", "auto_create_profiles", cache=False) == 0


def test_missing_settings_get_their_defaults():
	frappe.db.sql(
		"delete from tabSingles where doctype = 'CRM Profile Settings' and field = 'auto_create_profiles'"
	)
	assert "auto_create_profiles" in fill_default_settings()
	assert frappe.db.get_single_value("CRM Profile Settings", "auto_create_profiles", cache=False) == 1


def test_no_tiers_are_made_when_an_admin_deleted_some_but_not_all():
	frappe.delete_doc("Customer Tier", "Bronze", force=True)
	assert create_default_tiers() == 0
	assert not frappe.db.exists("Customer Tier", "Bronze")


def test_demo_refuses_a_site_with_real_transactions():
	customer = make_customer()
	frappe.db.sql(
		"""insert into `tabSales Order` (name, customer, docstatus, company, transaction_date, creation, modified)
		values (%s, %s, 1, %s, curdate(), now(), now())""",
		(unique("_CRM-REAL-SO"), customer.name, demo.default_company()),
	)
	with pytest.raises(frappe.ValidationError, match="not demo data"):
		demo.make(customers=2, orders=4, commit=False, segments=False)
	result = demo.make(customers=2, orders=4, force=True, commit=False, segments=False)
	assert result["customers_created"] == 2


@pytest.mark.slow
def test_demo_makes_the_stated_volumes_once():
	assert not frappe.db.count("Sales Order", {"docstatus": 1}), "the demo test needs a site without orders"
	before = {
		dt: frappe.db.count(dt) for dt in ("Customer", "Customer Profile", "Contact", "Customer Preference")
	}
	first = demo.make(commit=False, segments=False)
	assert first["customers_created"] == 200
	demo_customers = frappe.get_all(
		"Customer",
		filters={"customer_details": demo.DEMO_MARK},
		fields=["name", "customer_name", "territory"],
	)
	assert len(demo_customers) == 200
	assert frappe.db.count("Customer Profile") - before["Customer Profile"] == 200
	orders = frappe.db.count("Sales Order", {"docstatus": 1})
	assert orders == first["sales_orders"] and 1900 <= orders <= 2100
	statuses = set(frappe.get_all("Sales Order", filters={"docstatus": 1}, pluck="status", distinct=True))
	assert statuses == {"To Deliver and Bill"}, f"submitted orders show as {statuses}"
	span = frappe.db.sql(
		"select datediff(max(transaction_date), min(transaction_date)) from `tabSales Order`"
	)[0][0]
	assert span > 365, "orders should spread over two years"
	names = [c.customer_name for c in demo_customers]
	assert any("有限公司" in n for n in names) and any(n.isascii() for n in names)
	assert frappe.db.count("Contact") - before["Contact"] == 200
	types = set(frappe.get_all("Customer Interaction", pluck="interaction_type", distinct=True))
	assert types == {
		"Call",
		"Email",
		"Meeting",
		"Visit",
		"Chat",
		"Complaint",
		"Feedback",
		"Inquiry",
		"Follow-up",
	}
	assert frappe.db.count("Customer Preference") - before["Customer Preference"] >= 200
	assert len({c.territory for c in demo_customers}) >= 4

	counts = {
		dt: frappe.db.count(dt)
		for dt in ("Customer", "Sales Order", "Customer Interaction", "Contact", "Item")
	}
	second = demo.make(commit=False, segments=False)
	assert second["customers_created"] == 0 and second["customers_skipped"] == 200
	assert {dt: frappe.db.count(dt) for dt in counts} == counts


@pytest.fixture
def committed_demo_customers():
	"""The demo's worker processes commit: remove every row they made afterwards."""
	import random

	plan = demo.plan_customers(4, 24, random.Random(demo.SEED))
	names = [step["name"] for step in plan]
	assert not frappe.db.exists("Customer", {"name": ("in", names)}), "demo customers left on the test site"
	yield names
	frappe.db.rollback()
	orders = frappe.get_all("Sales Order", filters={"customer": ("in", names)}, pluck="name")
	contacts = frappe.get_all(
		"Dynamic Link",
		filters={"link_doctype": "Customer", "link_name": ("in", names), "parenttype": "Contact"},
		pluck="parent",
	)
	for child in ("Sales Order Item", "Sales Taxes and Charges", "Payment Schedule", "Sales Team"):
		if orders:
			frappe.db.delete(child, {"parent": ("in", orders), "parenttype": "Sales Order"})
	for doctype, field, values in (
		("Sales Order", "name", orders),
		("Contact Email", "parent", contacts),
		("Contact Phone", "parent", contacts),
		("Dynamic Link", "parent", contacts),
		("Contact", "name", contacts),
		("Customer Interaction", "customer", names),
		("Customer Preference", "parent", names),
		("Customer Profile Tag", "parent", names),
		("Customer Profile Change", "customer", names),
		("Customer Profile", "name", names),
		("Customer", "name", names),
	):
		if values and frappe.db.table_exists(doctype):
			frappe.db.delete(doctype, {field: ("in", values)})
	frappe.db.commit()


def test_demo_in_worker_processes_makes_submitted_orders_and_scores_every_profile(committed_demo_customers):
	"""The committing path: two worker processes share the customers, order names come from ERPNext's
	naming series, and the full refresh at the end gives every profile figures and RFM scores."""
	names = committed_demo_customers
	result = demo.make(customers=4, orders=24, force=True, workers=2, segments=False)
	assert result["customers_created"] == 4 and result["customers_skipped"] == 0

	orders = frappe.get_all(
		"Sales Order",
		filters={"customer": ("in", names)},
		fields=["name", "docstatus", "status", "customer", "base_net_total"],
	)
	assert len(orders) == result["sales_orders"] > 0
	assert {o.docstatus for o in orders} == {1}, "real submitted Sales Orders"
	assert {o.status for o in orders} == {"To Deliver and Bill"}, "as ERPNext shows a submitted order"
	assert all(o.base_net_total > 0 for o in orders)
	assert len({o.name for o in orders}) == len(orders)
	assert all(o.name.startswith("SAL-ORD-") for o in orders)
	# The names are one block of ERPNext's naming series, and the series continues after it.
	numbers = sorted(int(o.name.rsplit("-", 1)[1]) for o in orders)
	assert numbers == list(range(numbers[0], numbers[0] + len(numbers))), numbers
	following = demo.reserve_order_names(1)[0]
	frappe.db.rollback()
	assert int(following.rsplit("-", 1)[1]) == numbers[-1] + 1, following

	profiles = frappe.get_all(
		"Customer Profile",
		filters={"name": ("in", names)},
		fields=["name", "order_count", "lifetime_value", "recency_score", "rfm_segment"],
	)
	by_customer = {}
	for order in orders:
		by_customer.setdefault(order.customer, []).append(order.base_net_total)
	for profile in profiles:
		bought = by_customer.get(profile.name, [])
		assert profile.order_count == len(bought), profile.name
		assert abs(profile.lifetime_value - sum(bought)) < 0.01, profile.name
		if bought:
			assert profile.recency_score > 0 and profile.rfm_segment, "RFM is scored on day one"

	again = demo.make(customers=4, orders=24, force=True, workers=2, segments=False)
	assert again["customers_created"] == 0 and again["customers_skipped"] == 4
	assert frappe.db.count("Sales Order", {"customer": ("in", names)}) == len(orders)


def _as_backfill_leaves_them(names: list[str]) -> None:
	"""Profiles right after the install's backfill: no scores, and no cut points computed yet."""
	frappe.db.set_single_value("CRM Profile Settings", "rfm_cut_points", "")
	frappe.db.sql(
		"""update `tabCustomer Profile` set recency_score = 0, frequency_score = 0, monetary_score = 0,
		rfm_segment = null where name in %(names)s""",
		{"names": names},
	)


def test_install_scores_rfm_of_customers_with_orders(monkeypatch):
	from frappe.utils import add_days, nowdate
	from support.sales import make_order

	from crm_profiles import install

	names = [make_customer(unique("_CRM Day One Co")).name for _ in range(3)]
	for days, customer in enumerate(names):
		for k in range(days + 1):
			make_order(customer, add_days(nowdate(), -10 * (days + 1) - k), 100 * (days + 1))
	without_orders = make_customer(unique("_CRM Day One Co")).name
	_as_backfill_leaves_them([*names, without_orders])
	monkeypatch.setattr(frappe.db, "commit", lambda *args, **kwargs: None)  # keep the test's rollback

	install.compute_figures()  # what after_install runs after the backfill

	scores = {
		p.name: p
		for p in frappe.get_all(
			"Customer Profile",
			filters={"name": ("in", [*names, without_orders])},
			fields=["name", "recency_score", "frequency_score", "monetary_score", "rfm_segment"],
		)
	}
	for name in names:
		p = scores[name]
		assert p.recency_score > 0 and p.frequency_score > 0 and p.monetary_score > 0, p
		assert p.rfm_segment, p
	assert (scores[without_orders].recency_score, scores[without_orders].rfm_segment) == (0, None)
	assert frappe.db.get_single_value("CRM Profile Settings", "rfm_cut_points", cache=False)


def test_the_first_order_on_a_fresh_site_is_scored_at_once():
	"""A site installed without orders has no cut points: its first order computes them."""
	from frappe.utils import add_days, nowdate
	from support.sales import make_order

	frappe.db.set_single_value("CRM Profile Settings", "rfm_mode", "Quintiles")
	customer = make_customer(unique("_CRM Day One Co")).name
	_as_backfill_leaves_them([customer])

	make_order(customer, add_days(nowdate(), -3), 500)  # recomputes the profile inline in tests

	p = frappe.db.get_value(
		"Customer Profile", customer, ["recency_score", "frequency_score", "monetary_score", "rfm_segment"]
	)
	assert all(p[:3]) and p[3], p


def test_the_patch_sets_the_status_of_earlier_demo_orders_and_only_theirs():
	from support.sales import make_order

	from crm_profiles.patches import set_demo_order_status

	demo_customer = make_customer(customer_details=demo.DEMO_MARK).name
	other = make_customer().name
	today = frappe.utils.nowdate()
	orders = {c: make_order(c, today, 100).name for c in (demo_customer, other)}
	frappe.db.sql("update `tabSales Order` set status = 'Draft' where name in %s", (tuple(orders.values()),))
	set_demo_order_status.execute()
	status = {c: frappe.db.get_value("Sales Order", so, "status") for c, so in orders.items()}
	assert status == {demo_customer: "To Deliver and Bill", other: "Draft"}
