"""Real ERPNext records for integration tests, made through the ORM."""

from __future__ import annotations

import frappe
from frappe.utils import random_string

TEST_PASSWORD = "Crm-Profiles-Test-2026!"


def unique(prefix: str) -> str:
	return f"{prefix} {random_string(8)}"


def make_territory(name: str | None = None) -> str:
	name = name or unique("_CRM Territory")
	if not frappe.db.exists("Territory", name):
		frappe.get_doc(
			{"doctype": "Territory", "territory_name": name, "parent_territory": "All Territories"}
		).insert(ignore_permissions=True)
	return name


def make_customer(name: str | None = None, **values) -> frappe.model.document.Document:
	doc = frappe.get_doc(
		{
			"doctype": "Customer",
			"customer_name": name or unique("_CRM Customer"),
			"customer_type": "Company",
			"customer_group": values.pop("customer_group", None) or "All Customer Groups",
			"territory": values.pop("territory", None) or "All Territories",
			**values,
		}
	)
	doc.insert(ignore_permissions=True)
	return doc


def make_interaction(customer: str, **values) -> frappe.model.document.Document:
	doc = frappe.get_doc(
		{
			"doctype": "Customer Interaction",
			"customer": customer,
			"interaction_type": values.pop("interaction_type", "Call"),
			"subject": values.pop("subject", "Checked in on the last order"),
			**values,
		}
	)
	doc.insert()
	return doc


def make_user(email: str, roles: list[str], territory: str | None = None) -> str:
	"""A desk user with exactly these roles and, optionally, a User Permission on one Territory."""
	if not frappe.db.exists("User", email):
		frappe.get_doc(
			{
				"doctype": "User",
				"email": email,
				"first_name": email.split("@")[0],
				"send_welcome_email": 0,
				"user_type": "System User",
			}
		).insert(ignore_permissions=True)
	user = frappe.get_doc("User", email)
	user.set("roles", [])
	user.add_roles(*roles)
	frappe.db.delete("User Permission", {"user": email})
	if territory:
		frappe.get_doc(
			{
				"doctype": "User Permission",
				"user": email,
				"allow": "Territory",
				"for_value": territory,
				"apply_to_all_doctypes": 1,
			}
		).insert(ignore_permissions=True)
	frappe.clear_cache(user=email)
	return email
