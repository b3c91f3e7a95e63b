"""Each report's execute() on crafted data: exact rows, and only the territory a restricted user may see."""

from __future__ import annotations

import frappe
import pytest
from frappe.utils import add_days, add_months, getdate, nowdate
from support.factories import make_customer, make_interaction, make_territory, make_user
from support.sales import make_order

PROFILE = "Customer Profile"
TERRITORY_USER = "crm.reports@crm-profiles.test"


def run(report: str, filters: dict | None = None):
	module = frappe.scrub(report).replace("-", "_")
	execute = frappe.get_attr(f"crm_profiles.crm_profiles.report.{module}.{module}.execute")
	return execute(filters or {})


def set_profile(customer: str, **values) -> None:
	frappe.db.set_value(PROFILE, customer, values, update_modified=False)


@pytest.fixture
def world():
	"""Two territories; three customers in North and two in South with known figures."""
	for tier, rank in (("_CRM Test Gold", 900), ("_CRM Test Silver", 800)):
		if not frappe.db.exists("Customer Tier", tier):
			frappe.get_doc({"doctype": "Customer Tier", "tier_name": tier, "rank": rank}).insert()
	north, south = make_territory(), make_territory()
	customers = {}
	spec = {
		"n1": (north, "_CRM Test Gold", "Loyal", "Champions", 5000, 1200, 10, 5),
		"n2": (north, "_CRM Test Silver", "At Risk", "Slipping Away", 3000, 0, 6, 120),
		"n3": (north, None, "Prospect", None, 0, 0, 0, 0),
		"s1": (south, "_CRM Test Gold", "At Risk", "Cannot Lose", 9000, 800, 12, 200),
		"s2": (south, "_CRM Test Silver", "Churned", "Lost", 400, 0, 2, 500),
	}
	for key, (territory, tier, stage, segment, ltv, window, orders, days) in spec.items():
		name = make_customer(territory=territory).name
		set_profile(
			name,
			tier=tier,
			lifecycle_stage=stage,
			rfm_segment=segment,
			lifetime_value=ltv,
			window_value=window,
			order_count=orders,
			average_order_value=ltv / orders if orders else 0,
			days_since_last_order=days,
		)
		customers[key] = name
	return {"north": north, "south": south, **customers}


def only_ours(rows, world, key="name"):
	ours = {world[k] for k in ("n1", "n2", "n3", "s1", "s2")}
	return [r for r in rows if r[key] in ours]


def as_territory_user(world):
	make_user(TERRITORY_USER, ["CRM User"], territory=world["north"])
	frappe.set_user(TERRITORY_USER)


def test_customer_360_rows_and_territory_restriction(world):
	columns, rows, *_ = run("Customer 360", {"territory": world["north"]})
	assert {"tier", "lifecycle_stage", "lifetime_value", "rfm_segment"} <= {c["fieldname"] for c in columns}
	assert [r["name"] for r in rows] == [world["n1"], world["n2"], world["n3"]]  # lifetime value desc
	assert rows[0]["lifetime_value"] == 5000 and rows[0]["tier"] == "_CRM Test Gold"

	as_territory_user(world)
	_columns, rows, *_ = run("Customer 360")
	assert {r["name"] for r in only_ours(rows, world)} == {world["n1"], world["n2"], world["n3"]}


def test_customer_360_shows_the_top_rows_and_counts_every_match(world, monkeypatch):
	from crm_profiles.reports import common

	monkeypatch.setattr(common, "DEFAULT_ROWS", 2)
	_columns, rows, message, chart, summary = run("Customer 360", {"territory": world["north"]})
	assert [r["name"] for r in rows] == [world["n1"], world["n2"]]  # the highest lifetime value first
	figures = {s["label"]: s["value"] for s in summary}
	assert figures == {"Customers": 3, "Lifetime Value": 8000, "At Risk": 1}  # all three, not the two shown
	assert "2" in message and "3" in message
	counts = dict(zip(chart["data"]["labels"], chart["data"]["datasets"][0]["values"], strict=True))
	assert counts == {"_CRM Test Gold": 1, "_CRM Test Silver": 1, "No Tier": 1}

	_columns, rows, message, *_ = run("Customer 360", {"territory": world["north"], "rows": "All"})
	assert len(rows) == 3 and message is None
	_columns, rows, *_ = run("Customer 360", {"territory": world["north"], "rows": 100})
	assert len(rows) == 3

	as_territory_user(world)  # the totals count only what the user may read
	_columns, _rows, _message, _chart, summary = run("Customer 360", {"rows": "All"})
	visible = frappe.get_list(PROFILE, pluck="name", limit_page_length=0)
	assert {s["label"]: s["value"] for s in summary}["Customers"] == len(visible)
	assert world["s1"] not in visible


@pytest.mark.parametrize("rows", ["7", "0", ["500"], {"a": 1}, "All; drop table x", -1, True])
def test_customer_360_refuses_a_row_count_it_does_not_offer(rows):
	with pytest.raises(frappe.ValidationError, match="Rows"):
		run("Customer 360", {"rows": rows})


CUSTOMER_360_DEFAULT = [
	"name",
	"tier",
	"lifecycle_stage",
	"lifetime_value",
	"order_count",
	"last_order_date",
	"last_interaction_on",
	"account_owner",
	"territory",
	"rfm_segment",
]
SENSITIVE = {"birthday", "personal_id", "private_notes"}


def test_customer_360_shows_ten_columns_with_amounts_in_the_profiles_currency(world):
	columns, rows, _msg, _chart, summary = run("Customer 360", {"territory": world["north"]})
	assert [c["fieldname"] for c in columns] == CUSTOMER_360_DEFAULT
	value = next(c for c in columns if c["fieldname"] == "lifetime_value")
	assert value["fieldtype"] == "Currency" and value["options"] == "figures_currency"
	currency = frappe.db.get_value(PROFILE, world["n1"], "figures_currency")
	assert rows[0]["customer_name"] and rows[0]["figures_currency"] == currency
	assert next(s for s in summary if s["datatype"] == "Currency")["currency"] == currency


def test_customer_360_shows_sensitive_details_only_when_asked_and_permitted(world):
	set_profile(world["n1"], birthday="1990-02-03", private_notes="Prefers calls after six")
	for filters in ({}, {"show_all_columns": 1}):
		columns, *_ = run("Customer 360", filters)
		assert not SENSITIVE & {c["fieldname"] for c in columns}, filters
	columns, rows, *_ = run("Customer 360", {"show_all_columns": 1, "include_sensitive": 1, "rows": "All"})
	shown = {c["fieldname"] for c in columns}
	assert {"birthday", "private_notes"} <= shown and "personal_id" not in shown  # only asterisks
	assert next(r for r in rows if r["name"] == world["n1"])["private_notes"] == "Prefers calls after six"
	assert len(columns) > 30  # every other field is still there for those who ask

	as_territory_user(world)  # a CRM User: no read on permlevel 1
	columns, rows, *_ = run("Customer 360", {"show_all_columns": 1, "include_sensitive": 1})
	assert not SENSITIVE & {c["fieldname"] for c in columns}
	assert not SENSITIVE & set(rows[0])


def test_customer_360_shows_custom_fields_without_code():
	from frappe.custom.doctype.custom_field.custom_field import create_custom_field

	create_custom_field(
		PROFILE,
		{"fieldname": "line_id", "label": "LINE ID", "fieldtype": "Data", "insert_after": "mobile_no"},
	)
	try:
		customer = make_customer().name
		set_profile(customer, line_id="line-lee-2026")
		columns, rows, *_ = run("Customer 360", {"show_all_columns": 1, "rows": "All"})
		assert "line_id" in {c["fieldname"] for c in columns}
		assert next(r for r in rows if r["name"] == customer)["line_id"] == "line-lee-2026"
	finally:
		# adding the column committed (DDL) the Custom Field too: remove it, or every later run has it
		frappe.db.rollback()
		frappe.delete_doc("Custom Field", f"{PROFILE}-line_id", force=True, ignore_missing=True)
		frappe.db.commit()
		frappe.clear_cache(doctype=PROFILE)


def test_rfm_analysis_segments_and_drill_down(world):
	_columns, rows, _msg, chart, _summary = run("RFM Analysis", {"territory": world["north"]})
	assert {r["rfm_segment"]: (r["customers"], r["lifetime_value"]) for r in rows} == {
		"Champions": (1, 5000),
		"Slipping Away": (1, 3000),
	}
	assert chart["data"]["datasets"][0]["values"] == [1, 1]
	_columns, rows, *_ = run("RFM Analysis", {"territory": world["north"], "rfm_segment": "Champions"})
	assert [r["name"] for r in rows] == [world["n1"]]

	as_territory_user(world)
	_columns, rows, *_ = run("RFM Analysis", {"rfm_segment": "Cannot Lose"})
	assert world["s1"] not in [r["name"] for r in rows]


def test_tier_distribution(world):
	_columns, rows, *_ = run("Tier Distribution", {"territory": world["south"]})
	by_tier = {r["tier"]: r for r in rows}
	assert by_tier["_CRM Test Gold"]["customers"] == 1 and by_tier["_CRM Test Gold"]["lifetime_value"] == 9000
	assert by_tier["_CRM Test Silver"]["window_value"] == 0
	assert [r["tier"] for r in rows] == ["_CRM Test Gold", "_CRM Test Silver"]  # by rank


def test_lifecycle_funnel_in_stage_order(world):
	_columns, rows, *_ = run("Lifecycle Funnel", {"territory": world["north"]})
	assert [r["stage"] for r in rows] == ["Prospect", "New", "Active", "Loyal", "At Risk", "Churned"]
	assert [r["customers"] for r in rows] == [1, 0, 0, 1, 1, 0]

	as_territory_user(world)
	_columns, rows, *_ = run("Lifecycle Funnel", {"territory": world["south"]})
	assert sum(r["customers"] for r in rows) == 0


def test_at_risk_customers(world):
	_columns, rows, _msg, _chart, _summary = run("At-Risk Customers", {"rows": "All"})
	ours = only_ours(rows, world)
	assert [r["name"] for r in ours] == [world["s1"], world["n2"]]
	assert [r["value_at_risk"] for r in ours] == [800, 500]  # window value, else average order value
	_columns, rows, *_ = run("At-Risk Customers", {"include_churned": 1, "territory": world["south"]})
	assert [r["name"] for r in rows] == [world["s1"], world["s2"]]

	as_territory_user(world)
	_columns, rows, *_ = run("At-Risk Customers", {"include_churned": 1})
	assert [r["name"] for r in only_ours(rows, world)] == [world["n2"]]


def test_at_risk_customers_shows_the_top_rows_and_counts_every_match(world, monkeypatch):
	from crm_profiles.reports import common

	monkeypatch.setattr(common, "DEFAULT_ROWS", 1)
	filters = {"include_churned": 1, "territory": world["south"]}
	_columns, rows, message, chart, summary = run("At-Risk Customers", filters)
	assert [r["name"] for r in rows] == [world["s1"]] and rows[0]["lifetime_value"] == 9000
	assert {s["label"]: s["value"] for s in summary} == {
		"Customers at Risk": 2,
		"Value at Risk": 1000,  # s1's window value 800 and s2's average order value 200
		"Without an Owner": 2,
	}
	assert "1" in message and "2" in message
	assert chart["data"]["datasets"][0]["values"] == [800]
	_columns, rows, message, *_ = run("At-Risk Customers", {**filters, "rows": "5000"})
	assert [r["name"] for r in rows] == [world["s1"], world["s2"]] and message is None


def test_tier_migration(world):
	today = nowdate()
	for key, before, after in (
		("n1", "_CRM Test Silver", "_CRM Test Gold"),
		("s1", "_CRM Test Silver", "_CRM Test Gold"),
		("n2", "_CRM Test Gold", "_CRM Test Silver"),
	):
		frappe.get_doc(
			{
				"doctype": "Customer Profile Change",
				"customer_profile": world[key],
				"customer": world[key],
				"change_type": "Tier",
				"from_value": before,
				"to_value": after,
				"changed_on": f"{today} 10:00:00",
				"reason": "Rule",
			}
		).insert(ignore_permissions=True)
	_columns, rows, _msg, _chart, _summary = run("Tier Migration", {"from_date": today, "to_date": today})
	moves = {(r["from_tier"], r["to_tier"]): (r["customers"], r["direction"]) for r in rows}
	assert moves[("_CRM Test Silver", "_CRM Test Gold")] == (2, "Up")
	assert moves[("_CRM Test Gold", "_CRM Test Silver")] == (1, "Down")

	as_territory_user(world)
	_columns, rows, *_ = run("Tier Migration", {"from_date": today, "to_date": today})
	moves = {(r["from_tier"], r["to_tier"]): r["customers"] for r in rows}
	assert moves[("_CRM Test Silver", "_CRM Test Gold")] == 1


def test_interaction_activity(world):
	month = getdate(nowdate()).strftime("%Y-%m")
	for kind in ("Call", "Call", "Visit"):
		make_interaction(world["n1"], interaction_type=kind, channel="Phone")
	make_interaction(world["s1"], interaction_type="Call", channel="Phone")
	_columns, rows, *_ = run("Interaction Activity", {"territory": world["north"], "group_by": "Type"})
	assert {r["group"]: r["total"] for r in rows} == {"Call": 2, "Visit": 1}
	assert {r["group"]: r[f"p_{month.replace('-', '_')}"] for r in rows} == {"Call": 2, "Visit": 1}
	_columns, rows, *_ = run("Interaction Activity", {"territory": world["north"], "group_by": "Channel"})
	assert {r["group"]: r["total"] for r in rows} == {"Phone": 3}

	as_territory_user(world)
	_columns, rows, *_ = run("Interaction Activity", {"group_by": "Type", "territory": world["south"]})
	assert rows == []
	with pytest.raises(frappe.ValidationError):
		run("Interaction Activity", {"group_by": "Nonsense'; drop table x"})


def test_retention_cohorts():
	north = make_territory()
	start = getdate(add_months(nowdate(), -3)).replace(day=5)
	a = make_customer(territory=north).name
	b = make_customer(territory=north).name
	make_order(a, start, 100)
	make_order(a, add_months(start, 1), 100)
	make_order(a, add_months(start, 2), 100)
	make_order(b, add_days(start, 2), 100)
	make_order(b, add_months(start, 2), 100)
	_columns, rows, *_ = run(
		"Retention Cohorts", {"territory": north, "from_date": start, "to_date": add_days(start, 20)}
	)
	assert len(rows) == 1
	row = rows[0]
	assert row["cohort"] == start.strftime("%Y-%m") and row["customers"] == 2
	assert (row["m0"], row["m1"], row["m2"], row["m3"]) == (100.0, 50.0, 100.0, 0.0)
	assert "m4" not in row  # the future is not shown as churn


def test_reports_refuse_bad_dates():
	with pytest.raises(frappe.ValidationError):
		run("Customer 360", {"from_date": "2026-05-01", "to_date": "2026-01-01"})
	with pytest.raises(frappe.ValidationError):
		run("Customer 360", {"territory": "No Such Territory"})
