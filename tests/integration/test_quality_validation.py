"""Validation at entry: a table of bad emails and phones refused by field name, good ones normalised;
completeness scores with weights from settings; admins' Customize Form "required" is respected."""

from __future__ import annotations

import json

import frappe
import pytest
from support.factories import make_customer

PROFILE = "Customer Profile"

BAD_EMAILS = [
	"plainaddress",
	"@no-local.com",
	"no-at-sign.com",
	"two@@example.com",
	"a@b",
	"a@b.",
	"a@.com",
	"a b@example.com",
	"a@exa mple.com",
	"a@example..com",
	".a@example.com",
	"a.@example.com",
	"a..b@example.com",
	"x@example.com; y@example.com",
	"x@example.com,y@example.com",
	"<script>@x.com",
	"a@-example.com",
	"a@example-.com",
	"a@example.c_m",
	"中文@例子",
	"a@",
	"a@@",
	"@",
	"a" * 250 + "@x.com",
	"' or 1=1 --@x.com",
]
BAD_PHONES = [
	"12345",
	"call me",
	"+999 1234 5678",
	"555-0143",
	"+1 (000) 000-0000",
	"+86 123",
	"0",
	"+",
	"++8613800138000",
	"+44 20 7946 09",
	"abc-def-ghij",
	"+1 202 555 01434567",
	"1; drop table x",
	"<b>555</b>",
	"+86 138 0013 800",
	"00",
	"+7 (999)",
	"+33 1",
	"999999999999999999",
]
GOOD = [
	("  Li.Wei@Example.CN ", "(202) 555-0143", "li.wei@example.cn", "+12025550143"),
	("SALES@ACME.IO", "+86 138 0013 8000", "sales@acme.io", "+8613800138000"),
	("o'brien+crm@mail.example.org", "0086 138 0013 8000", "o'brien+crm@mail.example.org", "+8613800138000"),
	("zhang_san@qq.com", "+44 20 7946 0958", "zhang_san@qq.com", "+442079460958"),
]


@pytest.fixture
def profile():
	return frappe.get_doc(PROFILE, make_customer().name)


def test_the_table_has_at_least_forty_bad_values():
	assert len(BAD_EMAILS) + len(BAD_PHONES) >= 40


@pytest.mark.parametrize("value", BAD_EMAILS)
def test_bad_emails_are_refused_naming_the_field(profile, value):
	profile.email_id = value
	with pytest.raises(frappe.ValidationError) as error:
		profile.save()
	assert "Email" in str(error.value)
	assert not frappe.db.get_value(PROFILE, profile.name, "email_id")


@pytest.mark.parametrize("value", BAD_PHONES)
def test_bad_phones_are_refused_naming_the_field(profile, value):
	profile.mobile_no = value
	with pytest.raises(frappe.ValidationError) as error:
		profile.save()
	assert "Mobile" in str(error.value)
	assert not frappe.db.get_value(PROFILE, profile.name, "mobile_no")


@pytest.mark.parametrize(("email", "phone", "stored_email", "stored_phone"), GOOD)
def test_good_values_are_normalised(profile, email, phone, stored_email, stored_phone):
	profile.email_id, profile.mobile_no = email, phone
	profile.save()
	assert frappe.db.get_value(PROFILE, profile.name, ["email_id", "mobile_no"]) == (
		stored_email,
		stored_phone,
	)


def test_phone_errors_are_translated_and_name_the_field(profile):
	frappe.local.lang = "zh"
	profile.mobile_no = "call me"
	with pytest.raises(frappe.ValidationError) as error:
		profile.save()
	assert "不是有效的电话号码" in str(error.value)


def test_customize_form_required_is_respected():
	"""An admin makes Website required through Customize Form; our validation neither skips nor fights it."""
	frappe.make_property_setter(
		{
			"doctype": PROFILE,
			"fieldname": "website",
			"property": "reqd",
			"value": "1",
			"property_type": "Check",
		}
	)
	frappe.clear_cache(doctype=PROFILE)
	frappe.db.set_single_value("CRM Profile Settings", "auto_create_profiles", 0)
	customer = make_customer().name
	with pytest.raises(frappe.MandatoryError, match="website"):
		frappe.get_doc({"doctype": PROFILE, "customer": customer, "email_id": "Buyer@Acme.example"}).insert()
	doc = frappe.get_doc(
		{
			"doctype": PROFILE,
			"customer": customer,
			"email_id": "Buyer@Acme.example",
			"website": "https://acme.example",
		}
	).insert()
	assert (doc.email_id, doc.website) == ("buyer@acme.example", "https://acme.example")
	frappe.clear_cache(doctype=PROFILE)


def test_completeness_uses_the_weights_in_settings(profile):
	frappe.db.set_single_value(
		"CRM Profile Settings", "completeness_weights", json.dumps({"email_id": 75, "mobile_no": 25})
	)
	profile.email_id = "buyer@acme.example"
	profile.save()
	assert frappe.db.get_value(PROFILE, profile.name, "completeness_score") == 75
	profile.mobile_no = "+8613800138000"
	profile.save()
	assert frappe.db.get_value(PROFILE, profile.name, "completeness_score") == 100


def test_new_customers_profiles_get_a_score_and_the_nightly_pass_rescored_all():
	from crm_profiles.quality.completeness import update_all_scores

	frappe.db.set_single_value(
		"CRM Profile Settings", "completeness_weights", json.dumps({"email_id": 50, "website": 50})
	)
	customer = make_customer(email_id="first@acme.example", website="https://acme.example").name
	assert frappe.db.get_value(PROFILE, customer, "completeness_score") == 100
	frappe.db.set_single_value(
		"CRM Profile Settings", "completeness_weights", json.dumps({"email_id": 20, "industry": 80})
	)
	update_all_scores()
	assert frappe.db.get_value(PROFILE, customer, "completeness_score") == 20


def test_a_new_profiles_score_counts_the_defaults_of_fields_its_insert_leaves_out_as_a_rescore_does():
	"""The new profile's score is computed in its INSERT: weighted fields it does not set count with their
	column defaults (here an empty WeChat ID), the others with the values it inserts (a stage of Prospect
	counts, an empty website does not), exactly as a rescore of the stored row counts them."""
	from crm_profiles.quality.completeness import update_all_scores, weights

	asked = {"email_id": 40, "lifecycle_stage": 20, "website": 20, "wechat_id": 20}  # WeChat: not inserted
	frappe.db.set_single_value("CRM Profile Settings", "completeness_weights", json.dumps(asked))
	assert weights() == asked
	customer = make_customer(email_id="defaults@acme.example").name
	stored = frappe.db.get_value(PROFILE, customer, "completeness_score")
	assert stored == 60  # the email and the stage
	frappe.db.set_value(PROFILE, customer, "completeness_score", 0, update_modified=False)
	update_all_scores([customer])
	assert frappe.db.get_value(PROFILE, customer, "completeness_score") == stored
