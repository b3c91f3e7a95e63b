"""Privacy: personal data download and deletion requests cover our doctypes, sensitive fields are
CRM-Manager-only in every path, and the record-scoping setting limits CRM Users to their profiles."""

from __future__ import annotations

import json

import frappe
import pytest
from support.factories import make_customer, make_interaction, make_user
from support.quality import record_consent

PROFILE = "Customer Profile"
SENSITIVE = ("birthday", "personal_id", "private_notes")
MANAGER = "crm.manager@crm-profiles.test"
CRM_USER = "crm.user@crm-profiles.test"
OTHER_USER = "crm.other@crm-profiles.test"


@pytest.fixture
def person():
	"""A customer who is a person: a website user with the profile's email, a consent, sensitive data."""
	email = f"{frappe.generate_hash(length=8)}@person.example"
	frappe.get_doc(
		{"doctype": "User", "email": email, "first_name": "Mei", "last_name": "Lin", "send_welcome_email": 0}
	).insert(ignore_permissions=True)
	customer = make_customer().name
	profile = frappe.get_doc(PROFILE, customer)
	profile.update(
		{
			"email_id": email,
			"mobile_no": "+8613800138000",
			"birthday": "1990-05-17",
			"personal_id": "310101199005170011",
			"private_notes": "Prefers Mandarin",
		}
	)
	profile.save()
	record_consent(customer, "Marketing Email", "Granted", evidence=f"Email from {email}")
	return {"email": email, "customer": customer}


def test_download_request_includes_our_records(person):
	from frappe.website.doctype.personal_data_download_request.personal_data_download_request import (
		get_user_data,
	)

	data = json.loads(get_user_data(person["email"]))
	assert [row["name"] for row in data[PROFILE]] == [person["customer"]]
	# encrypted at rest: the download carries the mask, never the plain ID
	assert data[PROFILE][0]["personal_id"] and "310101199005170011" not in json.dumps(data, default=str)
	assert len(data["Customer Consent"]) == 1


def test_deletion_request_anonymises_our_records(person, monkeypatch):
	from frappe.website.doctype.personal_data_deletion_request.personal_data_deletion_request import (
		PersonalDataDeletionRequest,
	)

	# The test site has no outgoing email account; the verification mail is not what is tested here.
	monkeypatch.setattr(PersonalDataDeletionRequest, "send_verification_mail", lambda self: None)
	request = frappe.get_doc({"doctype": "Personal Data Deletion Request", "email": person["email"]})
	request.insert(ignore_permissions=True)
	request.db_set("status", "Pending Approval")
	request._anonymize_data()

	profile = frappe.db.get_value(
		PROFILE, person["customer"], ["email_id", "mobile_no", *SENSITIVE], as_dict=True
	)
	assert person["email"] not in json.dumps(profile, default=str)
	assert profile.personal_id != "310101199005170011" and profile.private_notes != "Prefers Mandarin"
	assert str(profile.birthday) != "1990-05-17" and profile.mobile_no != "+8613800138000"
	# the encrypted value goes too: nothing in __Auth for a backup and the site's key to bring back
	assert not frappe.db.exists(
		"__Auth", {"doctype": PROFILE, "name": person["customer"], "fieldname": "personal_id"}
	)
	assert not profile.personal_id
	assert not frappe.get_doc(PROFILE, person["customer"]).get_password("personal_id", raise_exception=False)
	consent = frappe.get_all(
		"Customer Consent", filters={"customer": person["customer"]}, fields=["email_id", "evidence"]
	)[0]
	assert person["email"] not in (consent.email_id or "") + (consent.evidence or "")


def _as(user, roles):
	frappe.set_user("Administrator")
	make_user(user, roles)
	frappe.set_user(user)


def test_sensitive_fields_are_only_for_crm_managers(person):
	customer = person["customer"]
	_as(CRM_USER, ["CRM User"])
	doc = frappe.get_doc(PROFILE, customer)
	doc.apply_fieldlevel_read_permissions()
	assert all(doc.get(f) is None for f in SENSITIVE)
	listed = frappe.get_list(PROFILE, filters={"name": customer}, fields=["name", *SENSITIVE])
	assert listed and all(f not in listed[0] or listed[0][f] is None for f in SENSITIVE)
	assert not frappe.get_doc(PROFILE, customer).has_permlevel_access_to("personal_id")

	_as(MANAGER, ["CRM Manager"])
	doc = frappe.get_doc(PROFILE, customer)
	doc.apply_fieldlevel_read_permissions()
	assert doc.private_notes == "Prefers Mandarin"
	assert doc.get_password("personal_id") == "310101199005170011"


def test_a_crm_user_cannot_write_sensitive_fields(person):
	_as(CRM_USER, ["CRM User"])
	doc = frappe.get_doc(PROFILE, person["customer"])
	doc.personal_id = "changed"
	doc.position = "Buyer"
	doc.save()
	frappe.set_user("Administrator")
	assert frappe.db.get_value(PROFILE, person["customer"], "position") == "Buyer"
	assert frappe.get_doc(PROFILE, person["customer"]).get_password("personal_id") == "310101199005170011"


@pytest.fixture
def scoped():
	frappe.db.set_single_value("CRM Profile Settings", "restrict_profiles_to_owner", 1)
	make_user(CRM_USER, ["CRM User"])
	make_user(OTHER_USER, ["CRM User"])
	mine, assigned, theirs = (make_customer().name for _ in range(3))
	frappe.db.set_value(PROFILE, mine, "account_owner", CRM_USER)
	frappe.db.set_value(PROFILE, assigned, "_assign", json.dumps([CRM_USER]))
	frappe.db.set_value(PROFILE, theirs, "account_owner", OTHER_USER)
	return {
		"mine": mine,
		"assigned": assigned,
		"theirs": theirs,
		"interaction": make_interaction(theirs).name,
	}


def test_scoping_limits_lists_and_documents_with_one_condition(scoped):
	names = [scoped["mine"], scoped["assigned"], scoped["theirs"]]
	frappe.set_user(CRM_USER)
	assert sorted(frappe.get_list(PROFILE, filters={"name": ("in", names)}, pluck="name")) == sorted(
		names[:2]
	)
	for name in names:
		assert bool(frappe.has_permission(PROFILE, "read", name)) == (name != scoped["theirs"])
	assert not frappe.has_permission("Customer Interaction", "read", scoped["interaction"])
	assert frappe.get_list("Customer Interaction", filters={"name": scoped["interaction"]}) == []


def test_managers_and_the_unset_setting_are_not_scoped(scoped):
	make_user(MANAGER, ["CRM Manager"])
	frappe.set_user(MANAGER)
	assert frappe.has_permission(PROFILE, "read", scoped["theirs"])
	frappe.set_user("Administrator")
	frappe.db.set_single_value("CRM Profile Settings", "restrict_profiles_to_owner", 0)
	frappe.set_user(CRM_USER)
	assert frappe.has_permission(PROFILE, "read", scoped["theirs"])


def test_data_quality_report_honours_scoping_and_user_permissions(scoped):
	from crm_profiles.crm_profiles.report.data_quality.data_quality import execute

	frappe.set_user(CRM_USER)
	_columns, data, *_ = execute({})
	profiles = {row["profile"] for row in data}
	assert scoped["theirs"] not in profiles
	assert scoped["mine"] in profiles


def test_merges_and_deletions_are_in_the_audit_trail():
	from crm_profiles.quality import merge

	source, target = make_customer().name, make_customer().name
	log = merge.merge_customers(source, target)
	merge.run_merge(log, commit=False)
	assert frappe.db.exists("Deleted Document", {"deleted_doctype": "Customer", "deleted_name": source})
	assert frappe.db.exists("Deleted Document", {"deleted_doctype": PROFILE, "deleted_name": source})
	assert frappe.get_meta("Customer Merge Log").track_changes


def test_personal_id_is_encrypted_at_rest_and_revealed_only_to_managers(person):
	"""Stored with the site's key; filtering or sorting on it finds nothing; only managers read it."""
	from crm_profiles.privacy.sensitive import reveal_personal_id

	customer = person["customer"]
	column = frappe.db.get_value(PROFILE, customer, "personal_id")
	assert column and set(column) == {"*"}
	stored = frappe.db.sql(
		"select password, encrypted from `__Auth` where doctype = %s and name = %s and fieldname = 'personal_id'",
		(PROFILE, customer),
	)
	assert stored and stored[0][1] == 1 and "310101199005170011" not in stored[0][0]
	assert not frappe.get_all(PROFILE, filters={"personal_id": ("like", "3101%")}, pluck="name")

	_as(CRM_USER, ["CRM User"])
	with pytest.raises(frappe.PermissionError):
		reveal_personal_id(customer)
	_as(MANAGER, ["CRM Manager"])
	assert reveal_personal_id(customer) == "310101199005170011"


def test_patch_encrypts_existing_plain_personal_ids():
	from crm_profiles.patches import encrypt_personal_ids

	customer = make_customer().name
	frappe.db.sql("update `tabCustomer Profile` set personal_id = 'PLAIN-4711' where name = %s", customer)
	encrypt_personal_ids.execute()
	assert frappe.db.get_value(PROFILE, customer, "personal_id") == "*" * len("PLAIN-4711")
	assert frappe.get_doc(PROFILE, customer).get_password("personal_id") == "PLAIN-4711"
	encrypt_personal_ids.execute()  # idempotent
	assert frappe.get_doc(PROFILE, customer).get_password("personal_id") == "PLAIN-4711"
