"""When Frappe's ``process_workflow_actions`` has nothing to do for a new interaction, leave it out.

The complaint workflow is defined on Customer Interaction, so Frappe runs ``process_workflow_actions``
(a ``"*"`` on_update hook) after every interaction, complaint or not: about ten queries, and a third of
the time of an imported call or visit. For a document being inserted it can only create Workflow
Actions, for the transitions out of the document's state whose condition holds (a new document has no
Workflow Action to complete or clear). When no transition out of that state has a condition that holds,
as for every non-complaint under the shipped workflow, the hook is a no-op and is left out of this
document's on_update.

The transitions are read from the live workflow (one query; once per Data Import, as the app's other
configuration) and their conditions evaluated as Frappe's own ``is_transition_condition_satisfied`` does,
so a transition an admin adds without a condition makes the hook run again. (On Frappe 15 each condition is
compiled once per process, ``compat.workflow_condition_holds``; Frappe 16 does that itself.)
"""

from __future__ import annotations

from contextlib import contextmanager

import frappe

from crm_profiles.compat import workflow_condition_holds
from crm_profiles.utils import data_import

HANDLER = "frappe.workflow.doctype.workflow_action.workflow_action.process_workflow_actions"


def has_actions_to_create(doc) -> bool:
	"""Whether Frappe's process_workflow_actions could create a Workflow Action for ``doc`` (new)."""
	from frappe.model.workflow import get_workflow_name
	from frappe.workflow.doctype.workflow_action.workflow_action import get_doc_workflow_state

	workflow = get_workflow_name(doc.doctype)
	if not workflow:
		return False  # Frappe's hook returns at once
	state = get_doc_workflow_state(doc)
	conditions = (
		data_import.cached(
			f"crm_workflow_conditions:{workflow}:{state}", lambda: _conditions(workflow, state)
		)
		if data_import.in_data_import(doc)
		else _conditions(workflow, state)
	)
	return any(workflow_condition_holds(condition, doc) for condition in conditions)


def _conditions(workflow: str, state: str | None) -> list[str | None]:
	"""The distinct conditions of the transitions out of ``state`` (a plain query: it runs per row)."""
	return frappe.db.sql(
		"""select distinct `condition` from `tabWorkflow Transition`
		where parent = %s and state = %s""",
		(workflow, state),
		pluck=True,
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
