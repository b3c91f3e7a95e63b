"""What an admin does in the desk without code: custom fields, workflows, notifications, print and import."""

from __future__ import annotations

import time

import frappe
import pytest
from frappe.custom.doctype.custom_field.custom_field import create_custom_field
from support.factories import make_customer, make_interaction, make_user, unique
from support.metrics import record

PROFILE = "Customer Profile"
INTERACTION = "Customer Interaction"


@pytest.fixture
def custom_fields():
	create_custom_field(
		PROFILE,
		{
			"fieldname": "loyalty_card_no",
			"label": "Loyalty Card No",
			"fieldtype": "Data",
			"insert_after": "mobile_no",
			"in_standard_filter": 1,
		},
	)
	create_custom_field(
		INTERACTION,
		{
			"fieldname": "campaign_code",
			"label": "Campaign Code",
			"fieldtype": "Data",
			"insert_after": "subject",
			"in_standard_filter": 1,
		},
	)
	frappe.clear_cache(doctype=PROFILE)
	frappe.clear_cache(doctype=INTERACTION)
	yield
	_drop_committed_schema(
		custom_fields=[f"{PROFILE}-loyalty_card_no", f"{INTERACTION}-campaign_code"], workflows=[]
	)


def _drop_committed_schema(custom_fields: list[str], workflows: list[str]) -> None:
	"""Adding a column commits (DDL), so what a test made with it outlives the rollback: remove it, or
	every later test and run sees an extra field or an active workflow on the profile."""
	frappe.db.rollback()
	for name in workflows:
		frappe.delete_doc("Workflow", name, force=True, ignore_missing=True)
	for name in custom_fields:
		frappe.delete_doc("Custom Field", name, force=True, ignore_missing=True)
	frappe.db.commit()
	frappe.clear_cache(doctype=PROFILE)
	frappe.clear_cache(doctype=INTERACTION)


@pytest.fixture
def review_workflow_cleanup():
	yield
	names = frappe.get_all(
		"Workflow", filters={"workflow_name": ("like", "_CRM Profile Review%")}, pluck="name"
	)
	_drop_committed_schema(custom_fields=[f"{PROFILE}-crm_review_state"], workflows=names)


def test_custom_fields_reach_form_filters_report_builder_and_import_template(custom_fields):
	from frappe.core.doctype.data_import.exporter import Exporter
	from frappe.desk.reportview import get as reportview_get

	meta = frappe.get_meta(PROFILE)
	field = meta.get_field("loyalty_card_no")
	assert field and field.in_standard_filter  # the form shows it, the list offers it as a filter

	customer = make_customer().name
	profile = frappe.get_doc(PROFILE, customer)
	profile.loyalty_card_no = "LC-0042"
	profile.save()
	interaction = make_interaction(customer, campaign_code="SPRING-26")

	# Report Builder reads through frappe.desk.reportview.get
	frappe.local.form_dict = frappe._dict(
		doctype=PROFILE,
		fields=["`tabCustomer Profile`.`name`", "`tabCustomer Profile`.`loyalty_card_no`"],
		filters=[[PROFILE, "loyalty_card_no", "=", "LC-0042"]],
	)
	result = reportview_get()
	assert result["values"] == [[customer, "LC-0042"]]
	assert frappe.get_list(INTERACTION, filters={"campaign_code": "SPRING-26"}, pluck="name") == [
		interaction.name
	]

	# Data Import template
	exporter = Exporter(
		PROFILE, export_fields={PROFILE: ["customer", "loyalty_card_no"]}, export_data=False, file_type="CSV"
	)
	header = exporter.get_csv_array_for_export()[0]
	assert "Loyalty Card No" in header


def test_admin_can_add_a_workflow_and_a_notification_on_our_doctypes(review_workflow_cleanup):
	for state in ("Draft Review", "Reviewed"):
		if not frappe.db.exists("Workflow State", state):
			frappe.get_doc({"doctype": "Workflow State", "workflow_state_name": state}).insert()
	if not frappe.db.exists("Workflow Action Master", "Approve Review"):
		frappe.get_doc(
			{"doctype": "Workflow Action Master", "workflow_action_name": "Approve Review"}
		).insert()
	workflow = frappe.get_doc(
		{
			"doctype": "Workflow",
			"workflow_name": unique("_CRM Profile Review"),
			"document_type": PROFILE,
			"workflow_state_field": "crm_review_state",
			"is_active": 1,
			"states": [
				{"state": "Draft Review", "doc_status": "0", "allow_edit": "CRM User"},
				{"state": "Reviewed", "doc_status": "0", "allow_edit": "CRM Manager"},
			],
			"transitions": [
				{
					"state": "Draft Review",
					"action": "Approve Review",
					"next_state": "Reviewed",
					"allowed": "CRM Manager",
				}
			],
		}
	).insert()
	assert frappe.get_meta(PROFILE).get_field("crm_review_state"), "the workflow made its state field"
	workflow.is_active = 0
	workflow.save()

	notification = frappe.get_doc(
		{
			"doctype": "Notification",
			"name": unique("_CRM New Complaint"),
			"subject": "New complaint from {{ doc.customer_name }}",
			"document_type": INTERACTION,
			"event": "New",
			"channel": "System Notification",
			"condition": "doc.interaction_type == 'Complaint'",
			"message": "{{ doc.subject }}",
			"recipients": [{"receiver_by_document_field": "interaction_owner"}],
			"enabled": 1,
		}
	).insert()
	customer = make_customer().name
	owner = make_user("crm.notified@crm-profiles.test", ["CRM User"])
	before = frappe.db.count("Notification Log", {"document_type": INTERACTION, "for_user": owner})
	make_interaction(
		customer, interaction_type="Complaint", subject="Parcel arrived damaged", interaction_owner=owner
	)
	make_interaction(customer, interaction_type="Call", subject="Routine call", interaction_owner=owner)
	logs = frappe.get_all(
		"Notification Log",
		filters={"document_type": INTERACTION, "for_user": owner},
		fields=["subject"],
		order_by="creation desc",
	)
	assert len(logs) == before + 1
	assert "New complaint from" in logs[0].subject
	assert notification.name


@pytest.mark.slow
def test_import_10000_interactions_reports_bad_rows_and_keeps_good_ones():
	"""Frappe's importer commits each good row, so this test removes what it imported."""
	from frappe.core.doctype.data_import.data_import import start_import

	customers = [make_customer(unique("_CRM Import Target")).name for _ in range(20)]
	frappe.db.commit()
	rows = ["Customer,Type,Subject,Date and Time,Status,Rating (1-5)"]
	bad = set()
	for i in range(10_000):
		if i % 500 == 7:  # no subject: refused by the mandatory check
			rows.append(f"{customers[i % 20]},Call,,2026-03-01 10:00:00,Completed,3")
			bad.add(i)
		elif i % 500 == 8:  # rating out of range: refused by the interaction's validation
			rows.append(f"{customers[i % 20]},Call,Imported call {i},2026-03-01 10:00:00,Completed,9")
			bad.add(i)
		else:
			rows.append(
				f"{customers[i % 20]},Call,Imported call {i},2026-03-01 10:00:00,Completed,{i % 5 + 1}"
			)
	file = frappe.get_doc(
		{
			"doctype": "File",
			"file_name": f"{unique('interactions')}.csv",
			"content": "\n".join(rows),
			"is_private": 1,
		}
	).insert()
	data_import = frappe.get_doc(
		{
			"doctype": "Data Import",
			"reference_doctype": INTERACTION,
			"import_type": "Insert New Records",
			"import_file": file.file_url,
		}
	).insert()
	frappe.db.commit()
	try:
		started = time.monotonic()
		start_import(data_import.name)
		seconds = time.monotonic() - started
		imported = frappe.db.count(INTERACTION, {"customer": ("in", customers)})
		assert imported == 10_000 - len(bad)
		failures = frappe.get_all(
			"Data Import Log",
			filters={"data_import": data_import.name, "success": 0},
			fields=["row_indexes", "messages"],
		)
		assert len(failures) == len(bad)
		assert frappe.db.get_value("Data Import", data_import.name, "status") == "Partial Success"
		record(
			f"Data Import of 10,000 interactions: {seconds:.1f}s ({10_000 / seconds:.0f} rows/s), {len(bad)} bad rows reported"
		)
	finally:
		frappe.db.rollback()
		frappe.db.delete(INTERACTION, {"customer": ("in", customers)})
		for name in customers:
			frappe.delete_doc("Customer", name, force=True)
		frappe.db.delete("Data Import Log", {"data_import": data_import.name})
		frappe.delete_doc("Data Import", data_import.name, force=True)
		frappe.delete_doc("File", file.name, force=True)
		frappe.db.commit()
