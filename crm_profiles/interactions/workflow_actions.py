"""When Frappe's ``process_workflow_actions`` has nothing to do for a new interaction, leave it out.

The complaint workflow is defined on Customer Interaction, so Frappe runs ``process_workflow_actions``
(a ``"*"`` on_update hook) after every interaction, complaint or not: about ten queries, and a third of
the time of an imported call or visit. For a document being inserted it can only create Workflow
Actions, for the transitions out of the document's state whose condition holds (a new document has no
Workflow Action to complete or clear). When no transition out of that state has a condition that holds,
as for every non-complaint under the shipped workflow, the hook is a no-op and is left out of this
document's on_update.

The transitions are read from the live workflow (one query) and their conditions evaluated with
Frappe's own ``is_transition_condition_satisfied``, so a transition an admin adds without a condition
makes the hook run again.
"""

from __future__ import annotations

from contextlib import contextmanager

import frappe

HANDLER = "frappe.workflow.doctype.workflow_action.workflow_action.process_workflow_actions"


def has_actions_to_create(doc) -> bool:
	"""Whether Frappe's process_workflow_actions could create a Workflow Action for ``doc`` (new)."""
	from frappe.model.workflow import get_workflow_name, is_transition_condition_satisfied
	from frappe.workflow.doctype.workflow_action.workflow_action import get_doc_workflow_state

	workflow = get_workflow_name(doc.doctype)
	if not workflow:
		return False  # Frappe's hook returns at once
	transition = frappe.qb.DocType("Workflow Transition")
	conditions = (
		frappe.qb.from_(transition)
		.select(transition.condition)
		.distinct()
		.where((transition.parent == workflow) & (transition.state == get_doc_workflow_state(doc)))
		.run(pluck=True)
	)
	return any(
		is_transition_condition_satisfied(frappe._dict(condition=condition), doc) for condition in conditions
	)


@contextmanager
def composed_without_handler(doc):
	"""Frappe composes a document's on_update handlers from ``frappe.local.doc_events_hooks`` before it
	calls the controller's ``on_update``: compose this document's without the workflow handler; the
	controller's ``on_update`` calls ``restore`` first, so every other document (a ToDo made by a
	follow-up, say) sees Frappe's full hooks."""
	hooks = frappe.get_doc_hooks()
	star = hooks.get("*", {})
	trimmed = dict(hooks)
	trimmed["*"] = {**star, "on_update": [h for h in star.get("on_update", []) if h != HANDLER]}
	doc.flags.hooks_to_restore = hooks
	frappe.local.doc_events_hooks = trimmed
	try:
		yield
	finally:
		restore(doc)


def restore(doc) -> None:
	hooks = doc.flags.pop("hooks_to_restore", None)
	if hooks is not None:
		frappe.local.doc_events_hooks = hooks
