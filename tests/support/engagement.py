"""Factories for the records that interactions are captured from, and for follow-up tests."""

from __future__ import annotations

import frappe

from support.factories import make_customer, unique


def make_contact(customer: str, email: str | None = None) -> frappe.model.document.Document:
	email = email or f"{frappe.generate_hash(length=10)}@customer.example"
	doc = frappe.get_doc(
		{
			"doctype": "Contact",
			"first_name": unique("_CRM Contact"),
			"email_ids": [{"email_id": email, "is_primary": 1}],
			"links": [{"link_doctype": "Customer", "link_name": customer}],
		}
	)
	doc.insert(ignore_permissions=True)
	return doc


def make_email(recipients: str, subject: str | None = None, **values) -> frappe.model.document.Document:
	doc = frappe.get_doc(
		{
			"doctype": "Communication",
			"communication_type": "Communication",
			"communication_medium": "Email",
			"sent_or_received": values.pop("sent_or_received", "Sent"),
			"subject": subject or unique("Quote follow-up"),
			"content": "<p>Here is the quote we discussed.</p>",
			"sender": values.pop("sender", "sales@our-company.example"),
			"recipients": recipients,
			**values,
		}
	)
	doc.insert(ignore_permissions=True)
	return doc


def make_tier(interval_days: int, name: str | None = None) -> str:
	name = name or unique("_CRM Tier")
	frappe.get_doc(
		{"doctype": "Customer Tier", "tier_name": name, "rank": 1, "follow_up_interval_days": interval_days}
	).insert(ignore_permissions=True)
	return name


def make_owned_customer(owner: str, tier: str | None = None, **profile_values) -> str:
	"""A customer whose profile has an account owner (and tier); returns the customer name."""
	customer = make_customer().name
	values = {"account_owner": owner, **profile_values}
	if tier:
		values["tier"] = tier
	frappe.db.set_value("Customer Profile", customer, values)
	return customer


def interactions_from(doctype: str, name: str) -> list[str]:
	return frappe.get_all(
		"Customer Interaction", filters={"reference_doctype": doctype, "reference_name": name}, pluck="name"
	)


def open_todos(reference_type: str, reference_name: str) -> list[dict]:
	return frappe.get_all(
		"ToDo",
		filters={"reference_type": reference_type, "reference_name": reference_name, "status": "Open"},
		fields=["name", "allocated_to", "date", "status"],
	)
