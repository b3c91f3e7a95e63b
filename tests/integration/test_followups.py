"""Follow-up ToDos (回访): from interactions, from tier contact intervals, and periodic reviews."""

from __future__ import annotations

import frappe
import pytest
from frappe.utils import get_datetime
from freezegun import freeze_time
from support.engagement import make_owned_customer, make_tier, open_todos
from support.factories import make_customer, make_interaction, make_user

from crm_profiles.interactions.engagement import refresh_engagement
from crm_profiles.interactions.followups import (
	create_review_todos,
	create_tier_follow_ups,
	overdue_complaints,
)

INTERACTION = "Customer Interaction"
OWNER = "crm.owner@crm-profiles.test"


@pytest.fixture
def owner():
	return make_user(OWNER, ["CRM User"])


@pytest.fixture
def other():
	"""Made outside the frozen clock: Frappe throttles new users by how many were created in the hour
	before "now", and every user of the site was created after a frozen March morning."""
	return make_user("crm.other@crm-profiles.test", ["CRM User"])


@freeze_time("2026-03-02 10:00:00")
def test_interaction_follow_up_creates_its_todo_and_completing_it_closes_it(owner):
	customer = make_customer().name
	call = make_interaction(
		customer, follow_up_required=1, follow_up_date="2026-03-09", follow_up_assignee=owner
	)
	[todo] = open_todos(INTERACTION, call.name)
	assert (todo.allocated_to, str(todo.date)) == (owner, "2026-03-09")
	assert str(frappe.db.get_value("Customer Profile", customer, "next_follow_up_date")) == "2026-03-09"

	call.reload()
	call.save()  # re-saving never adds a second ToDo
	assert len(open_todos(INTERACTION, call.name)) == 1

	with freeze_time("2026-03-10 09:00:00"):
		refresh_engagement([customer])
		assert frappe.db.get_value("Customer Profile", customer, "follow_up_overdue") == 1
		make_interaction(customer, interaction_type="Follow-up", follow_up_of=call.name, status="Completed")
	assert open_todos(INTERACTION, call.name) == []
	assert frappe.db.get_value("ToDo", todo.name, "status") == "Closed"
	assert frappe.db.get_value(
		"Customer Profile", customer, ["next_follow_up_date", "follow_up_overdue"]
	) == (None, 0)


@freeze_time("2026-03-02 10:00:00")
def test_unticking_the_follow_up_cancels_its_todo_and_a_new_assignee_gets_a_new_one(owner, other):
	call = make_interaction(
		make_customer().name, follow_up_required=1, follow_up_date="2026-03-05", follow_up_assignee=owner
	)
	call.reload()
	call.follow_up_assignee = other
	call.save()
	assert [t.allocated_to for t in open_todos(INTERACTION, call.name)] == [other]
	call.reload()
	call.follow_up_required = 0
	call.save()
	assert open_todos(INTERACTION, call.name) == []


def test_tier_interval_job_creates_todos_only_where_due_and_never_twice(owner):
	tier = make_tier(30)
	with freeze_time("2026-01-05 10:00:00"):
		contacted_recently = make_owned_customer(owner, tier)
		silent = make_owned_customer(owner, tier)
		do_not_contact = make_owned_customer(owner, tier, do_not_contact=1)
		no_interval = make_owned_customer(owner, make_tier(0))
		make_interaction(silent, subject="Welcome call")
		make_interaction(do_not_contact, subject="Welcome call")
		make_interaction(no_interval, subject="Welcome call")
	with freeze_time("2026-02-01 10:00:00"):
		make_interaction(contacted_recently, subject="Checked the delivery")

	with freeze_time("2026-02-10 06:00:00"):
		create_tier_follow_ups()
		due = {
			c for c in (contacted_recently, silent, do_not_contact, no_interval) if open_todos("Customer", c)
		}
		assert due == {silent}
		[todo] = open_todos("Customer", silent)
		assert todo.allocated_to == owner
		assert create_tier_follow_ups() == []  # one is open: never a second
		assert len(open_todos("Customer", silent)) == 1
		assert frappe.db.get_value("Customer Profile", silent, "next_follow_up_date") is not None

	with freeze_time("2026-02-11 09:00:00"):
		make_interaction(silent, interaction_type="Follow-up", subject="Called back")
		assert open_todos("Customer", silent) == []
		assert frappe.db.get_value("ToDo", todo.name, "status") == "Closed"
		create_tier_follow_ups()
		assert open_todos("Customer", silent) == []  # contacted yesterday: not due again

	with freeze_time("2026-03-14 06:00:00"):
		create_tier_follow_ups()
		assert len(open_todos("Customer", silent)) == 1  # 31 days later it is due again
		assert open_todos("Customer", do_not_contact) == []


def test_open_interaction_follow_up_counts_as_an_open_follow_up(owner):
	tier = make_tier(10)
	with freeze_time("2026-01-05 10:00:00"):
		customer = make_owned_customer(owner, tier)
		make_interaction(
			customer, follow_up_required=1, follow_up_date="2026-02-20", follow_up_assignee=owner
		)
	with freeze_time("2026-02-10 06:00:00"):
		create_tier_follow_ups()
		assert open_todos("Customer", customer) == []


def test_review_job_assigns_reviews_when_the_interval_passed(owner):
	frappe.db.set_single_value("CRM Profile Settings", "review_interval_days", 90)
	with freeze_time("2026-01-05 10:00:00"):
		reviewed = make_owned_customer(owner, last_reviewed_on="2026-05-01")
		stale = make_owned_customer(owner, last_reviewed_on="2026-01-02")
	with freeze_time("2026-06-01 06:00:00"):
		create_review_todos()
		assert open_todos("Customer Profile", reviewed) == []
		[todo] = open_todos("Customer Profile", stale)
		assert todo.allocated_to == owner
		create_review_todos()
		assert len(open_todos("Customer Profile", stale)) == 1

		profile = frappe.get_doc("Customer Profile", stale)
		profile.last_reviewed_on = "2026-06-01"
		profile.save()
		assert open_todos("Customer Profile", stale) == []


def test_complaints_get_a_response_due_date_and_overdue_ones_are_listed():
	frappe.db.set_single_value("CRM Profile Settings", "complaint_response_hours", 8)
	customer = make_customer().name
	late = make_interaction(
		customer,
		interaction_type="Complaint",
		subject="Late delivery",
		interaction_date="2026-04-01 09:00:00",
	)
	assert get_datetime(late.response_due_on) == get_datetime("2026-04-01 17:00:00")
	fresh = make_interaction(
		customer, interaction_type="Complaint", subject="Wrong colour", interaction_date="2026-04-01 16:00:00"
	)
	overdue = [row.name for row in overdue_complaints(now="2026-04-01 18:00:00")]
	assert late.name in overdue and fresh.name not in overdue


@pytest.fixture
def committed_import():
	"""Data Import commits every row: remove what it made (and the customer) afterwards."""
	made = frappe._dict(customers=[], imports=[], files=[])
	yield made
	frappe.db.rollback()
	for customer in made.customers:
		for name in frappe.get_all(INTERACTION, filters={"customer": customer}, pluck="name"):
			frappe.delete_doc(INTERACTION, name, force=True)  # with its Workflow Actions
		frappe.db.delete("ToDo", {"reference_type": "Customer", "reference_name": customer})
		frappe.delete_doc("Customer", customer, force=True, ignore_missing=True)
	for name in made.imports:
		frappe.db.delete("Data Import Log", {"data_import": name})
		frappe.delete_doc("Data Import", name, force=True, ignore_missing=True)
	for name in made.files:
		frappe.delete_doc("File", name, force=True, ignore_missing=True)
	frappe.db.commit()


ENGAGEMENT = (
	"interaction_count",
	"last_interaction_on",
	"average_csat",
	"open_complaints",
	"last_nps",
	"next_follow_up_date",
	"follow_up_overdue",
)


def test_data_import_of_interactions_leaves_exact_figures_and_closes_the_contact_todo(committed_import):
	"""During a Data Import the figures and the contact-interval ToDos wait for the import's end (once,
	not per row); when it ends they equal a fresh recompute."""
	from frappe.core.doctype.data_import.data_import import start_import

	customer = make_customer().name
	committed_import.customers.append(customer)
	contact_todo = frappe.get_doc(
		{
			"doctype": "ToDo",
			"description": "Contact interval",
			"reference_type": "Customer",
			"reference_name": customer,
			"allocated_to": "Administrator",
			"date": "2026-01-15",
		}
	).insert(ignore_permissions=True)
	frappe.db.commit()
	rows = [
		"customer,interaction_type,channel,interaction_date,status,subject,rating,nps",
		f"{customer},Call,Phone,2026-01-10 09:00:00,Completed,Imported call,4,9",
		f"{customer},Visit,In Person,2026-01-12 09:00:00,Completed,Imported visit,2,",
		f"{customer},Complaint,Phone,2026-01-11 09:00:00,Open,Imported complaint,0,",
	]
	file = frappe.get_doc(
		{"doctype": "File", "file_name": "_crm_interactions.csv", "content": "\n".join(rows), "is_private": 1}
	).insert(ignore_permissions=True)
	committed_import.files.append(file.name)
	data_import = frappe.get_doc(
		{
			"doctype": "Data Import",
			"reference_doctype": INTERACTION,
			"import_type": "Insert New Records",
			"import_file": file.file_url,
		}
	).insert(ignore_permissions=True)
	committed_import.imports.append(data_import.name)
	frappe.db.commit()

	start_import(data_import.name)
	frappe.db.commit()  # what the background job does after start_import

	assert frappe.db.get_value("Data Import", data_import.name, "status") == "Success"
	assert frappe.db.count(INTERACTION, {"customer": customer}) == 3
	assert frappe.db.get_value("ToDo", contact_todo.name, "status") == "Closed"
	imported = frappe.db.get_value("Customer Profile", customer, ENGAGEMENT, as_dict=True)
	assert (imported.interaction_count, imported.average_csat, imported.open_complaints) == (3, 3, 1)
	assert (str(imported.last_interaction_on), imported.last_nps) == ("2026-01-12 09:00:00", "9")
	refresh_engagement([customer])
	assert frappe.db.get_value("Customer Profile", customer, ENGAGEMENT, as_dict=True) == imported
