"""Computed data cannot be forged; copied customer fields stay in step; settings refuse nonsense.

The list of computed fields is read from the DocType meta (``computed_fields``), so a new read-only
field of any of the app's doctypes is tried here without touching this test.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import frappe
import pytest
from support.factories import make_customer, make_interaction, make_territory, make_user, unique
from support.rest import api_token, call

from crm_profiles.profiles.sync import denormalised_fields
from crm_profiles.utils.document import computed_fields

WRITER = "crm.forger@crm-profiles.test"  # CRM User: writes profiles and interactions
MANAGER = "crm.forger.manager@crm-profiles.test"  # every write the app grants
PROFILE = "Customer Profile"


def app_doctypes() -> list[str]:
	return frappe.get_all(
		"DocType", filters={"module": "CRM Profiles", "istable": 0}, pluck="name", order_by="name"
	)


def forged_value(df, current):
	"""A value of the field's type that differs from the stored one."""
	kind = df.fieldtype
	if kind in ("Int",):
		return 998 if current == 999 else 999
	if kind == "Check":
		return 0 if current else 1
	if kind in ("Float", "Currency"):
		return 3.3 if current == 4.9 else 4.9
	if kind == "Percent":
		return 66 if current == 77 else 77
	if kind == "Date":
		return "2001-02-03"
	if kind == "Datetime":
		return "2001-02-03 04:05:06"
	if kind == "Select":
		return next(o for o in (df.options or "").split("\n") if o and o != current)
	if kind == "Link":
		other = frappe.get_all(df.options, filters={"name": ("!=", current or "")}, pluck="name", limit=1)
		return other[0] if other else "forged"
	if kind == "Dynamic Link":
		return current
	return "forged"


def path_of(doctype: str, name: str) -> str:
	return f"/api/resource/{quote(doctype)}/{quote(name)}"


@pytest.fixture(scope="module")
def records(site):
	make_user(WRITER, ["CRM User"])
	make_user(MANAGER, ["CRM Manager", "System Manager"])
	customer = make_customer(unique("_CRM Forge")).name
	other = make_customer(unique("_CRM Forge Other")).name
	interaction = make_interaction(customer, rating=4).name
	consent = frappe.get_doc(
		{"doctype": "Customer Consent", "customer": customer, "purpose": "Surveys", "status": "Granted"}
	).insert()
	rule = frappe.get_all("Duplicate Matching Rule", pluck="name", limit=1)[0]
	pair = frappe.get_doc(
		{
			"doctype": "Possible Duplicate",
			"profile_a": customer,
			"profile_b": other,
			"rule": rule,
			"matched_value": "x@example.com",
			"score": 100,
			"status": "Open",
		}
	)
	pair.flags.computed_by_server = True
	pair.insert(ignore_permissions=True)
	log = frappe.get_doc(
		{
			"doctype": "Customer Merge Log",
			"source_customer": other,
			"target_customer": customer,
			"status": "Completed",
		}
	)
	log.flags.computed_by_server = True
	log.insert(ignore_permissions=True)
	sheet_file = frappe.get_doc(
		{"doctype": "File", "file_name": "_crm-forge.csv", "content": "Customer Name\nx\n", "is_private": 1}
	).insert()
	sheet = frappe.get_doc({"doctype": "Customer Sheet Import", "import_file": sheet_file.file_url})
	sheet.insert(ignore_permissions=True)
	from crm_profiles.analytics.figures import log_changes

	log_changes([(customer, "Tier", "", "Gold")], reason="Manual")
	change = frappe.get_all("Customer Profile Change", filters={"customer_profile": customer}, pluck="name")[
		0
	]
	tier = frappe.get_all("Customer Tier", pluck="name", limit=1)
	from crm_profiles.privacy.self_service import mint_link

	self_service_link, _token = mint_link(customer, "forge@example.com")
	segment = frappe.get_doc(
		{
			"doctype": "Customer Segment",
			"segment_name": unique("_CRM Forge Segment"),
			"filters_json": json.dumps([[PROFILE, "customer_name", "=", customer]]),
		}
	).insert()
	erp_campaign = unique("_CRM Forge Campaign")
	frappe.get_doc({"doctype": "Campaign", "campaign_name": erp_campaign}).insert()
	campaign = frappe.get_doc(
		{
			"doctype": "Customer Campaign",
			"campaign_name": unique("_CRM Forge Customer Campaign"),
			"segment": segment.name,
			"campaign": erp_campaign,
			"control_percent": 10,
			"effect_days": 30,
		}
	).insert()
	names = {
		PROFILE: customer,
		"Customer Interaction": interaction,
		"Customer Consent": consent.name,
		"Possible Duplicate": pair.name,
		"Customer Merge Log": log.name,
		"Customer Sheet Import": sheet.name,
		"Customer Profile Change": change,
		"CRM Profile Settings": "CRM Profile Settings",
		"Duplicate Matching Rule": rule,
		"Customer Tier": tier[0] if tier else None,
		"Customer Segment": segment.name,
		"Customer Campaign": campaign.name,
		"Customer Self-service Link": self_service_link,
	}
	tokens = {"writer": api_token(WRITER), "manager": api_token(MANAGER)}
	frappe.db.commit()
	try:
		yield {"names": names, "tokens": tokens, "customer": customer, "other": other}
	finally:
		frappe.db.rollback()
		frappe.db.delete("Customer Campaign", {"name": campaign.name})
		frappe.db.delete("Campaign", {"name": erp_campaign})
		frappe.db.delete("Customer Segment", {"name": segment.name})
		frappe.db.delete("Customer Merge Log", {"name": log.name})
		frappe.db.delete("Customer Sheet Import", {"name": sheet.name})
		frappe.delete_doc("File", sheet_file.name, force=True, ignore_permissions=True)
		frappe.db.delete("Possible Duplicate", {"name": pair.name})
		frappe.db.delete("Customer Profile Change", {"customer_profile": ("in", [customer, other])})
		for name in (customer, other):
			frappe.db.delete("Customer Interaction", {"customer": name})
			frappe.db.delete("Customer Consent", {"customer": name})
			frappe.db.delete("Customer Self-service Link", {"customer": name})
			frappe.delete_doc("Customer", name, force=True, ignore_permissions=True)
		frappe.db.commit()


def _stored(doctype: str, name: str, fields: list[str]) -> dict:
	frappe.db.rollback()  # see what the REST calls committed
	return frappe.db.get_value(doctype, name, fields, as_dict=True) or {}


def test_every_computed_field_is_read_only_in_the_doctype():
	"""The profile's figures, engagement and consent summary are declared read-only, so the meta lists them."""
	fields = {df.fieldname for df in computed_fields(PROFILE)}
	for fieldname in (
		"interaction_count",
		"average_csat",
		"consent_summary",
		"open_complaints",
		"next_follow_up_date",
		"follow_up_overdue",
		"last_interaction_on",
		"lifetime_value",
		"completeness_score",
		"lifecycle_stage",
	):
		assert fieldname in fields, fieldname


def test_no_computed_field_can_be_written_through_any_channel(records):
	"""PUT, frappe.client.set_value and the desk's save, for every computed field of every app doctype."""
	names, token = records["names"], records["tokens"]["manager"]
	tried = []
	for doctype in app_doctypes():
		fields = computed_fields(doctype)
		if not fields:
			continue
		name = names.get(doctype)
		assert name, f"no record of {doctype} to try its computed fields on: add one to the fixture"
		for df in fields:
			before = _stored(doctype, name, [df.fieldname])[df.fieldname]
			forged = forged_value(df, before)
			if forged == before:
				continue
			responses = [
				call("PUT", path_of(doctype, name), token, json={df.fieldname: forged}),
				call(
					"POST",
					"/api/method/frappe.client.set_value",
					token,
					json={"doctype": doctype, "name": name, "fieldname": df.fieldname, "value": forged},
				),
			]
			doc = frappe.get_doc(doctype, name).as_dict(convert_dates_to_str=True)
			doc[df.fieldname] = forged
			responses.append(
				call(
					"POST",
					"/api/method/frappe.desk.form.save.savedocs",
					token,
					data={"doc": json.dumps(doc, default=str), "action": "Save"},
				)
			)
			assert all(r.status_code < 500 for r in responses), (doctype, df.fieldname)
			after = _stored(doctype, name, [df.fieldname])[df.fieldname]
			assert str(after) != str(forged), (doctype, df.fieldname, forged)
			tried.append((doctype, df.fieldname))
	assert (PROFILE, "interaction_count") in tried and len(tried) >= 40, tried


def test_crm_user_put_of_computed_profile_fields_is_ignored(records):
	"""The reported case: a CRM User's PUT answers 200 and stores none of the forged figures."""
	customer, token = records["customer"], records["tokens"]["writer"]
	fields = computed_fields(PROFILE)
	before = _stored(PROFILE, customer, [df.fieldname for df in fields])
	forged = {df.fieldname: forged_value(df, before[df.fieldname]) for df in fields}
	forged.update({"interaction_count": 999, "average_csat": 4.9, "consent_summary": "forged"})
	response = call("PUT", path_of(PROFILE, customer), token, json={**forged, "notes": "kept"})
	assert response.status_code == 200, response.get_data(as_text=True)[:300]
	after = _stored(PROFILE, customer, [*forged, "notes"])
	assert after.notes == "kept"
	assert after.interaction_count == 1  # the one interaction of the fixture
	assert after.average_csat == 4
	assert "forged" not in (after.consent_summary or "")
	for fieldname, value in forged.items():
		assert str(after[fieldname]) != str(value), fieldname


def test_computed_fields_are_reset_on_insert(records):
	"""POST an interaction with every computed field forged: the server sets its own values."""
	token, customer = records["tokens"]["writer"], records["customer"]
	fields = computed_fields("Customer Interaction")
	# a forged link never names what the server would set itself (the customer's own profile)
	forged = {df.fieldname: forged_value(df, customer if df.options == PROFILE else None) for df in fields}
	body = {"customer": customer, "interaction_type": "Call", "subject": "Forged", **forged}
	response = call("POST", "/api/resource/Customer%20Interaction", token, json=body)
	assert response.status_code == 200, response.get_data(as_text=True)[:300]
	name = response.json["data"]["name"]
	stored = _stored("Customer Interaction", name, list(forged))
	for fieldname, value in forged.items():
		assert str(stored[fieldname]) != str(value), fieldname
	assert stored.profile == customer


def test_deleting_a_consent_updates_the_summary():
	customer = make_customer().name
	consent = frappe.get_doc(
		{"doctype": "Customer Consent", "customer": customer, "purpose": "Profiling", "status": "Granted"}
	).insert()
	assert "Profiling" in frappe.db.get_value(PROFILE, customer, "consent_summary")
	consent.delete()
	assert not frappe.db.get_value(PROFILE, customer, "consent_summary")


def test_copied_customer_fields_follow_the_customer():
	"""Every field copied from the Customer (from the meta), on every app doctype, follows a change."""
	customer = make_customer(territory=make_territory()).name
	other = make_customer().name
	interaction = make_interaction(customer).name
	consent = frappe.get_doc(
		{"doctype": "Customer Consent", "customer": customer, "purpose": "Surveys", "status": "Granted"}
	).insert()
	pair = frappe.get_doc(
		{"doctype": "Possible Duplicate", "profile_a": customer, "profile_b": other, "status": "Open"}
	)
	pair.flags.computed_by_server = True
	pair.insert(ignore_permissions=True)
	copied = denormalised_fields("Customer")
	assert {("Customer Consent", "territory"), ("Customer Interaction", "customer_group")} <= {
		(dt, f) for dt, f, _l, _s in copied
	}

	doc = frappe.get_doc("Customer", customer)
	doc.customer_name = unique("_CRM Renamed")
	doc.territory = make_territory()
	doc.customer_group = frappe.get_all("Customer Group", filters={"is_group": 0}, pluck="name", limit=1)[0]
	doc.save()

	rows = {
		PROFILE: customer,
		"Customer Interaction": interaction,
		"Customer Consent": consent.name,
	}
	checked = 0
	for doctype, fieldname, _link, source_field in copied:
		if doctype in rows:
			assert frappe.db.get_value(doctype, rows[doctype], fieldname) == doc.get(source_field), (
				doctype,
				fieldname,
			)
			checked += 1
	assert checked >= 8
	# a pair is stored in the database's order of the two profiles: read the side that is this customer
	stored = frappe.db.get_value(
		"Possible Duplicate", pair.name, ["profile_a", "customer_name_a", "customer_name_b"], as_dict=True
	)
	side = "customer_name_a" if stored.profile_a == customer else "customer_name_b"
	assert stored[side] == doc.customer_name


@pytest.mark.parametrize(
	"values, field",
	[
		({"completeness_weights": "{not json"}, "Completeness Weights"),
		({"completeness_weights": "[1, 2]"}, "Completeness Weights"),
		({"completeness_weights": '{"email_id": "heavy"}'}, "Completeness Weights"),
		({"completeness_weights": '{"no_such_field": 5}'}, "Completeness Weights"),
		({"window_months": "abc"}, "Window"),
		({"window_months": -3}, "Window"),
		({"window_months": [12]}, "Window"),
		({"churned_days": {"a": 1}}, "Churned"),
		({"survey_validity_days": 1e20}, "Survey"),
		({"fuzzy_name_threshold": 250}, "Fuzzy"),
	],
)
def test_settings_refuse_nonsense_through_rest(records, values, field):
	token = records["tokens"]["manager"]
	before = _stored("CRM Profile Settings", "CRM Profile Settings", list(values))
	response = call("PUT", path_of("CRM Profile Settings", "CRM Profile Settings"), token, json=values)
	body = response.get_data(as_text=True)
	assert response.status_code == 417, body[:300]
	assert field in body, body[:300]
	assert _stored("CRM Profile Settings", "CRM Profile Settings", list(values)) == before


@pytest.mark.parametrize("value", ["abc", [1], {"a": 1}, -1, 1e20])
def test_tier_rank_refuses_nonsense(records, value):
	token = records["tokens"]["manager"]
	body = {"tier_name": unique("_CRM Tier"), "rank": value}
	response = call("POST", "/api/resource/Customer%20Tier", token, json=body)
	assert response.status_code == 417, response.get_data(as_text=True)[:300]
	assert "Rank" in response.get_data(as_text=True)
	frappe.db.rollback()
	assert not frappe.db.exists("Customer Tier", body["tier_name"])


@pytest.mark.parametrize(
	"doctype, values, field",
	[
		("Customer Interaction", {"rating": "five"}, "Rating"),
		("Customer Interaction", {"interaction_date": "yesterday-ish"}, "Date and Time"),
		("Customer Interaction", {"interaction_date": ["2026-01-01"]}, "Date and Time"),
		("Customer Consent", {"expires_on": ["2026-01-01"]}, "Expires On"),
		("Duplicate Matching Rule", {"threshold": "high"}, "Threshold"),
	],
)
def test_wrong_types_on_write_are_a_field_named_417(records, doctype, values, field):
	token, customer = records["tokens"]["manager"], records["customer"]
	base = {
		"Customer Interaction": {"customer": customer, "interaction_type": "Call", "subject": "Typed"},
		"Customer Consent": {"customer": customer, "purpose": "Surveys", "status": "Granted"},
		"Duplicate Matching Rule": {
			"rule_name": unique("_CRM Rule"),
			"rule_type": "Fuzzy Name",
			"enabled": 0,
		},
	}[doctype]
	response = call("POST", f"/api/resource/{quote(doctype)}", token, json={**base, **values})
	body = response.get_data(as_text=True)
	assert response.status_code == 417, body[:300]
	assert field in body, body[:300]
