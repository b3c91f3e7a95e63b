"""Arguments and report filters, validated and coerced at the boundary.

Every whitelisted method and every report of the app passes what it receives through these helpers
before anything reaches a query. A value of the wrong shape (a list or an object where one name is
expected, text where a number is expected, a number out of range, a garbage date) is refused with a
translated message that names the field, as a ``frappe.ValidationError`` (HTTP 417), never a 500 and
never SQL text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any, NoReturn

import frappe
from frappe import _

# Frappe's names are at most 140 characters (varchar(140)).
NAME_LENGTH = 140
_ISO_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")
_INTEGER = re.compile(r"^[+-]?\d{1,18}$")
_NUMBER = re.compile(r"^[+-]?(\d{1,15}(\.\d*)?|\.\d+)$")


def fail(field: str, problem: str) -> NoReturn:
	"""Refuse one argument: a 417 with a translated message naming the field."""
	label = _(frappe.unscrub(field))
	frappe.throw(
		_("{0}: {1}").format(frappe.bold(label), problem),
		frappe.ValidationError,
		title=_("Invalid {0}").format(label),
	)


def _scalar(value: Any, field: str) -> Any:
	if isinstance(value, list | tuple | dict | set):
		fail(field, _("must be a single value, not a list or an object"))
	return value


def name(value: Any, field: str, required: bool = True) -> str | None:
	"""A document name: one string of at most 140 characters."""
	value = _scalar(value, field)
	if value is None or value == "":
		if required:
			fail(field, _("is required"))
		return None
	if isinstance(value, bool) or not isinstance(value, str | int):
		fail(field, _("must be text"))
	value = str(value).strip()
	if not value:
		if required:
			fail(field, _("is required"))
		return None
	if len(value) > NAME_LENGTH:
		fail(field, _("must be at most {0} characters").format(NAME_LENGTH))
	return value


def text(value: Any, field: str, max_length: int = 1000) -> str | None:
	"""Free text: one string, or None."""
	value = _scalar(value, field)
	if value is None:
		return None
	if isinstance(value, bool) or not isinstance(value, str | int | float):
		fail(field, _("must be text"))
	value = str(value)
	if len(value) > max_length:
		fail(field, _("must be at most {0} characters").format(max_length))
	return value


def integer(
	value: Any,
	field: str,
	minimum: int | None = None,
	maximum: int | None = None,
	default: int | None = None,
) -> int | None:
	"""A whole number within [minimum, maximum]; empty gives ``default``."""
	value = _scalar(value, field)
	if value is None or value == "":
		return default
	if isinstance(value, bool):
		value = int(value)
	if isinstance(value, float):
		if value != value or not value.is_integer():
			fail(field, _("must be a whole number"))
		value = int(value)
	elif isinstance(value, str):
		if not _INTEGER.match(value.strip()):
			fail(field, _("must be a whole number"))
		value = int(value.strip())
	elif not isinstance(value, int):
		fail(field, _("must be a whole number"))
	_in_range(value, field, minimum, maximum)
	return value


def number(
	value: Any,
	field: str,
	minimum: float | None = None,
	maximum: float | None = None,
	default: float | None = None,
) -> float | None:
	"""A decimal number within [minimum, maximum]; empty gives ``default``."""
	value = _scalar(value, field)
	if value is None or value == "":
		return default
	if isinstance(value, bool):
		value = float(value)
	elif isinstance(value, str):
		if not _NUMBER.match(value.strip()):
			fail(field, _("must be a number"))
		value = float(value.strip())
	elif isinstance(value, int | float):
		value = float(value)
	else:
		fail(field, _("must be a number"))
	if value != value or value in (float("inf"), float("-inf")):
		fail(field, _("must be a number"))
	_in_range(value, field, minimum, maximum)
	return value


def _in_range(value, field: str, minimum, maximum) -> None:
	if minimum is not None and value < minimum:
		fail(field, _("must be at least {0}").format(minimum))
	if maximum is not None and value > maximum:
		fail(field, _("must be at most {0}").format(maximum))


def check(value: Any, field: str) -> int:
	"""A checkbox: 0 or 1 (also true/false)."""
	value = _scalar(value, field)
	if value in (None, "", 0, "0", False, "false", "False"):
		return 0
	if value in (1, "1", True, "true", "True"):
		return 1
	fail(field, _("must be 0 or 1"))


def a_date(value: Any, field: str) -> date | None:
	"""An ISO date (2026-11-23), or None."""
	value = _scalar(value, field)
	if value is None or value == "":
		return None
	if isinstance(value, datetime):
		return value.date()
	if isinstance(value, date):
		return value
	if not isinstance(value, str) or not _ISO_DATE.match(value.strip()):
		fail(field, _("must be a date like 2026-01-31"))
	try:
		return datetime.strptime(value.strip(), "%Y-%m-%d").date()
	except ValueError:
		fail(field, _("must be a date like 2026-01-31"))


def choice(value: Any, field: str, options: Iterable[str], default: str | None = None) -> str | None:
	"""One of ``options``; empty gives ``default``."""
	value = _scalar(value, field)
	if value is None or value == "":
		return default
	options = tuple(options)
	if value not in options:
		fail(field, _("must be one of {0}").format(", ".join(_(o) for o in options)))
	return value


def json_object(value: Any, field: str) -> dict:
	"""A JSON object, given as a dict or as its JSON text; empty gives {}."""
	if value is None or value == "":
		return {}
	if isinstance(value, str):
		try:
			value = json.loads(value)
		except ValueError:
			fail(field, _("must be valid JSON"))
	if not isinstance(value, dict):
		fail(field, _("must be a JSON object"))
	return value


# ---------------------------------------------------------------------------------------------
# Report filters: every filter any report of the app declares, with how it is coerced.
# ---------------------------------------------------------------------------------------------

STAGES = ("Prospect", "New", "Active", "Loyal", "At Risk", "Churned")


def link(value: Any, field: str) -> str | None:
	"""An optional document name."""
	return name(value, field, required=False)


ROW_LIMITS = ("100", "500", "1000", "5000", "All")


def row_limit(value: Any, field: str) -> int | None:
	"""How many rows a report shows: one of ``ROW_LIMITS`` (a number may come as text or as a number);
	0 means all of them, empty the report's default."""
	if isinstance(value, int) and not isinstance(value, bool):
		value = str(value)
	value = choice(value, field, ROW_LIMITS)
	if value is None:
		return None
	return 0 if value == "All" else int(value)


REPORT_FILTERS: dict[str, Callable[[Any, str], Any]] = {
	# Links: one name each
	"territory": link,
	"customer_group": link,
	"tier": link,
	"account_owner": link,
	"owner": link,
	"user": link,
	"customer": link,
	"company": link,
	"customer_campaign": link,
	"customer_segment": link,
	"item_code": link,
	# Selects and short text
	"lifecycle_stage": lambda v, f: choice(v, f, STAGES),
	"rfm_segment": lambda v, f: text(v, f, max_length=NAME_LENGTH),
	"issue": lambda v, f: text(v, f, max_length=NAME_LENGTH),
	"group_by": lambda v, f: text(v, f, max_length=NAME_LENGTH),
	"period": lambda v, f: text(v, f, max_length=NAME_LENGTH),
	# Dates
	"from_date": a_date,
	"to_date": a_date,
	"due_by": a_date,
	# Numbers and checks
	"include_churned": check,
	"show_all_columns": check,
	"include_sensitive": check,
	"min_days": lambda v, f: integer(v, f, minimum=0, maximum=36500),
	"stale_days": lambda v, f: integer(v, f, minimum=0, maximum=36500),
	"months": lambda v, f: integer(v, f, minimum=1, maximum=120),
	"days": lambda v, f: integer(v, f, minimum=1, maximum=3650),
	"rows": row_limit,
}


def report_filters(filters: Any) -> frappe._dict:
	"""A report's filters as a dict of coerced values. Filters no report declares are dropped, so
	nothing undeclared ever reaches a query."""
	if filters is None or filters == "":
		return frappe._dict()
	if isinstance(filters, str):
		try:
			filters = json.loads(filters)
		except ValueError:
			fail("filters", _("must be a JSON object"))
	if not isinstance(filters, dict):
		fail("filters", _("must be a JSON object"))
	clean = frappe._dict()
	for key, value in filters.items():
		coerce = REPORT_FILTERS.get(key)
		if coerce is not None:
			clean[key] = coerce(value, key)
	return clean
