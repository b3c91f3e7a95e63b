"""Merging customers: everything linked to either survives (counted row by row), the chosen values win,
an audit entry is written, and a merge that fails part-way leaves both customers as they were."""

from __future__ import annotations

import json

import frappe
import pytest
from frappe.utils import add_days, nowdate
from support.engagement import make_contact
from support.factories import make_customer, make_interaction, make_user, unique
from support.quality import record_consent
from support.sales import make_order

from crm_profiles.quality import merge

PROFILE = "Customer Profile"


def _rich_customer(label: str) -> str:
	customer = make_customer(unique(f"_CRM Merge {label}")).name
	profile = frappe.get_doc(PROFILE, customer)
	profile.email_id = f"{frappe.generate_hash(length=8)}@{label.lower()}.example"
	profile.append("preferences", {"category": "Product", "preference": f"{label} likes green tea"})
	profile.append("preferences", {"category": "Delivery", "preference": f"{label} wants morning delivery"})
	profile.notes = f"<p>{label} notes</p>"
	profile.save()
	make_interaction(customer, subject=f"{label} call")
	make_interaction(customer, subject=f"{label} visit", interaction_type="Visit")
	record_consent(customer, "Marketing Email", "Granted")
	record_consent(customer, "Marketing SMS", "Withdrawn")
	make_contact(customer)
	make_order(customer, add_days(nowdate(), -10), rate=100)
	frappe.get_doc(
		{
			"doctype": "Customer Profile Change",
			"customer_profile": customer,
			"customer": customer,
			"change_type": "Tier",
			"from_value": "",
			"to_value": "Gold",
			"changed_on": frappe.utils.now_datetime(),
			"reason": "Rule",
		}
	).insert(ignore_permissions=True)
	return customer


def _rows(customer: str) -> dict[str, int]:
	"""Rows of each kind that belong to a customer, counted straight from the tables."""
	count = lambda dt, **f: frappe.db.count(dt, f)  # noqa: E731
	return {
		"Sales Order": count("Sales Order", customer=customer),
		"Customer Interaction": count("Customer Interaction", customer=customer),
		"Customer Consent": count("Customer Consent", customer=customer),
		"Customer Preference": count("Customer Preference", parenttype=PROFILE, parent=customer),
		"Customer Profile Change": count("Customer Profile Change", customer_profile=customer),
		"Contact links": count(
			"Dynamic Link", link_doctype="Customer", link_name=customer, parenttype="Contact"
		),
	}


def _log(source: str, target: str, values: dict | None = None) -> str:
	return merge.merge_customers(source, target, json.dumps(values or {}))


def test_merge_keeps_everything_and_the_chosen_values():
	source, target = _rich_customer("Source"), _rich_customer("Target")
	before = {k: v + _rows(target)[k] for k, v in _rows(source).items()}
	assert all(before.values()), before
	source_email = frappe.db.get_value(PROFILE, source, "email_id")

	log = _log(source, target, {"email_id": "source", "notes": "target"})
	assert merge.run_merge(log, commit=False) == "Completed"

	assert not frappe.db.exists("Customer", source) and not frappe.db.exists(PROFILE, source)
	assert _rows(target) == before
	assert frappe.db.get_value(PROFILE, target, "email_id") == source_email
	# the target's figures count both customers' orders at once, not after the nightly refresh
	assert frappe.db.get_value(PROFILE, target, ["order_count", "lifetime_value"]) == (2, 200)
	purposes = frappe.get_all("Customer Consent", filters={"customer": target}, pluck="profile")
	assert set(purposes) == {target}
	logged = frappe.get_doc("Customer Merge Log", log)
	assert logged.status == "Completed" and logged.merged_by == "Administrator"
	assert not merge.lost_rows(json.loads(logged.counts_before), json.loads(logged.counts_after))
	assert frappe.db.exists(
		"Comment",
		{"reference_doctype": "Customer", "reference_name": target, "content": ("like", f"%{source}%")},
	)


def test_a_merge_that_fails_part_way_changes_nothing(monkeypatch):
	source, target = _rich_customer("Source"), _rich_customer("Target")
	snapshot = {
		c: (_rows(c), frappe.db.get_value(PROFILE, c, ["email_id", "notes"])) for c in (source, target)
	}

	def fail(*args, **kwargs):
		raise RuntimeError("disk full while moving versions")

	# The profile merge has already moved child rows and links when this step fails.
	monkeypatch.setattr("crm_profiles.profiles.sync.rename_versions", fail)
	log = _log(source, target, {"email_id": "source"})
	assert merge.run_merge(log, commit=False) == "Failed"

	for customer in (source, target):
		assert frappe.db.exists("Customer", customer) and frappe.db.exists(PROFILE, customer)
		assert (_rows(customer), frappe.db.get_value(PROFILE, customer, ["email_id", "notes"])) == snapshot[
			customer
		]
	logged = frappe.get_doc("Customer Merge Log", log)
	assert logged.status == "Failed" and "disk full" in logged.error


def test_preview_shows_both_sides_and_what_moves():
	source, target = _rich_customer("Source"), _rich_customer("Target")
	preview = merge.get_merge_preview(source, target)
	email = next(f for f in preview["fields"] if f["fieldname"] == "email_id")
	assert email["source"] == frappe.db.get_value(PROFILE, source, "email_id") and email["differs"]
	assert preview["counts"]["Customer Interaction.customer"] == 4


def test_a_crm_user_may_not_merge():
	source, target = make_customer().name, make_customer().name
	make_user("crm.user@crm-profiles.test", ["CRM User"])
	frappe.set_user("crm.user@crm-profiles.test")
	with pytest.raises(frappe.PermissionError):
		merge.get_merge_preview(source, target)
	with pytest.raises(frappe.PermissionError):
		merge.merge_customers(source, target)


def test_merging_a_customer_into_itself_is_refused():
	customer = make_customer().name
	with pytest.raises(frappe.ValidationError):
		merge.merge_customers(customer, customer)


def test_unknown_chosen_fields_are_dropped():
	source, target = make_customer().name, make_customer().name
	log = _log(
		source, target, {"email_id": "source", "name": "source", "owner": "source", "lifetime_value": "x"}
	)
	assert json.loads(frappe.db.get_value("Customer Merge Log", log, "chosen_values")) == {
		"email_id": "source"
	}


def _with_personal_id(customer: str, value: str) -> str:
	profile = frappe.get_doc(PROFILE, customer)
	profile.personal_id = value
	profile.save()
	assert frappe.db.get_value(PROFILE, customer, "personal_id") != value  # stored as a mask
	return customer


def _personal_id(customer: str) -> str | None:
	return frappe.get_doc(PROFILE, customer).get_password("personal_id", raise_exception=False)


def test_the_encrypted_personal_id_survives_a_merge_into_a_profile_without_one():
	source = _with_personal_id(make_customer().name, "SRC-310101199005170011")
	target = make_customer().name
	assert merge.run_merge(_log(source, target), commit=False) == "Completed"
	assert _personal_id(target) == "SRC-310101199005170011"
	assert not frappe.db.exists("__Auth", {"doctype": PROFILE, "name": source})


def test_a_chosen_personal_id_is_the_value_not_its_mask():
	source = _with_personal_id(make_customer().name, "SRC-A-11")
	target = _with_personal_id(make_customer().name, "TGT-B-22")
	preview = merge.get_merge_preview(source, target)
	row = next(f for f in preview["fields"] if f["fieldname"] == "personal_id")
	assert row["differs"] and "SRC-A-11" not in json.dumps(preview, default=str)

	assert merge.run_merge(_log(source, target, {"personal_id": "source"}), commit=False) == "Completed"
	assert _personal_id(target) == "SRC-A-11"
	assert set(frappe.db.get_value(PROFILE, target, "personal_id")) == {"*"}

	other = _with_personal_id(make_customer().name, "OTHER-3")
	assert merge.run_merge(_log(other, target), commit=False) == "Completed"  # the target keeps its own
	assert _personal_id(target) == "SRC-A-11"
