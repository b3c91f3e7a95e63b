"""What the app does differently while Frappe's Data Import runs, and what it does at the import's end.

Frappe's importer inserts (or updates) one row per transaction and commits each, in one job; it marks
each document with ``flags.updater_reference`` pointing at the Data Import, and it sets the import's
status with ``db_set`` after the first row and at the end (each ``db_set`` runs the Data Import's
``on_change``, hooked to ``on_data_import_change`` below).

- **Configuration is read once per import**, not once per row (``cached``): the app's settings and
  duplicate rules are a snapshot taken at the first row; a change made while the import runs applies
  from the next import. Every ``on_change`` of a Data Import drops the snapshot.
- **Work for the import's end** (``defer``): a handler names a task and the values it collected from
  committed rows (a row rolled back is never collected); the task runs once, set-based, when the import
  sets its status. Tasks register with ``at_import_end``.
"""

from __future__ import annotations

from collections.abc import Callable

import frappe

_STATE = "crm_profiles_data_import"
_TASKS: dict[str, Callable[[set[str], frappe._dict], None]] = {}


def in_data_import(doc) -> bool:
	reference = doc.flags.updater_reference or {}
	return bool(frappe.flags.in_import and reference.get("doctype") == "Data Import")


def _state() -> frappe._dict:
	state = getattr(frappe.local, _STATE, None)
	if state is None:
		state = frappe._dict(config={}, row={}, committed={}, hooked=False)
		setattr(frappe.local, _STATE, state)
	return state


def cached(key: str, compute: Callable):
	"""``compute()`` once per Data Import."""
	config = _state().config
	if key not in config:
		config[key] = compute()
	return config[key]


def forget_config(doc=None, method=None) -> None:
	"""on_update of the app's settings and duplicate rules: the next row reads them again."""
	state = getattr(frappe.local, _STATE, None)
	if state is not None:
		state.config = {}


def at_import_end(task: str):
	"""Register ``fn(values, import_doc)`` as the task ``task``."""

	def register(fn):
		_TASKS[task] = fn
		return fn

	return register


def defer(task: str, *values: str) -> None:
	"""Collect ``values`` for ``task``, once this row's transaction commits."""
	state = _state()
	state.row.setdefault(task, set()).update(values)
	if not state.hooked:
		state.hooked = True
		frappe.db.after_commit.add(_row_committed)
		frappe.db.after_rollback.add(_row_rolled_back)


def _row_committed() -> None:
	state = _state()
	for task, values in state.row.items():
		state.committed.setdefault(task, set()).update(values)
	state.row, state.hooked = {}, False


def _row_rolled_back() -> None:
	state = _state()
	state.row, state.hooked = {}, False


def is_final(doc) -> bool:
	"""The importer's last ``db_set`` of the status: every row has its log."""
	return frappe.db.count("Data Import Log", {"data_import": doc.name}) >= (doc.payload_count or 0)


def on_data_import_change(doc, method=None) -> None:
	"""Data Import on_change: drop the configuration snapshot and run the tasks of committed rows."""
	state = getattr(frappe.local, _STATE, None)
	if state is None:
		return
	state.config = {}
	if not state.committed:
		return
	pending, state.committed = state.committed, {}
	for task, values in pending.items():
		_TASKS[task](values, doc)
