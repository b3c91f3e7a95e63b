"""Roles and User Permissions, acting as restricted users: in-process and through REST."""

from __future__ import annotations

import json
from urllib.parse import quote

import frappe
import pytest
from support.factories import make_customer, make_interaction, make_territory, make_user, unique
from support.rest import api_token, call

PROFILE = "Customer Profile"
INTERACTION = "Customer Interaction"
CRM_USER = "crm.user@crm-profiles.test"
TERRITORY_USER = "crm.territory@crm-profiles.test"


@pytest.fixture
def two_territories():
	north, south = make_territory(), make_territory()
	mine = make_customer(territory=north)
	theirs = make_customer(territory=south)
	return {
		"north": north,
		"mine": mine.name,
		"theirs": theirs.name,
		"my_interaction": make_interaction(mine.name).name,
		"their_interaction": make_interaction(theirs.name).name,
	}


def test_crm_user_cannot_delete_profiles_or_interactions():
	customer = make_customer()
	interaction = make_interaction(customer.name)
	make_user(CRM_USER, ["CRM User"])
	frappe.set_user(CRM_USER)
	assert frappe.has_permission(PROFILE, "write", customer.name)
	assert frappe.has_permission(INTERACTION, "create")
	with pytest.raises(frappe.PermissionError):
		frappe.delete_doc(PROFILE, customer.name)
	with pytest.raises(frappe.PermissionError):
		frappe.delete_doc(INTERACTION, interaction.name)
	frappe.set_user("Administrator")
	assert frappe.db.exists(PROFILE, customer.name) and frappe.db.exists(INTERACTION, interaction.name)


def test_crm_user_cannot_change_settings_or_tiers():
	make_user(CRM_USER, ["CRM User"])
	frappe.set_user(CRM_USER)
	assert not frappe.has_permission("CRM Profile Settings", "write")
	assert not frappe.has_permission("Customer Tier", "create")
	assert frappe.has_permission("Customer Tier", "read")


def test_crm_manager_has_full_access():
	make_user("crm.manager@crm-profiles.test", ["CRM Manager"])
	frappe.set_user("crm.manager@crm-profiles.test")
	for doctype in (PROFILE, INTERACTION, "Customer Tier"):
		for ptype in ("read", "write", "create", "delete"):
			assert frappe.has_permission(doctype, ptype), (doctype, ptype)
	assert frappe.has_permission("CRM Profile Settings", "write")


def test_sales_roles_get_sensible_access():
	make_user("crm.sales@crm-profiles.test", ["Sales User"])
	frappe.set_user("crm.sales@crm-profiles.test")
	assert frappe.has_permission(PROFILE, "write") and frappe.has_permission(INTERACTION, "create")
	assert not frappe.has_permission(PROFILE, "delete")
	assert not frappe.has_permission("Customer Tier", "write")


def test_territory_user_sees_only_their_territory_in_process(two_territories):
	t = two_territories
	make_user(TERRITORY_USER, ["CRM User"], territory=t["north"])
	frappe.set_user(TERRITORY_USER)

	profiles = frappe.get_list(PROFILE, filters={"name": ("in", [t["mine"], t["theirs"]])}, pluck="name")
	assert profiles == [t["mine"]]
	interactions = frappe.get_list(
		INTERACTION, filters={"name": ("in", [t["my_interaction"], t["their_interaction"]])}, pluck="name"
	)
	assert interactions == [t["my_interaction"]]

	assert frappe.has_permission(PROFILE, "read", t["mine"])
	assert not frappe.has_permission(PROFILE, "read", t["theirs"])
	assert not frappe.has_permission(INTERACTION, "read", t["their_interaction"])
	with pytest.raises(frappe.PermissionError):
		frappe.get_doc(PROFILE, t["theirs"]).check_permission("read")


def test_territory_user_cannot_log_an_interaction_for_another_territory(two_territories):
	t = two_territories
	make_user(TERRITORY_USER, ["CRM User"], territory=t["north"])
	frappe.set_user(TERRITORY_USER)
	doc = frappe.get_doc(
		{"doctype": INTERACTION, "customer": t["theirs"], "interaction_type": "Call", "subject": "Not mine"}
	)
	with pytest.raises(frappe.PermissionError):
		doc.insert()


@pytest.mark.parametrize("strict", [0, 1])
def test_a_territory_user_logs_interactions_for_own_territory_and_its_scope_is_copied(
	two_territories, strict, monkeypatch
):
	"""The customer's name, territory and group are copied onto the interaction, with strict user
	permissions or without: the user logs for their own territory only."""
	t = two_territories
	# System Settings' "Apply Strict User Permissions", as Frappe's permission checks read it (in this
	# process only: no cached System Settings outlives the test)
	setting = frappe.get_system_settings
	monkeypatch.setattr(
		frappe,
		"get_system_settings",
		lambda key: strict if key == "apply_strict_user_permissions" else setting(key),
	)
	make_user(TERRITORY_USER, ["CRM User"], territory=t["north"])
	frappe.set_user(TERRITORY_USER)
	doc = frappe.get_doc(
		{"doctype": INTERACTION, "customer": t["mine"], "interaction_type": "Call", "subject": "Mine"}
	).insert()
	customer = frappe.db.get_value(
		"Customer", t["mine"], ["customer_name", "territory", "customer_group"], as_dict=True
	)
	assert (doc.customer_name, doc.territory, doc.customer_group, doc.profile) == (
		customer.customer_name,
		t["north"],
		customer.customer_group,
		t["mine"],
	)
	theirs = frappe.get_doc(
		{"doctype": INTERACTION, "customer": t["theirs"], "interaction_type": "Call", "subject": "Not mine"}
	)
	with pytest.raises(frappe.PermissionError):
		theirs.insert()


@pytest.fixture
def committed_territories():
	"""REST requests run in their own connection, so this data is committed and removed afterwards."""
	north, south = make_territory(), make_territory()
	mine = make_customer(unique("_CRM REST Mine"), territory=north).name
	theirs = make_customer(unique("_CRM REST Theirs"), territory=south).name
	interactions = [make_interaction(mine).name, make_interaction(theirs).name]
	make_user(TERRITORY_USER, ["CRM User"], territory=north)
	make_user(CRM_USER, ["CRM User"])
	frappe.db.commit()
	try:
		yield {"mine": mine, "theirs": theirs, "interactions": interactions}
	finally:
		frappe.db.rollback()
		for name in interactions:
			frappe.delete_doc(INTERACTION, name, force=True)
		for name in (mine, theirs):
			frappe.delete_doc("Customer", name, force=True)
		frappe.delete_doc("Territory", north, force=True)
		frappe.delete_doc("Territory", south, force=True)
		frappe.db.commit()


def test_territory_user_through_rest(committed_territories):
	t = committed_territories
	token = api_token(TERRITORY_USER)
	names = json.dumps([t["mine"], t["theirs"]])

	listed = call(
		"GET",
		f"/api/resource/{quote(PROFILE)}",
		token,
		params={"filters": json.dumps([["name", "in", [t["mine"], t["theirs"]]]])},
	)
	assert listed.status_code == 200, listed.text
	assert [row["name"] for row in listed.json["data"]] == [t["mine"]], names

	assert call("GET", f"/api/resource/{quote(PROFILE)}/{quote(t['mine'])}", token).status_code == 200
	assert call("GET", f"/api/resource/{quote(PROFILE)}/{quote(t['theirs'])}", token).status_code == 403

	listed = call(
		"GET",
		f"/api/resource/{quote(INTERACTION)}",
		token,
		params={"filters": json.dumps([["name", "in", t["interactions"]]])},
	)
	assert [row["name"] for row in listed.json["data"]] == [t["interactions"][0]]
	assert call("GET", f"/api/resource/{quote(INTERACTION)}/{t['interactions'][1]}", token).status_code == 403


def test_crm_user_cannot_delete_through_rest(committed_territories):
	t = committed_territories
	token = api_token(CRM_USER)
	response = call("DELETE", f"/api/resource/{quote(INTERACTION)}/{t['interactions'][0]}", token)
	assert response.status_code == 403
	frappe.db.rollback()
	assert frappe.db.exists(INTERACTION, t["interactions"][0])
