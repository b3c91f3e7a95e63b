"""Automatic capture: emails, calls, issues, events and appointments become one interaction each."""

from __future__ import annotations

import frappe
from frappe.utils import add_days, now_datetime
from support.engagement import interactions_from, make_contact, make_email
from support.factories import make_customer

INTERACTION = "Customer Interaction"


def test_email_to_a_customer_contact_becomes_one_interaction_even_after_resave():
	customer = make_customer().name
	contact = make_contact(customer)
	email = make_email(contact.email_id)

	created = interactions_from("Communication", email.name)
	assert len(created) == 1
	interaction = frappe.get_doc(INTERACTION, created[0])
	assert (interaction.customer, interaction.interaction_type, interaction.direction) == (
		customer,
		"Email",
		"Outbound",
	)
	assert interaction.contact_person == contact.name
	assert interaction.subject == email.subject

	email.reload()
	email.subject = email.subject + " (edited)"
	email.save(ignore_permissions=True)
	email.save(ignore_permissions=True)
	assert interactions_from("Communication", email.name) == created
	assert frappe.db.get_value(INTERACTION, created[0], "subject").endswith("(edited)")


def test_received_email_linked_to_the_customer_is_inbound():
	customer = make_customer().name
	email = make_email(
		"sales@our-company.example",
		sender="someone@unknown.example",
		sent_or_received="Received",
		reference_doctype="Customer",
		reference_name=customer,
	)
	[name] = interactions_from("Communication", email.name)
	assert frappe.db.get_value(INTERACTION, name, ["customer", "direction"]) == (customer, "Inbound")


def test_unrelated_email_creates_no_interaction():
	make_customer()
	before = frappe.db.count(INTERACTION)
	email = make_email("stranger@nowhere.example", sender="other@nowhere.example")
	email.save(ignore_permissions=True)
	assert interactions_from("Communication", email.name) == []
	assert frappe.db.count(INTERACTION) == before


def other_communication_types() -> list[str]:
	"""Frappe 15 offers Comment, Chat, Notification, Feedback and Automated Message; 16 only the last."""
	options = frappe.get_meta("Communication").get_field("communication_type").options.split("\n")
	return [o for o in options if o and o != "Communication"]


def test_comments_and_other_non_email_communications_are_not_captured():
	customer = make_customer().name
	kinds = other_communication_types()
	assert "Automated Message" in kinds
	for kind in kinds:
		note = frappe.get_doc(
			{
				"doctype": "Communication",
				"communication_type": kind,
				"communication_medium": "Email",
				"content": "internal note",
				"reference_doctype": "Customer",
				"reference_name": customer,
			}
		).insert(ignore_permissions=True)
		assert interactions_from("Communication", note.name) == [], kind


def test_call_log_becomes_one_call():
	customer = make_customer().name
	call = frappe.get_doc(
		{
			"doctype": "Call Log",
			"id": frappe.generate_hash(length=12),
			"from": "+4915112345678",
			"to": "+4930123456",
			"type": "Incoming",
			"status": "Completed",
			"start_time": now_datetime(),
			"links": [{"link_doctype": "Customer", "link_name": customer}],
		}
	).insert(ignore_permissions=True)
	[name] = interactions_from("Call Log", call.name)
	values = frappe.db.get_value(INTERACTION, name, ["customer", "interaction_type", "direction", "channel"])
	assert values == (customer, "Call", "Inbound", "Phone")
	call.reload()
	call.summary = "Asked about delivery dates"
	call.save(ignore_permissions=True)
	assert interactions_from("Call Log", call.name) == [name]
	assert frappe.db.get_value(INTERACTION, name, "summary") == "Asked about delivery dates"


def test_issue_becomes_one_complaint_and_follows_its_resolution():
	customer = make_customer().name
	issue = frappe.get_doc({"doctype": "Issue", "subject": "Broken on arrival", "customer": customer}).insert(
		ignore_permissions=True
	)
	[name] = interactions_from("Issue", issue.name)
	complaint = frappe.get_doc(INTERACTION, name)
	assert (complaint.interaction_type, complaint.complaint_status, complaint.status) == (
		"Complaint",
		"Open",
		"Open",
	)
	assert complaint.response_due_on
	assert frappe.db.get_value("Customer Profile", customer, "open_complaints") == 1

	issue.reload()
	issue.status = "Resolved"
	issue.save(ignore_permissions=True)
	assert interactions_from("Issue", issue.name) == [name]
	assert frappe.db.get_value(INTERACTION, name, ["complaint_status", "status"]) == ("Resolved", "Completed")
	assert frappe.db.get_value("Customer Profile", customer, "open_complaints") == 0


def test_event_with_the_customer_becomes_one_meeting():
	customer = make_customer().name
	event = frappe.get_doc(
		{
			"doctype": "Event",
			"subject": "Quarterly review",
			"event_category": "Meeting",
			"event_type": "Public",
			"starts_on": add_days(now_datetime(), 3),
			"event_participants": [{"reference_doctype": "Customer", "reference_docname": customer}],
		}
	).insert(ignore_permissions=True)
	[name] = interactions_from("Event", event.name)
	assert frappe.db.get_value(INTERACTION, name, ["customer", "interaction_type", "status"]) == (
		customer,
		"Meeting",
		"Open",
	)
	event.reload()
	event.status = "Completed"
	event.save(ignore_permissions=True)
	assert interactions_from("Event", event.name) == [name]
	assert frappe.db.get_value(INTERACTION, name, "status") == "Completed"


def test_appointment_with_the_customer_becomes_one_meeting():
	customer = make_customer().name
	appointment = frappe.new_doc("Appointment")
	appointment.update(
		{
			"scheduled_time": add_days(now_datetime(), -1),
			"customer_name": "Walk-in",
			"customer_email": "walkin@customer.example",
			"appointment_with": "Customer",
			"party": customer,
			"status": "Open",
		}
	)
	appointment.flags.ignore_mandatory = True
	appointment.insert(ignore_permissions=True)
	appointment.save(ignore_permissions=True)
	[name] = interactions_from("Appointment", appointment.name)
	assert frappe.db.get_value(INTERACTION, name, ["customer", "interaction_type"]) == (customer, "Meeting")


def test_disabled_source_is_not_captured():
	customer = make_customer().name
	frappe.db.set_single_value("CRM Profile Settings", "capture_calls", 0)
	call = frappe.get_doc(
		{
			"doctype": "Call Log",
			"id": frappe.generate_hash(length=12),
			"from": "+4915112345678",
			"to": "+4930123456",
			"type": "Outgoing",
			"status": "Completed",
			"links": [{"link_doctype": "Customer", "link_name": customer}],
		}
	).insert(ignore_permissions=True)
	assert interactions_from("Call Log", call.name) == []


def test_deleting_a_source_marks_its_interaction_and_keeps_it():
	customer = make_customer().name
	contact = make_contact(customer)
	email = make_email(contact.email_id)
	[name] = interactions_from("Communication", email.name)

	frappe.delete_doc("Communication", email.name, ignore_permissions=True)

	kept = frappe.get_doc(INTERACTION, name)
	assert kept.source_deleted == 1
	assert kept.deleted_source_name == email.name
	assert kept.reference_doctype == "Communication" and not kept.reference_name
	assert frappe.db.get_value("Customer Profile", customer, "interaction_count") == 1
