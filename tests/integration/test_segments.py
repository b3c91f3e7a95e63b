"""Customer Segments: membership over crafted profiles, rules, permissions, refresh, Email Group sync."""

from __future__ import annotations

import json

import frappe
import pytest
from frappe.utils import add_days, nowdate
from support.factories import make_customer, make_interaction, make_territory, make_user, unique
from support.sales import ensure_item, make_order

from crm_profiles.privacy.consent import record_consent
from crm_profiles.segments import api, membership
from crm_profiles.segments.membership import Definition

PROFILE = "Customer Profile"
SEGMENT = "Customer Segment"
TERRITORY_USER = "crm.segments.territory@crm-profiles.test"


def set_profile(customer: str, **values) -> None:
	frappe.db.set_value(PROFILE, customer, values, update_modified=False)


def make_segment(filters=None, rules=None, **values):
	doc = frappe.get_doc(
		{
			"doctype": SEGMENT,
			"segment_name": unique("_CRM Segment"),
			"filters_json": json.dumps(filters or []),
			"rules": rules or [],
			**values,
		}
	)
	doc.insert()
	return doc


def members(doc_or_definition, territory=None) -> set[str]:
	definition = (
		doc_or_definition if isinstance(doc_or_definition, Definition) else Definition.of(doc_or_definition)
	)
	return set(membership.member_names(definition))


@pytest.fixture
def area():
	"""A fresh territory, so each test's filter sees only its own customers."""
	return make_territory()


def test_profile_filters_including_a_custom_field_and_a_tree_filter():
	from frappe.custom.doctype.custom_field.custom_field import create_custom_field

	create_custom_field(  # DDL commits: made before any test data
		PROFILE,
		{
			"fieldname": "seg_loyalty_card",
			"label": "Loyalty Card",
			"fieldtype": "Data",
			"insert_after": "website",
		},
	)
	area = unique("_CRM Seg Region")
	frappe.get_doc(
		{"doctype": "Territory", "territory_name": area, "parent_territory": "All Territories", "is_group": 1}
	).insert()
	child = unique("_CRM Seg Child")
	frappe.get_doc({"doctype": "Territory", "territory_name": child, "parent_territory": area}).insert()
	a = make_customer(territory=area).name
	b = make_customer(territory=child).name
	c = make_customer(territory=area).name
	set_profile(a, seg_loyalty_card="GOLD-1", lifetime_value=5000)
	set_profile(b, seg_loyalty_card="GOLD-2", lifetime_value=800)
	set_profile(c, seg_loyalty_card=None, lifetime_value=9000)
	seg = make_segment(
		[
			[PROFILE, "territory", "descendants of (inclusive)", area],
			[PROFILE, "seg_loyalty_card", "like", "GOLD%"],
		]
	)
	assert members(seg) == {a, b}
	seg.filters_json = json.dumps(
		[
			[PROFILE, "territory", "descendants of (inclusive)", area],
			[PROFILE, "lifetime_value", ">=", 1000],
		]
	)
	assert members(seg) == {a, c}


def test_filters_are_checked_against_meta():
	with pytest.raises(frappe.ValidationError, match="has no field"):
		make_segment([[PROFILE, "name; drop table x", "=", "1"]])
	with pytest.raises(frappe.ValidationError, match="not supported"):
		make_segment([[PROFILE, "tier", "regexp", "x"]])
	with pytest.raises(frappe.ValidationError, match="not"):
		make_segment([["User", "name", "=", "Administrator"]])
	with pytest.raises(frappe.ValidationError, match="restricted"):
		make_segment([[PROFILE, "personal_id", "=", "x"]])


def test_tags_and_preferences_has_and_lacks(area):
	a, b, c = (make_customer(territory=area).name for _ in range(3))
	pa = frappe.get_doc(PROFILE, a)
	pa.append("preferences", {"category": "Product", "preference": "Recycled paper"})
	pa.save()
	pb = frappe.get_doc(PROFILE, b)
	pb.append("preferences", {"category": "Delivery", "preference": "Recycled paper"})
	pb.save()
	in_area = [[PROFILE, "territory", "=", area]]
	has = make_segment(
		in_area,
		[{"rule_type": "Has Preference", "preference_category": "Product", "preference": "Recycled paper"}],
	)
	assert members(has) == {a}
	lacks = make_segment(in_area, [{"rule_type": "Lacks Preference", "preference": "Recycled paper"}])
	assert members(lacks) == {c}
	# A child-table filter from Frappe's filter UI works as well
	child = make_segment([*in_area, ["Customer Preference", "category", "=", "Delivery"]])
	assert members(child) == {b}


def test_current_consent_rule(area):
	granted, withdrawn, expired, none = (make_customer(territory=area).name for _ in range(4))
	record_consent(granted, "Marketing Email", "Granted", consent_on="2026-01-01 10:00:00")
	record_consent(withdrawn, "Marketing Email", "Granted", consent_on="2026-01-01 10:00:00")
	record_consent(withdrawn, "Marketing Email", "Withdrawn", consent_on="2026-02-01 10:00:00")
	record_consent(
		expired, "Marketing Email", "Granted", consent_on="2025-01-01 10:00:00", expires_on="2025-06-30"
	)
	in_area = [[PROFILE, "territory", "=", area]]
	has = make_segment(in_area, [{"rule_type": "Has Current Consent", "purpose": "Marketing Email"}])
	assert members(has) == {granted}
	lacks = make_segment(in_area, [{"rule_type": "Lacks Current Consent", "purpose": "Marketing Email"}])
	assert members(lacks) == {withdrawn, expired, none}


def test_bought_and_never_bought_item_and_group_in_a_date_range(area):
	item = ensure_item("_CRM Seg Toner")
	other = ensure_item("_CRM Seg Paper")
	group = unique("_CRM Seg Group")
	frappe.get_doc(
		{"doctype": "Item Group", "item_group_name": group, "parent_item_group": "All Item Groups"}
	).insert()
	grouped = ensure_item(unique("_CRM Seg Grouped"))
	frappe.db.set_value("Item", grouped, "item_group", group)
	early, late, never, by_group = (make_customer(territory=area).name for _ in range(4))
	make_order(early, "2026-01-10", 100, item=item)
	make_order(late, "2026-03-10", 100, item=item)
	make_order(never, "2026-03-10", 100, item=other)
	make_order(by_group, "2026-03-12", 100, item=grouped)
	in_area = [[PROFILE, "territory", "=", area]]
	bought_q1 = make_segment(
		in_area,
		[{"rule_type": "Bought", "item_code": item, "from_date": "2026-01-01", "to_date": "2026-03-31"}],
	)
	assert members(bought_q1) == {early, late}
	bought_march = make_segment(
		in_area,
		[{"rule_type": "Bought", "item_code": item, "from_date": "2026-03-01", "to_date": "2026-03-31"}],
	)
	assert members(bought_march) == {late}
	never_bought = make_segment(in_area, [{"rule_type": "Never Bought", "item_code": item}])
	assert members(never_bought) == {never, by_group}
	assert members(make_segment(in_area, [{"rule_type": "Bought", "item_group": group}])) == {by_group}


def test_interaction_counts_in_a_period(area):
	busy, quiet, silent = (make_customer(territory=area).name for _ in range(3))
	today = nowdate()
	for days in (1, 5, 9):
		make_interaction(busy, interaction_date=f"{add_days(today, -days)} 10:00:00")
	make_interaction(busy, interaction_date=f"{add_days(today, -60)} 10:00:00")
	make_interaction(quiet, interaction_date=f"{add_days(today, -2)} 10:00:00")
	make_interaction(quiet, interaction_date=f"{add_days(today, -45)} 10:00:00")
	in_area = [[PROFILE, "territory", "=", area]]
	at_least = make_segment(
		in_area, [{"rule_type": "Interactions At Least", "interaction_count": 2, "last_days": 30}]
	)
	assert members(at_least) == {busy}
	fewer = make_segment(
		in_area, [{"rule_type": "Interactions Fewer Than", "interaction_count": 2, "last_days": 30}]
	)
	assert members(fewer) == {quiet, silent}


def test_five_rules_together(area):
	item = ensure_item("_CRM Seg Toner")
	hit, miss = make_customer(territory=area).name, make_customer(territory=area).name
	for customer in (hit, miss):
		set_profile(customer, lifecycle_stage="At Risk")
		make_order(customer, "2026-02-01", 100, item=item)
		record_consent(customer, "Marketing Email", "Granted", consent_on="2026-01-01 10:00:00")
	set_profile(miss, lifecycle_stage="Active")
	seg = make_segment(
		[[PROFILE, "territory", "=", area], [PROFILE, "lifecycle_stage", "=", "At Risk"]],
		[
			{"rule_type": "Bought", "item_code": item},
			{"rule_type": "Has Current Consent", "purpose": "Marketing Email"},
			{"rule_type": "Interactions Fewer Than", "interaction_count": 1, "last_days": 90},
		],
	)
	assert members(seg) == {hit}


def test_refresh_records_joins_and_leaves(area):
	a, b, c = (make_customer(territory=area).name for _ in range(3))
	for customer in (a, b):
		set_profile(customer, lifecycle_stage="At Risk")
	seg = make_segment([[PROFILE, "territory", "=", area], [PROFILE, "lifecycle_stage", "=", "At Risk"]])
	assert membership.refresh(seg.name) == {"members": 2, "joined": 2, "left": 0}
	assert membership.refresh(seg.name) == {"members": 2, "joined": 0, "left": 0}  # idempotent
	set_profile(a, lifecycle_stage="Active")
	set_profile(c, lifecycle_stage="At Risk")
	assert membership.refresh(seg.name) == {"members": 2, "joined": 1, "left": 1}
	rows = frappe.get_all(
		"Customer Segment Member",
		filters={"segment": seg.name},
		fields=["customer", "is_current", "joined_on", "left_on"],
	)
	by = {(r.customer, r.is_current): r for r in rows}
	assert set(by) == {(a, 0), (b, 1), (c, 1)}
	assert by[(a, 0)].left_on and not by[(b, 1)].left_on
	assert frappe.db.get_value(SEGMENT, seg.name, "member_count") == 2
	# "Who entered this week" is one filter
	week_start = add_days(nowdate(), -7)
	entered = frappe.get_all(
		"Customer Segment Member",
		filters={"segment": seg.name, "joined_on": (">=", week_start), "is_current": 1},
		pluck="customer",
	)
	assert set(entered) == {b, c}


def test_restricted_user_counts_only_what_they_may_see(area):
	other = make_territory()
	mine = make_customer(territory=area).name
	theirs = make_customer(territory=other).name
	for customer in (mine, theirs):
		set_profile(customer, lifecycle_stage="Loyal")
	seg = make_segment(
		[[PROFILE, "territory", "in", [area, other]], [PROFILE, "lifecycle_stage", "=", "Loyal"]]
	)
	assert members(seg) == {mine, theirs}
	make_user(TERRITORY_USER, ["CRM User"], territory=area)
	frappe.set_user(TERRITORY_USER)
	result = api.get_members_preview(segment=seg.name)
	assert result["count"] == 1
	assert [m["name"] for m in result["members"]] == [mine]
	# Stored membership rows follow the same scoping
	frappe.set_user("Administrator")
	membership.refresh(seg.name)
	frappe.set_user(TERRITORY_USER)
	visible = frappe.get_list("Customer Segment Member", filters={"segment": seg.name}, pluck="customer")
	assert set(visible) == {mine}
	with pytest.raises(frappe.PermissionError):
		api.refresh_segment(seg.name)


def test_preview_of_an_unsaved_definition_and_bad_input(area):
	a = make_customer(territory=area).name
	result = api.get_members_preview(
		filters_json=json.dumps([[PROFILE, "territory", "=", area]]),
		rules=json.dumps([{"rule_type": "Lacks Preference", "preference": "Anything"}, {"idx": 2}]),
	)
	assert result["count"] == 1 and result["members"][0]["name"] == a
	with pytest.raises(frappe.ValidationError, match="Filters JSON"):
		api.get_members_preview(filters_json="{not json", rules="[]")
	with pytest.raises(frappe.ValidationError, match="needs an Item"):
		api.get_members_preview(filters_json="[]", rules=json.dumps([{"rule_type": "Bought"}]))


def test_email_group_sync_honours_every_consent_rule(area):
	ok, no_email, dnc, unsubscribed, withdrawn, never = (make_customer(territory=area).name for _ in range(6))
	emails = {c: f"{frappe.scrub(c)}@seg.example.com" for c in (ok, dnc, unsubscribed, withdrawn, never)}
	for customer, email in emails.items():
		set_profile(customer, email_id=email)
	for customer in (ok, no_email, dnc, unsubscribed, withdrawn):
		record_consent(customer, "Marketing Email", "Granted", consent_on="2026-01-01 10:00:00")
	record_consent(withdrawn, "Marketing Email", "Withdrawn", consent_on="2026-02-01 10:00:00")
	set_profile(dnc, do_not_contact=1)
	frappe.get_doc(
		{"doctype": "Email Unsubscribe", "email": emails[unsubscribed], "global_unsubscribe": 1}
	).insert(ignore_permissions=True)
	group = unique("_CRM Seg Group")
	frappe.get_doc({"doctype": "Email Group", "title": group}).insert()
	# a stale subscriber who is no longer in the segment is removed
	frappe.get_doc(
		{"doctype": "Email Group Member", "email_group": group, "email": "stale@seg.example.com"}
	).insert()
	seg = make_segment([[PROFILE, "territory", "=", area]], email_group=group)
	result = api.sync_to_email_group(seg.name)
	assert result["excluded"] == {
		"No Email": 1,
		"Do Not Contact": 1,
		# the unsubscribed address, and the withdrawn one: withdrawing consent unsubscribes globally
		"Globally Unsubscribed": 2,
		# the withdrawn grant, and the customer who never granted
		"No Current Marketing Email Consent": 2,
	}
	subscribed = frappe.get_all(
		"Email Group Member", filters={"email_group": group, "unsubscribed": 0}, pluck="email"
	)
	assert subscribed == [emails[ok]]
	assert result["removed"] == 1 and result["subscribers"] == 1
	assert frappe.db.get_value("Email Group", group, "total_subscribers") == 1
	summary = frappe.db.get_value(SEGMENT, seg.name, "sync_summary")
	assert "Can be emailed: 1" in summary and "Do Not Contact: 1" in summary
