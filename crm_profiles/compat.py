"""Everything that differs between Frappe/ERPNext 15 and 16, in one place.

The rest of the app imports these names and never asks which version it runs on. Each entry says what
changed in v16, so the v15 branch of it can be deleted when v15 is no longer supported.
"""

from __future__ import annotations

import functools
import re


def _frappe_major() -> int:
	try:
		import frappe

		version = frappe.__version__
	except ImportError:  # unit tests without a bench: assume the newest supported major
		return 16
	match = re.match(r"(\d+)\.", version)
	return int(match.group(1)) if match else 16


FRAPPE_MAJOR = _frappe_major()
V16 = FRAPPE_MAJOR >= 16

# The desk moved from /app to /desk in v16 (/app/... answers 301 to /desk/...).
DESK_PATH = "/desk" if V16 else "/app"

# v16 (ERPNext's patch v15_0.migrate_to_utm_analytics) replaced Lead's `source` (Link to Lead Source) by
# `utm_source` (Link to Frappe's UTM Source) and deleted the Lead Source DocType.
LEAD_SOURCE_DOCTYPE = "UTM Source" if V16 else "Lead Source"
LEAD_SOURCE_FIELD = "utm_source" if V16 else "source"

# Link fields of our DocTypes whose target DocType is named differently per version. The DocType JSON
# holds the v15 name; install and migrate point the field at this version's DocType (a Property Setter).
LINK_OPTIONS = {("Customer Profile", "source"): LEAD_SOURCE_DOCTYPE}

# v16 moved Newsletter out of Frappe into the separate Newsletter app (github.com/frappe/newsletter);
# Email Group stayed. Customer Campaign's Newsletter link works only where some app provides the DocType.
NEWSLETTER_DOCTYPE = "Newsletter"
# DocTypes our JSON links to that a v16 bench may lack, and the app that brings them there.
MOVED_OUT_IN_V16 = {NEWSLETTER_DOCTYPE: "newsletter"}
# Link fields to those DocTypes. Where the DocType is missing, install and migrate make them hidden Data
# fields (Property Setters), so Frappe's link check does not refuse every save of a document that still
# holds a value from Frappe 15; the controller refuses new values with a message that says why.
OPTIONAL_LINKS = {("Customer Campaign", "newsletter"): NEWSLETTER_DOCTYPE}

# v16's get_list/get_all refuse SQL functions written as strings ("count(name) as n"): they take
# query-builder dicts ({"COUNT": "name", "as": "n"}). v15's get_list only takes the strings.
SQL_FUNCTIONS = frozenset({"COUNT", "SUM", "AVG", "MAX", "MIN"})


def enter_test_mode() -> None:
	"""Put this process in Frappe's test mode (tests only): jobs Frappe itself enqueues (a new user's
	contact, dynamic links of a deleted document, notifications) run at once instead of waiting in Redis
	for a worker that tests do not run. v15 reads ``frappe.flags.in_test``; v16 reads the module global
	``frappe.in_test`` and keeps the flag only for old code (ours reads the flag)."""
	import frappe

	frappe.flags.in_test = True
	if V16:
		frappe.in_test = True


def has_newsletter() -> bool:
	"""Whether this site can send a Newsletter: always on v15, with the Newsletter app on v16."""
	if not V16:
		return True
	import frappe

	return bool(frappe.db.exists("DocType", NEWSLETTER_DOCTYPE))


def desk_url(route: str = "") -> str:
	"""A desk address: ``desk_url("customer-profile/X")`` is ``/app/customer-profile/X`` on v15."""
	route = route.lstrip("/")
	return f"{DESK_PATH}/{route}" if route else DESK_PATH


def sql_fn(function: str, field: str, alias: str) -> str | dict:
	"""A get_list field that applies an aggregate SQL function: ``sql_fn("count", "name", "n")``."""
	function = function.upper()
	if function not in SQL_FUNCTIONS:
		raise ValueError(f"unsupported SQL function {function}")
	if V16:
		return {function: field, "as": alias}
	return f"{function.lower()}({field}) as {alias}"


def extract(unit: str, field: str, alias: str) -> str | dict:
	"""A get_list field ``EXTRACT(unit FROM field)``, e.g. ``extract("YEAR_MONTH", "posting_date", "ym")``
	gives 202603 for a date in March 2026. Same value on both versions."""
	unit = unit.upper()
	if not re.fullmatch(r"[A-Z_]+", unit):
		raise ValueError(f"invalid EXTRACT unit {unit}")
	if V16:
		return {"EXTRACT": [f"'{unit}'", field], "as": alias}
	# Frappe 15's get_list silently drops a field with " from " in it (it reads as a subquery), so
	# EXTRACT is spelled with the date functions it accepts; the values are the same.
	if not re.fullmatch(r"[a-z_]+", field):
		raise ValueError(f"invalid field {field}")
	v15 = {
		"YEAR_MONTH": f"year({field}) * 100 + month({field})",
		"YEAR": f"year({field})",
		"MONTH": f"month({field})",
		"DAY": f"dayofmonth({field})",
	}
	if unit not in v15:
		raise ValueError(f"EXTRACT unit {unit} is not mapped for Frappe 15")
	return f"{v15[unit]} as {alias}"


def list_query_sql(query) -> tuple[str, dict]:
	"""``frappe.get_list(..., run=0)`` as (sql, params), ready to nest in a parameterised ``frappe.db.sql``.

	v15 returns the SQL as a string with the values written in (its % are doubled so the outer
	parameters format cleanly); v16 returns a query-builder object whose values become parameters
	(``param1``, ``param2``...)."""
	if not V16:
		return query.replace("%", "%%"), {}
	from frappe.query_builder.utils import prepare_query

	return prepare_query(query)


def apply_link_options() -> None:
	"""Point the fields of ``LINK_OPTIONS`` at the DocType this version has, and turn the fields of
	``OPTIONAL_LINKS`` whose DocType this site lacks into hidden Data fields (after install and migrate)."""
	import frappe

	for (doctype, fieldname), target in LINK_OPTIONS.items():
		in_json = frappe.db.get_value("DocField", {"parent": doctype, "fieldname": fieldname}, "options")
		_set_property(doctype, fieldname, "options", target if in_json != target else None, "Link")
		frappe.clear_cache(doctype=doctype)
	for (doctype, fieldname), target in OPTIONAL_LINKS.items():
		missing = not frappe.db.exists("DocType", target)
		# An admin's own setters (Customize Form: not system generated) are left alone.
		ours = {"is_system_generated": 1}
		_set_property(doctype, fieldname, "fieldtype", "Data" if missing else None, "Select", ours)
		_set_property(doctype, fieldname, "hidden", "1" if missing else None, "Check", ours)
		frappe.clear_cache(doctype=doctype)


def _set_property(
	doctype: str, fieldname: str, prop: str, value: str | None, property_type: str, only: dict | None = None
) -> None:
	"""A Property Setter giving ``prop`` this value, or none (the JSON's value) when value is None; ``only``
	narrows which existing setters are removed."""
	import frappe
	from frappe.custom.doctype.property_setter.property_setter import make_property_setter

	setter = {"doc_type": doctype, "field_name": fieldname, "property": prop}
	if value is None:
		for name in frappe.get_all("Property Setter", filters={**setter, **(only or {})}, pluck="name"):
			# Safe: run by install and migrate, on our own DocTypes' fields named in this module.
			frappe.delete_doc("Property Setter", name, ignore_permissions=True, force=True)
	elif frappe.db.get_value("Property Setter", setter, "value") != value:
		make_property_setter(
			doctype, fieldname, prop, value, property_type, validate_fields_for_doctype=False
		)


def workflow_condition_holds(condition: str | None, doc) -> bool:
	"""Frappe's ``is_transition_condition_satisfied`` for one transition's condition.

	v16's ``safe_eval`` keeps each compiled expression (``_compile_code``, a site cache). v15's compiles
	it with RestrictedPython on every call, which a Data Import pays on every row: here v15 evaluates
	the same way, with the same globals and locals, from an expression compiled once per process.
	"""
	from frappe.model.workflow import get_workflow_safe_globals, is_transition_condition_satisfied

	if not condition:
		return True
	if V16:
		import frappe

		return is_transition_condition_satisfied(frappe._dict(condition=condition), doc)
	from frappe.utils.safe_exec import WHITELISTED_SAFE_EVAL_GLOBALS

	eval_globals = get_workflow_safe_globals()
	eval_globals["__builtins__"] = {}
	eval_globals.update(WHITELISTED_SAFE_EVAL_GLOBALS)
	return eval(_compiled_condition(condition), eval_globals, {"doc": doc.as_dict()})


@functools.lru_cache(maxsize=128)
def _compiled_condition(condition: str):
	"""v15's ``safe_eval`` up to its ``eval``: normalised, checked and compiled as it does."""
	import unicodedata

	from frappe.utils.safe_exec import FrappeTransformer, _validate_safe_eval_syntax
	from RestrictedPython import compile_restricted

	code = unicodedata.normalize("NFKC", condition)
	_validate_safe_eval_syntax(code)
	return compile_restricted(code, filename="<safe_eval>", policy=FrappeTransformer, mode="eval")
