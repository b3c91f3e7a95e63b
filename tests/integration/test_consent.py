"""The consent ledger: current state per purpose on the profile, can_contact for automations,
do-not-contact, expiry, and ERPNext campaigns kept away from opted-out addresses."""

from __future__ import annotations

import frappe
import pytest
from frappe.utils import add_days, add_to_date, now_datetime, nowdate
from support.factories import make_customer
from support.quality import record_consent

from crm_profiles.privacy.consent import can_contact, not_contactable

PROFILE = "Customer Profile"


@pytest.fixture
def customer():
	name = make_customer().name
	frappe.db.set_value(PROFILE, name, "email_id", f"{frappe.generate_hash(length=8)}@consent.example")
	return name


def test_marketing_needs_a_grant_and_service_is_allowed_until_withdrawn(customer):
	assert not can_contact(customer, "Marketing Email", "Email")
	assert can_contact(customer, "Surveys", "Email")
	record_consent(customer, "Marketing Email", "Granted", channel="Email")
	assert can_contact(customer, "Marketing Email", "Email")
	record_consent(customer, "Surveys", "Withdrawn")
	assert not can_contact(customer, "Surveys", "Email")


def test_the_latest_entry_wins(customer):
	earlier = add_to_date(now_datetime(), hours=-2)
	record_consent(customer, "Marketing SMS", "Granted", consent_on=earlier)
	record_consent(customer, "Marketing SMS", "Withdrawn", consent_on=add_to_date(now_datetime(), hours=-1))
	assert not can_contact(customer, "Marketing SMS")
	record_consent(customer, "Marketing SMS", "Granted")
	assert can_contact(customer, "Marketing SMS")


def test_an_expired_grant_no_longer_counts(customer):
	record_consent(customer, "Profiling", "Granted", expires_on=add_days(nowdate(), 10))
	assert can_contact(customer, "Profiling")
	assert not can_contact(customer, "Profiling", on_date=add_days(nowdate(), 11))


def test_do_not_contact_refuses_every_purpose(customer):
	record_consent(customer, "Marketing Email", "Granted")
	frappe.db.set_value(PROFILE, customer, "do_not_contact", 1)
	for purpose in ("Marketing Email", "Surveys", "Follow-ups"):
		assert not can_contact(customer, purpose)
	assert not can_contact("", "Surveys")


def test_profile_shows_the_current_state_per_purpose(customer):
	record_consent(
		customer, "Marketing Email", "Granted", channel="Email", expires_on=add_days(nowdate(), 30)
	)
	record_consent(customer, "Marketing Phone", "Withdrawn")
	summary = frappe.db.get_value(PROFILE, customer, "consent_summary")
	assert "Marketing Email (Email): Granted until" in summary
	assert "Marketing Phone: Withdrawn" in summary


def test_set_based_check_agrees_with_can_contact(customer):
	other, silent = make_customer().name, make_customer().name
	record_consent(customer, "Marketing Email", "Granted")
	record_consent(other, "Marketing Email", "Withdrawn")
	customers = [customer, other, silent]
	blocked = not_contactable(customers, "Marketing Email")
	assert blocked == {c for c in customers if not can_contact(c, "Marketing Email")} == {other, silent}
	assert not_contactable(customers, "Surveys") == set()


def test_ledger_rows_cannot_be_rewritten(customer):
	name = record_consent(customer, "Marketing Email", "Granted")
	doc = frappe.get_doc("Customer Consent", name)
	doc.status = "Withdrawn"
	with pytest.raises(frappe.ValidationError, match="Status"):
		doc.save()
	doc.reload()
	doc.evidence = "Signed paper form, filed in the Shanghai office"
	doc.save()


def test_expiry_before_the_grant_is_refused(customer):
	with pytest.raises(frappe.ValidationError, match="Expires On"):
		record_consent(customer, "Marketing Email", "Granted", expires_on=add_days(nowdate(), -5))


def test_evidence_file_must_be_a_file_or_address(customer):
	with pytest.raises(frappe.ValidationError, match="Evidence File"):
		record_consent(customer, "Marketing Email", "Granted", evidence_file="javascript:alert(1)")
	record_consent(customer, "Marketing Email", "Granted", evidence_file="/private/files/consent-form.pdf")


def test_withdrawal_and_do_not_contact_keep_campaigns_away(customer):
	email = frappe.db.get_value(PROFILE, customer, "email_id")
	record_consent(customer, "Marketing Email", "Withdrawn")
	assert frappe.db.exists("Email Unsubscribe", {"email": email, "global_unsubscribe": 1})

	other = make_customer().name
	profile = frappe.get_doc(PROFILE, other)
	profile.email_id = f"{frappe.generate_hash(length=8)}@dnc.example"
	profile.save()
	profile.do_not_contact = 1
	profile.save()
	assert frappe.db.exists("Email Unsubscribe", {"email": profile.email_id, "global_unsubscribe": 1})


def test_follow_up_automation_skips_withdrawn_consent():
	from support.engagement import make_owned_customer, make_tier
	from support.factories import make_user

	from crm_profiles.interactions.followups import customers_due_by_tier

	owner = make_user("crm.owner@crm-profiles.test", ["CRM User"])
	tier = make_tier(30)
	keep, withdrawn = make_owned_customer(owner, tier), make_owned_customer(owner, tier)
	record_consent(withdrawn, "Follow-ups", "Withdrawn")
	later = add_days(nowdate(), 400)
	due = {row.customer for row in customers_due_by_tier(later)}
	assert keep in due and withdrawn not in due


def test_survey_is_refused_after_withdrawal(customer):
	from crm_profiles.interactions.surveys import send_survey

	record_consent(customer, "Surveys", "Withdrawn", channel="Email")
	with pytest.raises(frappe.ValidationError, match="withdrawn consent"):
		send_survey(customer)
