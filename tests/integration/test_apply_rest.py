"""Segments, campaigns and recommendations through REST, as restricted users: every whitelisted method
answers like the forms do (403 without the right, the viewer's territory only, 4xx naming the argument
on bad input, never a 500). Committed data, cleaned up after each test."""

from __future__ import annotations

import json
import re

import frappe
import pytest
from frappe.utils import add_days, nowdate
from support.factories import make_customer, make_territory, make_user, unique
from support.rest import api_token, call
from support.sales import ensure_item, make_order

from crm_profiles.recommendations import engine

SEGMENT, CAMPAIGN = "Customer Segment", "Customer Campaign"
SQL_LEAK = re.compile(r"SQL syntax|pymysql|OperationalError|ProgrammingError|`tab", re.IGNORECASE)


@pytest.fixture
def world(made):
	"""Two territories, one customer in the first and two in the second (paper; paper and toner), a segment of
	both, a campaign on it, and three users: a territory-bound Sales User, a CRM User, a Sales Manager."""
	north, south = made.add("Territory", make_territory()), made.add("Territory", make_territory())
	paper, toner = ensure_item(unique("_CRM RestPaper")), ensure_item(unique("_CRM RestToner"))
	mine = made.add("Customer", make_customer(unique("_CRM RestMine"), territory=north).name)
	theirs = made.add("Customer", make_customer(unique("_CRM RestTheirs"), territory=south).name)
	day = add_days(nowdate(), -30)
	make_order(mine, day, 0, items=[(paper, 1, 10)])
	make_order(theirs, day, 0, items=[(paper, 1, 10), (toner, 1, 50)])
	# a second buyer of both, so the pair has the two common customers cross-sell needs
	both = made.add("Customer", make_customer(unique("_CRM RestBoth"), territory=south).name)
	make_order(both, day, 0, items=[(paper, 1, 10), (toner, 1, 50)])
	# and a buyer of neither: with paper and toner bought by every buyer, their lift could not exceed 1
	stapler = ensure_item(unique("_CRM RestStapler"))
	neither = made.add("Customer", make_customer(unique("_CRM RestNeither"), territory=south).name)
	make_order(neither, day, 0, items=[(stapler, 1, 5)])
	segment = frappe.get_doc(
		{
			"doctype": SEGMENT,
			"segment_name": unique("_CRM RestSegment"),
			"filters_json": json.dumps([["Customer Profile", "territory", "in", [north, south]]]),
		}
	).insert()
	made.add(SEGMENT, segment.name)
	erp_campaign = unique("_CRM RestCampaign")
	frappe.get_doc({"doctype": "Campaign", "campaign_name": erp_campaign}).insert(ignore_permissions=True)
	made.add("Campaign", erp_campaign)
	campaign = frappe.get_doc(
		{
			"doctype": CAMPAIGN,
			"campaign_name": unique("_CRM RestCustomerCampaign"),
			"segment": segment.name,
			"campaign": erp_campaign,
			"control_percent": 10,
		}
	).insert()
	made.add(CAMPAIGN, campaign.name)
	users = {
		"bound": make_user("crm.rest.apply.bound@crm-profiles.test", ["Sales User"], territory=north),
		"crm_user": make_user("crm.rest.apply.crmuser@crm-profiles.test", ["CRM User"]),
		"manager": make_user("crm.rest.apply.manager@crm-profiles.test", ["Sales Manager"]),
	}
	frappe.db.commit()
	return {
		"mine": mine,
		"theirs": theirs,
		"segment": segment.name,
		"campaign": campaign.name,
		"tokens": {key: api_token(user) for key, user in users.items()},
	}


def method(name: str) -> str:
	return f"/api/method/crm_profiles.{name}"


def test_segment_preview_shows_only_the_callers_territory(world):
	response = call(
		"GET",
		method("segments.api.get_members_preview"),
		world["tokens"]["bound"],
		params={"segment": world["segment"]},
	)
	assert response.status_code == 200, response.text
	result = response.json["message"]
	assert result["count"] == 1
	assert [m["name"] for m in result["members"]] == [world["mine"]]
	assert world["theirs"] not in response.text
	unbound = call(
		"GET",
		method("segments.api.get_members_preview"),
		world["tokens"]["manager"],
		params={"segment": world["segment"]},
	)
	assert unbound.status_code == 200 and unbound.json["message"]["count"] == 4


def test_segment_and_campaign_changes_need_write_permission(world):
	for key in ("bound", "crm_user"):
		token = world["tokens"][key]
		for path, payload in (
			("segments.api.refresh_segment", {"segment": world["segment"]}),
			("segments.api.sync_to_email_group", {"segment": world["segment"]}),
			("campaigns.api.prepare_audience", {"campaign": world["campaign"]}),
			("campaigns.api.mark_as_sent", {"campaign": world["campaign"]}),
		):
			response = call("POST", method(path), token, json=payload)
			assert response.status_code == 403, (key, path, response.status_code, response.text[:300])
	assert frappe.db.get_value(CAMPAIGN, world["campaign"], "status") in (None, "", "Draft")
	refreshed = call(
		"POST",
		method("segments.api.refresh_segment"),
		world["tokens"]["manager"],
		json={"segment": world["segment"]},
	)
	assert refreshed.status_code == 200, refreshed.text


@pytest.mark.parametrize(
	("path", "payload", "argument"),
	[
		("segments.api.get_members_preview", {"segment": ["a", "b"]}, "segment"),
		("segments.api.get_members_preview", {"limit": 100000}, "limit"),
		("segments.api.get_members_preview", {"filters_json": {"a": 1}}, "filters_json"),
		("campaigns.api.mark_as_sent", {"campaign": "x", "sent_on": "not a date"}, "sent_on"),
		("campaigns.api.prepare_audience", {"campaign": {"name": "x"}}, "campaign"),
		("recommendations.api.get_recommendations", {"customer": [1, 2]}, "customer"),
	],
)
def test_bad_arguments_are_a_4xx_naming_the_argument(world, path, payload, argument):
	response = call("POST", method(path), world["tokens"]["manager"], json=payload)
	assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
	messages = " ".join(
		json.loads(m)["message"] for m in json.loads(response.json.get("_server_messages", "[]"))
	)
	assert argument.replace("_", " ") in messages.lower(), messages  # the message names the argument
	assert not SQL_LEAK.search(response.text), response.text[:300]


def test_recommendations_follow_the_profile_permission(world):
	engine.recompute()
	frappe.db.commit()
	stored = frappe.get_all("Customer Recommendation", filters={"customer": world["mine"]}, pluck="item_code")
	assert stored, "the paper buyer is offered the toner"
	bound = world["tokens"]["bound"]
	own = call(
		"GET", method("recommendations.api.get_recommendations"), bound, params={"customer": world["mine"]}
	)
	assert own.status_code == 200, own.text
	assert [r["item_code"] for r in own.json["message"]["cross_sell"]] == stored
	other = call(
		"GET", method("recommendations.api.get_recommendations"), bound, params={"customer": world["theirs"]}
	)
	assert other.status_code == 403
	listed = call(
		"GET",
		"/api/resource/Customer Recommendation",
		bound,
		params={"fields": json.dumps(["customer"]), "limit_page_length": 0},
	)
	assert listed.status_code == 200
	assert world["theirs"] not in {row["customer"] for row in listed.json["data"]}
