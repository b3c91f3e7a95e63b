"""Profiles follow their ERPNext Customers: creation, sync, rename, merge and deletion."""

from __future__ import annotations

import frappe
import pytest
from support.factories import make_customer, make_interaction, make_territory, unique

from crm_profiles.profiles.sync import create_missing_profiles

PROFILE = "Customer Profile"


def profile_count(customer: str) -> int:
	return frappe.db.count(PROFILE, {"customer": customer})


def add_preferences(customer: str, *names: str) -> None:
	profile = frappe.get_doc(PROFILE, customer)
	for name in names:
		profile.append("preferences", {"category": "Product", "preference": name, "source": "Interview"})
	profile.save()


def test_customer_insert_creates_exactly_one_profile():
	customer = make_customer(territory=make_territory(), industry=None, website="https://example.com")
	profile = frappe.get_doc(PROFILE, customer.name)
	assert profile.customer == customer.name
	assert profile.customer_name == customer.customer_name
	assert profile.territory == customer.territory
	assert profile.customer_group == customer.customer_group
	assert profile.organization == customer.customer_name
	assert profile.website == "https://example.com"
	assert profile.lifecycle_stage == "Prospect"
	assert profile_count(customer.name) == 1


def test_setting_off_creates_no_profile_and_first_interaction_creates_it():
	frappe.db.set_single_value("CRM Profile Settings", "auto_create_profiles", 0)
	customer = make_customer()
	assert profile_count(customer.name) == 0
	interaction = make_interaction(customer.name)
	assert profile_count(customer.name) == 1
	assert frappe.db.get_value("Customer Interaction", interaction.name, "profile") == customer.name


def test_backfill_is_set_based_and_idempotent():
	frappe.db.set_single_value("CRM Profile Settings", "auto_create_profiles", 0)
	names = [make_customer().name for _ in range(5)]
	assert create_missing_profiles(names) == 5
	assert create_missing_profiles(names) == 0
	assert all(profile_count(n) == 1 for n in names)


def test_customer_changes_flow_to_profile_and_interactions():
	customer = make_customer(territory=make_territory())
	interaction = make_interaction(customer.name)
	new_territory = make_territory()
	customer.reload()
	customer.territory = new_territory
	customer.customer_name = "Renamed Display Name"
	customer.save()
	assert frappe.db.get_value(PROFILE, customer.name, ["territory", "customer_name"]) == (
		new_territory,
		"Renamed Display Name",
	)
	assert frappe.db.get_value("Customer Interaction", interaction.name, "territory") == new_territory


def test_rename_moves_profile_preferences_and_interactions():
	customer = make_customer()
	add_preferences(customer.name, "Prefers email", "Monthly delivery")
	interaction = make_interaction(customer.name)
	new_name = unique("_CRM Renamed")

	frappe.rename_doc("Customer", customer.name, new_name)

	assert not frappe.db.exists(PROFILE, customer.name)
	profile = frappe.get_doc(PROFILE, new_name)
	assert profile.customer == new_name
	assert [p.preference for p in profile.preferences] == ["Prefers email", "Monthly delivery"]
	assert frappe.db.get_value("Customer Interaction", interaction.name, ["customer", "profile"]) == (
		new_name,
		new_name,
	)
	assert frappe.db.count(PROFILE, {"customer": ("in", [customer.name, new_name])}) == 1


def test_merge_keeps_one_profile_and_the_union_of_children():
	keep = make_customer()
	gone = make_customer()
	add_preferences(keep.name, "Keeps A")
	add_preferences(gone.name, "Gone B", "Gone C")
	frappe.db.set_value(PROFILE, gone.name, {"position": "Buyer", "notes": "<p>from gone</p>"})
	interactions = [
		make_interaction(keep.name).name,
		make_interaction(gone.name).name,
		make_interaction(gone.name).name,
	]

	frappe.rename_doc("Customer", gone.name, keep.name, merge=True)

	assert not frappe.db.exists("Customer", gone.name)
	assert not frappe.db.exists(PROFILE, gone.name)
	assert profile_count(keep.name) == 1
	profile = frappe.get_doc(PROFILE, keep.name)
	assert sorted(p.preference for p in profile.preferences) == ["Gone B", "Gone C", "Keeps A"]
	assert sorted(p.idx for p in profile.preferences) == [1, 2, 3]
	assert profile.position == "Buyer"
	assert "from gone" in profile.notes
	for name in interactions:
		assert frappe.db.get_value("Customer Interaction", name, ["customer", "profile"]) == (
			keep.name,
			keep.name,
		)
	assert frappe.db.count("Customer Preference", {"parent": gone.name, "parenttype": PROFILE}) == 0


def test_deleting_a_customer_deletes_its_profile():
	customer = make_customer()
	add_preferences(customer.name, "Anything")
	frappe.delete_doc("Customer", customer.name)
	assert not frappe.db.exists(PROFILE, customer.name)
	assert frappe.db.count("Customer Preference", {"parent": customer.name}) == 0


def test_deleting_a_customer_with_interactions_is_blocked():
	customer = make_customer()
	make_interaction(customer.name)
	with pytest.raises(frappe.LinkExistsError, match="interaction"):
		frappe.delete_doc("Customer", customer.name)
	assert frappe.db.exists("Customer", customer.name)
	assert frappe.db.exists(PROFILE, customer.name)


def test_lead_conversion_creates_profile_with_the_leads_source():
	"""Lead's source is `source` -> Lead Source on v15 and `utm_source` -> UTM Source on v16."""
	from erpnext.crm.doctype.lead.lead import make_customer as customer_from_lead

	from crm_profiles.compat import LEAD_SOURCE_DOCTYPE, LEAD_SOURCE_FIELD

	source = unique("_CRM Trade Fair")
	frappe.get_doc({"doctype": LEAD_SOURCE_DOCTYPE, "source_name": source, "name": source}).insert(
		ignore_permissions=True  # test set-up: a source record, as an admin would make it
	)
	lead = frappe.get_doc(
		{
			"doctype": "Lead",
			"first_name": "Wang",
			"last_name": "Fang",
			"company_name": unique("_CRM Lead Co"),
			LEAD_SOURCE_FIELD: source,
		}
	).insert(ignore_permissions=True)
	customer = customer_from_lead(lead.name)
	customer.customer_group = "All Customer Groups"
	customer.territory = "All Territories"
	customer.insert(ignore_permissions=True)
	assert profile_count(customer.name) == 1
	assert frappe.db.get_value(PROFILE, customer.name, "source") == source
	assert frappe.get_meta(PROFILE).get_field("source").options == LEAD_SOURCE_DOCTYPE


@pytest.fixture
def committed_customers():
	"""Customers made through REST or Data Import are committed by another connection: remove them after."""
	names: list[str] = []
	yield names
	frappe.db.rollback()
	for name in names:
		if frappe.db.exists("Customer", name):
			frappe.delete_doc("Customer", name, force=True)
	frappe.db.commit()


def test_customer_made_through_rest_gets_a_profile(committed_customers):
	from support.rest import api_token, call

	name = unique("_CRM REST Customer")
	committed_customers.append(name)
	token = api_token("Administrator")
	response = call(
		"POST",
		"/api/resource/Customer",
		token,
		json={
			"customer_name": name,
			"customer_type": "Company",
			"customer_group": "All Customer Groups",
			"territory": "All Territories",
		},
	)
	assert response.status_code == 200, response.text
	created = response.json["data"]["name"]
	committed_customers.append(created)
	frappe.db.rollback()  # see what the other connection committed
	assert profile_count(created) == 1


def test_customers_made_by_data_import_get_profiles(committed_customers):
	from frappe.core.doctype.data_import.data_import import start_import

	names = [unique("_CRM Import Customer") for _ in range(3)]
	committed_customers.extend(names)
	rows = ["Customer Name,Customer Type,Customer Group,Territory"] + [
		f"{n},Company,All Customer Groups,All Territories" for n in names
	]
	file = frappe.get_doc(
		{
			"doctype": "File",
			"file_name": f"{unique('customers')}.csv",
			"content": "\n".join(rows),
			"is_private": 1,
		}
	).insert()
	data_import = frappe.get_doc(
		{
			"doctype": "Data Import",
			"reference_doctype": "Customer",
			"import_type": "Insert New Records",
			"import_file": file.file_url,
		}
	).insert()
	frappe.db.commit()
	start_import(data_import.name)
	assert frappe.db.get_value("Data Import", data_import.name, "status") == "Success"
	for name in names:
		assert profile_count(name) == 1, name
	frappe.delete_doc("Data Import", data_import.name, force=True)
	frappe.delete_doc("File", file.name, force=True)
	frappe.db.commit()
