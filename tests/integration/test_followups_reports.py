"""The Follow-ups Due and Satisfaction Trend reports, called through execute() as the desk does."""

from __future__ import annotations

import frappe
from freezegun import freeze_time
from support.engagement import make_owned_customer, make_tier
from support.factories import make_customer, make_interaction, make_territory, make_user

from crm_profiles.crm_profiles.report.follow_ups_due import follow_ups_due
from crm_profiles.crm_profiles.report.satisfaction_trend import satisfaction_trend
from crm_profiles.interactions.followups import create_tier_follow_ups

OWNER = "crm.report.owner@crm-profiles.test"


def test_follow_ups_due_filters_by_owner_tier_and_territory_and_honours_user_permissions():
	north, south = make_territory(), make_territory()
	make_user(OWNER, ["CRM User"], territory=north)
	other = make_user("crm.report.other@crm-profiles.test", ["CRM User"])
	tier = make_tier(30)
	with freeze_time("2026-01-05 10:00:00"):
		mine = make_owned_customer(OWNER, tier)
		theirs = make_owned_customer(other, tier)
		frappe.db.set_value("Customer", mine, "territory", north)
		frappe.db.set_value("Customer Profile", mine, "territory", north)
		frappe.db.set_value("Customer", theirs, "territory", south)
		frappe.db.set_value("Customer Profile", theirs, "territory", south)
	with freeze_time("2026-03-01 06:00:00"):
		create_tier_follow_ups()
		customers = {mine, theirs}

		_, rows, *_ = follow_ups_due.execute({})
		assert {r["customer"] for r in rows} & customers == customers
		_, rows, *_ = follow_ups_due.execute({"owner": OWNER})
		assert {r["customer"] for r in rows} & customers == {mine}
		_, rows, *_ = follow_ups_due.execute({"territory": south, "tier": tier})
		assert {r["customer"] for r in rows} == {theirs}
		assert rows[0]["kind"] == "Contact Interval" and rows[0]["allocated_to"] == other

		frappe.set_user(OWNER)
		_, rows, *_ = follow_ups_due.execute({"tier": tier})
		assert {r["customer"] for r in rows} == {mine}


def test_satisfaction_trend_groups_by_month_tier_and_territory():
	territory = make_territory()
	tier = make_tier(0)
	customer = make_customer(territory=territory).name
	frappe.db.set_value("Customer Profile", customer, "tier", tier)
	for date, rating, nps in (
		("2026-01-10 10:00:00", 5, "10"),
		("2026-01-20 10:00:00", 3, "5"),
		("2026-02-03 10:00:00", 4, "9"),
	):
		make_interaction(customer, interaction_type="Feedback", interaction_date=date, rating=rating, nps=nps)
	make_interaction(customer, interaction_date="2026-02-04 10:00:00")  # unrated: not counted

	_, rows, _, chart = satisfaction_trend.execute(
		{"from_date": "2026-01-01", "to_date": "2026-02-28", "territory": territory}
	)
	by_month = {r["month"]: r for r in rows}
	assert set(by_month) == {"2026-01", "2026-02"}
	january = by_month["2026-01"]
	assert (january["tier"], january["territory"], january["ratings"], january["average_csat"]) == (
		tier,
		territory,
		2,
		4.0,
	)
	assert (january["promoters"], january["detractors"], january["nps"]) == (1, 1, 0.0)
	assert by_month["2026-02"]["nps"] == 100.0
	assert chart["data"]["labels"] == ["2026-01", "2026-02"]
