"""The shipped complaint workflow: Open -> In Progress -> Resolved -> Closed, by role."""

from __future__ import annotations

import frappe
import pytest
from frappe.model.workflow import WorkflowPermissionError, apply_workflow, get_transitions
from support.factories import make_customer, make_interaction, make_user

CRM_USER = "crm.complaints.user@crm-profiles.test"
CRM_MANAGER = "crm.complaints.manager@crm-profiles.test"


def test_workflow_is_shipped_and_active():
	workflow = frappe.get_doc("Workflow", "Customer Complaint")
	assert workflow.is_active and workflow.document_type == "Customer Interaction"
	assert [s.state for s in workflow.states] == ["Open", "In Progress", "Resolved", "Closed"]


def test_transitions_are_allowed_and_refused_by_role():
	make_user(CRM_USER, ["CRM User"])
	make_user(CRM_MANAGER, ["CRM Manager"])
	complaint = make_interaction(make_customer().name, interaction_type="Complaint", subject="Damaged parcel")
	assert complaint.complaint_status == "Open"

	frappe.set_user(CRM_USER)
	doc = apply_workflow(frappe.get_doc("Customer Interaction", complaint.name), "Start Work")
	assert doc.complaint_status == "In Progress"
	doc = apply_workflow(frappe.get_doc("Customer Interaction", complaint.name), "Resolve")
	assert (doc.complaint_status, doc.status) == ("Resolved", "Completed")
	assert "Close" not in [
		t.action for t in get_transitions(frappe.get_doc("Customer Interaction", complaint.name))
	]
	with pytest.raises(frappe.ValidationError):
		apply_workflow(frappe.get_doc("Customer Interaction", complaint.name), "Close")
	doc = frappe.get_doc("Customer Interaction", complaint.name)
	doc.complaint_status = "Closed"
	with pytest.raises(WorkflowPermissionError):
		doc.save()

	frappe.set_user(CRM_MANAGER)
	doc = apply_workflow(frappe.get_doc("Customer Interaction", complaint.name), "Close")
	assert doc.complaint_status == "Closed"


def test_other_interactions_have_no_complaint_transitions():
	call = make_interaction(make_customer().name, interaction_type="Call")
	assert get_transitions(frappe.get_doc("Customer Interaction", call.name)) == []


def workflow_action_states(interaction: str) -> list[str]:
	return frappe.get_all(
		"Workflow Action",
		filters={"reference_doctype": "Customer Interaction", "reference_name": interaction},
		pluck="workflow_state",
	)


def test_a_new_complaint_gets_its_workflow_action_and_a_new_call_none():
	customer = make_customer().name
	complaint = make_interaction(customer, interaction_type="Complaint", subject="Broken seal")
	call = make_interaction(customer, interaction_type="Call")
	assert workflow_action_states(complaint.name) == ["Open"]
	assert workflow_action_states(call.name) == []
	assert call.complaint_status == "Open"  # Frappe's validate still sets the first state


def test_a_transition_out_of_open_without_condition_gives_calls_workflow_actions_again():
	"""The app leaves Frappe's process_workflow_actions out only while it has nothing to create: the
	live transitions decide, so an admin's unconditioned transition makes it run for a call too."""
	workflow = frappe.get_doc("Workflow", "Customer Complaint")
	workflow.append(
		"transitions",
		{
			"state": "Open",
			"action": "Start Work",
			"next_state": "In Progress",
			"allowed": "System Manager",
			"allow_self_approval": 1,
		},
	)
	workflow.save()
	call = make_interaction(make_customer().name, interaction_type="Call")
	assert workflow_action_states(call.name) == ["Open"]


@pytest.mark.parametrize(
	"condition",
	[
		'doc.interaction_type == "Complaint"',
		"doc.interaction_type in ('Call', 'Visit') and not doc.rating",
		"frappe.session.user == 'Administrator' or doc.status == 'Open'",
		"",
		None,
	],
)
def test_a_transition_condition_holds_as_frappes_own_check_says(condition):
	"""``compat.workflow_condition_holds`` (compiled once on Frappe 15) answers as Frappe's check."""
	from frappe.model.workflow import is_transition_condition_satisfied

	from crm_profiles.compat import workflow_condition_holds

	customer = make_customer().name
	for kind in ("Call", "Complaint"):
		doc = frappe.new_doc("Customer Interaction")
		doc.update({"customer": customer, "interaction_type": kind, "subject": "x", "status": "Open"})
		expected = is_transition_condition_satisfied(frappe._dict(condition=condition), doc)
		assert workflow_condition_holds(condition, doc) == expected
		assert workflow_condition_holds(condition, doc) == expected  # compiled once, then reused


@pytest.mark.parametrize("condition", ["(x := 1)", "doc.__class__", "__import__('os')"])
def test_a_condition_frappe_refuses_is_refused_alike(condition):
	from frappe.model.workflow import is_transition_condition_satisfied

	from crm_profiles.compat import workflow_condition_holds

	doc = frappe.new_doc("Customer Interaction")
	with pytest.raises(Exception) as frappes:
		is_transition_condition_satisfied(frappe._dict(condition=condition), doc)
	with pytest.raises(type(frappes.value)):
		workflow_condition_holds(condition, doc)
