"""Bad input is refused with a clear, translated message, and nothing is saved."""

from __future__ import annotations

import frappe
import pytest
from support.factories import make_customer, make_interaction

PROFILE = "Customer Profile"


@pytest.fixture
def profile():
	return frappe.get_doc(PROFILE, make_customer().name)


@pytest.mark.parametrize("value", ["not-an-email", "a@b", "two@@example.com", "x@example.com; y@example.com"])
def test_invalid_email_is_refused_naming_the_field(profile, value):
	profile.email_id = value
	with pytest.raises(frappe.ValidationError, match="Email"):
		profile.save()
	assert frappe.db.get_value(PROFILE, profile.name, "email_id") is None


@pytest.mark.parametrize("value", ["12345", "call me", "+999 1234 5678", "555-0143"])
def test_invalid_mobile_is_refused_naming_the_field(profile, value):
	profile.mobile_no = value
	with pytest.raises(frappe.ValidationError, match="Mobile"):
		profile.save()
	assert frappe.db.get_value(PROFILE, profile.name, "mobile_no") is None


def test_good_values_are_normalised(profile):
	profile.email_id = "  Li.Wei@Example.CN "
	profile.mobile_no = "(202) 555-0143"  # the test site's country is the United States
	profile.save()
	assert frappe.db.get_value(PROFILE, profile.name, ["email_id", "mobile_no"]) == (
		"li.wei@example.cn",
		"+12025550143",
	)


def test_phone_region_setting_is_used(profile):
	frappe.db.set_single_value("CRM Profile Settings", "default_phone_region", "China")
	profile.mobile_no = "138 0013 8000"
	profile.save()
	assert frappe.db.get_value(PROFILE, profile.name, "mobile_no") == "+8613800138000"


def test_errors_are_translated(profile):
	frappe.local.lang = "zh"
	profile.email_id = "not-an-email"
	with pytest.raises(frappe.ValidationError) as error:
		profile.save()
	assert "不是有效的电子邮件地址" in str(error.value)


def test_interaction_without_customer_is_refused():
	before = frappe.db.count("Customer Interaction")
	doc = frappe.get_doc(
		{"doctype": "Customer Interaction", "interaction_type": "Call", "subject": "No customer"}
	)
	with pytest.raises(frappe.ValidationError, match="select the customer"):
		doc.insert()
	assert frappe.db.count("Customer Interaction") == before


def test_interaction_rating_must_be_one_to_five():
	customer = make_customer()
	with pytest.raises(frappe.ValidationError, match="between 1 and 5"):
		make_interaction(customer.name, rating=7)
	assert frappe.db.count("Customer Interaction", {"customer": customer.name}) == 0


def test_tier_lock_needs_a_reason(profile):
	profile.tier_locked = 1
	with pytest.raises(frappe.ValidationError):
		profile.save()
	assert not frappe.db.get_value(PROFILE, profile.name, "tier_locked")


def test_interaction_summary_is_sanitised():
	customer = make_customer()
	doc = make_interaction(
		customer.name, summary='<p>Hello</p><script>alert("x")</script><img src=x onerror=alert(1)>'
	)
	stored = frappe.db.get_value("Customer Interaction", doc.name, "summary")
	assert "<script" not in stored and "onerror" not in stored
	assert "Hello" in stored
