"""The complaint Workflow (Open -> In Progress -> Resolved -> Closed), its states and its actions.

Made once, at install (or by a patch on sites that predate it), and never again: ``bench migrate`` does not
touch it, so an admin's edits in the desk stay. Uninstall removes the Workflow (its doctype, Customer
Interaction, goes with the app) and the states and actions that no other workflow uses.
"""

from __future__ import annotations

import json
from pathlib import Path

import frappe

WORKFLOW = "Customer Complaint"
HERE = Path(__file__).parent / "complaint_workflow"
FILES = ("workflow_state.json", "workflow_action_master.json", "workflow.json")


def records() -> list[dict]:
	out = []
	for filename in FILES:
		out += json.loads((HERE / filename).read_text())
	return out


def create_complaint_workflow() -> None:
	"""Insert each record that does not exist yet; existing ones (an admin's, or edited) are left alone."""
	for record in records():
		if frappe.db.exists(record["doctype"], record["name"]):
			continue
		doc = frappe.get_doc({k: v for k, v in record.items() if k != "modified"})
		# Safe: runs at install or in a patch, as Administrator, creating the app's own records.
		doc.insert(ignore_permissions=True)


def remove_complaint_workflow() -> None:
	"""before_uninstall."""
	frappe.delete_doc("Workflow", WORKFLOW, ignore_missing=True, force=True, ignore_permissions=True)
	used_states = set(frappe.get_all("Workflow Document State", pluck="state"))
	used_states |= set(frappe.get_all("Workflow Transition", pluck="next_state"))
	used_actions = set(frappe.get_all("Workflow Transition", pluck="action"))
	for record in records():
		doctype, name = record["doctype"], record["name"]
		in_use = (doctype == "Workflow State" and name in used_states) or (
			doctype == "Workflow Action Master" and name in used_actions
		)
		if doctype == "Workflow" or in_use:
			continue
		try:
			frappe.delete_doc(doctype, name, ignore_missing=True, ignore_permissions=True)
		except frappe.LinkExistsError:
			frappe.clear_last_message()  # another app's records still use it: it stays
