"""Cross-sell (item affinity) and reorder-due on crafted order histories, read back through the API."""

from __future__ import annotations

import frappe
import pytest
from frappe.utils import add_days, getdate, nowdate
from support.factories import make_customer, make_user, unique
from support.sales import ensure_item, make_order

from crm_profiles.recommendations import api, engine


def _today():
	return getdate(nowdate())


def customers_with_orders() -> int:
	return frappe.db.sql("select count(distinct customer) from `tabSales Order` where docstatus = 1")[0][0]


def recs(customer: str, kind: str) -> list[dict]:
	return frappe.get_all(
		"Customer Recommendation",
		filters={"customer": customer, "kind": kind},
		fields=[
			"item_code",
			"rank",
			"based_on_item",
			"confidence",
			"lift",
			"times_bought",
			"typical_interval_days",
			"last_ordered_on",
			"due_on",
		],
		order_by=f"`tab{engine.RECOMMENDATION}`.`rank` asc",  # v16 takes backticks only as table.field
	)


@pytest.fixture
def items():
	return [ensure_item(unique("_CRM Rec")) for _ in range(4)]


def test_cross_sell_affinity_and_reasons(items):
	paper, toner, stapler, ink = items
	day = add_days(_today(), -30)
	c1, c2, c3, target, loner = (make_customer().name for _ in range(5))
	make_order(c1, day, 0, items=[(paper, 1, 10), (toner, 1, 50)])
	make_order(c2, day, 0, items=[(paper, 1, 10)])
	make_order(c2, add_days(day, 3), 0, items=[(toner, 1, 50)])  # both items, in separate orders
	make_order(c3, day, 0, items=[(paper, 1, 10), (toner, 1, 50), (stapler, 1, 5)])
	make_order(target, day, 0, items=[(paper, 2, 10)])
	make_order(loner, day, 0, items=[(stapler, 1, 5), (ink, 1, 7)])
	result = engine.recompute(today=_today())
	assert result["pairs"] >= 2
	n = customers_with_orders()
	pair = frappe.get_all(
		"Item Affinity",
		filters={"item_code": paper, "other_item": toner},
		fields=["customers", "support", "confidence", "lift"],
	)[0]
	# paper: c1, c2, c3, target (4 buyers); toner: c1, c2, c3 (3); both: 3
	assert pair.customers == 3
	assert pair.confidence == pytest.approx(75.0)
	assert pair.support == pytest.approx(3 / n, abs=1e-4)
	assert pair.lift == pytest.approx(3 * n / (4 * 3), rel=1e-3)
	# paper -> stapler has one common customer only (c3): below the two-customer minimum
	assert not frappe.db.exists("Item Affinity", {"item_code": paper, "other_item": stapler})
	assert [r.item_code for r in recs(target, engine.CROSS_SELL)] == [toner]
	assert recs(target, engine.CROSS_SELL)[0].based_on_item == paper
	assert recs(c1, engine.CROSS_SELL) == []  # bought both already
	reasons = api.get_recommendations(target)["cross_sell"]
	assert reasons[0]["reason"] == f"Bought {paper}; 75% of those buyers also buy {toner}"


def test_cross_sell_ranks_by_lift_and_recency_and_keeps_five(items):
	base = items[0]
	others = [ensure_item(unique("_CRM Rec")) for _ in range(6)]
	fans = [make_customer().name for _ in range(3)]
	for fan in fans:
		make_order(fan, add_days(_today(), -10), 0, items=[(base, 1, 1)] + [(o, 1, 1) for o in others])
	# One more buyer of the first other item alone: its lift drops below the rest
	make_order(make_customer().name, add_days(_today(), -10), 0, items=[(others[0], 1, 1)])
	target = make_customer().name
	make_order(target, add_days(_today(), -5), 0, items=[(base, 1, 1)])
	engine.recompute(today=_today())
	rows = recs(target, engine.CROSS_SELL)
	assert [r.rank for r in rows] == [1, 2, 3, 4, 5]
	assert others[0] not in [r.item_code for r in rows]  # lowest lift, sixth of six
	assert {r.item_code for r in rows} == set(others[1:])


def test_reorder_due_from_the_typical_interval():
	item = ensure_item(unique("_CRM Rec Reorder"))
	due, edge, early, twice = (make_customer().name for _ in range(4))
	for customer, days in (
		(due, (100, 70, 40)),  # every 30 days, 40 since the last: due 10 days ago
		(edge, (60, 40, 20)),  # every 20 days, 20 since the last: due today
		(early, (50, 30, 10)),  # every 20 days, 10 since the last: not yet
		(twice, (90, 30)),  # two purchases: no typical interval
	):
		for d in days:
			make_order(customer, add_days(_today(), -d), 10, item=item)
	engine.recompute(today=_today())
	[row] = recs(due, engine.REORDER_DUE)
	assert (row.item_code, row.times_bought, row.typical_interval_days) == (item, 3, 30)
	assert getdate(row.last_ordered_on) == add_days(_today(), -40)
	assert getdate(row.due_on) == add_days(_today(), -10)
	[row] = recs(edge, engine.REORDER_DUE)
	assert getdate(row.due_on) == _today()
	assert recs(early, engine.REORDER_DUE) == []
	assert recs(twice, engine.REORDER_DUE) == []
	reason = api.get_recommendations(due)["reorder_due"][0]["reason"]
	assert reason.startswith("Bought 3 times, about every 30 days; last on ")
	from crm_profiles.crm_profiles.report.reorder_due.reorder_due import execute

	_columns, data, *_ = execute({"item_code": item})
	assert {r["customer"]: r["days_overdue"] for r in data} == {due: 10, edge: 0}


def test_cancelled_orders_do_not_count():
	item = ensure_item(unique("_CRM Rec Reorder"))
	customer = make_customer().name
	orders = [make_order(customer, add_days(_today(), -d), 10, item=item) for d in (100, 70, 40)]
	orders[-1].cancel()
	engine.recompute(today=_today())
	assert recs(customer, engine.REORDER_DUE) == []


def test_reorder_todos_follow_the_setting_and_never_duplicate():
	item = ensure_item(unique("_CRM Rec Reorder"))
	owner = make_user("crm.rec.owner@crm-profiles.test", ["CRM User"])
	customer = make_customer().name
	frappe.db.set_value("Customer Profile", customer, "account_owner", owner)
	for d in (100, 70, 40):
		make_order(customer, add_days(_today(), -d), 10, item=item)
	from crm_profiles.recommendations.todos import make_reorder_todos

	engine.recompute(today=_today())
	frappe.db.set_single_value("CRM Profile Settings", "reorder_follow_ups", 0)
	assert make_reorder_todos() == []
	frappe.db.set_single_value("CRM Profile Settings", "reorder_follow_ups", 1)
	created = make_reorder_todos()
	mine = frappe.get_all(
		"ToDo",
		filters={"name": ("in", created), "allocated_to": owner},
		fields=["reference_type", "reference_name", "description"],
	)
	assert len(mine) == 1 and mine[0].reference_type == "Customer Recommendation"
	assert "every 30 days" in mine[0].description
	engine.recompute(today=_today())  # the recommendation keeps its name: no second ToDo
	assert owner not in frappe.get_all(
		"ToDo", filters={"name": ("in", make_reorder_todos() or [""])}, pluck="allocated_to"
	)


def test_recommendations_need_read_permission_on_the_profile():
	from support.factories import make_territory

	customer = make_customer(territory=make_territory()).name
	user = make_user("crm.rec.territory@crm-profiles.test", ["CRM User"], territory=make_territory())
	frappe.set_user(user)
	with pytest.raises(frappe.PermissionError):
		api.get_recommendations(customer)


def _stored_summary() -> dict:
	return {
		row[0]: tuple(row[1:])
		for row in frappe.db.sql(
			"""select name, customer, item_code, orders, purchase_dates, first_ordered_on, last_ordered_on
			from `tabCustomer Item Summary`"""
		)
	}


def test_summary_is_rewritten_only_where_purchases_changed(items):
	paper, toner, *_ = items
	day = add_days(_today(), -20)
	buyer, other = make_customer().name, make_customer().name
	make_order(buyer, day, 0, items=[(paper, 1, 10)])
	make_order(other, day, 0, items=[(paper, 1, 10), (toner, 1, 50)])
	engine.recompute(today=_today())
	before = _stored_summary()
	assert engine.recompute(today=_today())["summary_rows_written"] == 0  # nothing changed, nothing written
	make_order(buyer, add_days(day, 5), 0, items=[(paper, 1, 10), (toner, 1, 50)])
	result = engine.recompute(today=_today())
	after = _stored_summary()
	assert result["summary_rows_written"] == 2  # the buyer's paper row (2 orders now) and new toner row
	changed = {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}
	assert {after[name][:2] for name in changed} == {(buyer, paper), (buyer, toner)}
	assert after[engine.md5(buyer, paper)][2:4] == (2, 2)
	# The stored table equals a fresh aggregate of the order lines, row for row
	assert after == engine.read_summary(engine.Options())
