"""Site-aware validation of contact fields: turns the pure checks into translated, field-named errors."""

from __future__ import annotations

import re
from datetime import date, datetime

import frappe
from frappe import _

from crm_profiles.utils.contact_values import ValueProblem, check_email, normalise_email, normalise_phone


def default_phone_region() -> str | None:
	"""The ISO code used for numbers without a country code: the setting, else the system country."""
	country = frappe.db.get_single_value(
		"CRM Profile Settings", "default_phone_region"
	) or frappe.db.get_default("country")
	if not country:
		return None
	code = frappe.get_cached_value("Country", country, "code")
	return (code or "").upper() or None


def _throw(doc, fieldname: str, problem: ValueProblem) -> None:
	label = _(doc.meta.get_label(fieldname))
	frappe.throw(
		_("{0}: {1}").format(frappe.bold(label), _(problem.message).format(frappe.bold(problem.value))),
		frappe.ValidationError,
		title=_("Invalid {0}").format(label),
	)


def validate_email_field(doc, fieldname: str) -> None:
	"""Refuse an invalid email in ``doc.fieldname``; store a valid one trimmed and lower-cased."""
	problem = check_email(doc.get(fieldname))
	if problem:
		_throw(doc, fieldname, problem)
	doc.set(fieldname, normalise_email(doc.get(fieldname)) or None)


def validate_phone_field(doc, fieldname: str) -> None:
	"""Refuse an invalid phone number in ``doc.fieldname``; store a valid one in E.164."""
	if not doc.get(fieldname):
		return
	result = normalise_phone(doc.get(fieldname), default_phone_region())
	if isinstance(result, ValueProblem):
		_throw(doc, fieldname, result)
	doc.set(fieldname, result)


# Dates are stored and sent (desk, REST, import) as ISO: 2026-11-23 or 2026-11-23 09:30:00.
_ISO_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?$")


def validate_date_fields(doc, method=None) -> None:
	"""Refuse a Date or Datetime value that is not a date, naming the field, before it reaches the database.

	Frappe passes such strings straight to MariaDB, which fails with an SQL error instead of a message.
	"""
	from frappe.utils import get_datetime, getdate

	for df in doc.meta.get("fields", {"fieldtype": ("in", ("Date", "Datetime"))}):
		value = doc.get(df.fieldname)
		if not value or isinstance(value, date | datetime):
			continue
		if not isinstance(value, str):
			value = str(value)
		try:
			if not _ISO_DATE.match(value.strip()):
				raise ValueError(value)
			if (getdate if df.fieldtype == "Date" else get_datetime)(value) is None:  # 0000-00-00
				raise ValueError(value)
		except Exception:
			frappe.clear_last_message()
			label = _(df.label)
			frappe.throw(
				_("{0}: {1} is not a valid date").format(
					frappe.bold(label), frappe.bold(frappe.utils.escape_html(value[:40]))
				),
				frappe.ValidationError,
				title=_("Invalid {0}").format(label),
			)


# Column ranges: Int is int(11); Float, Currency and Percent are decimal(21,9).
_INT_LIMIT = 2**31 - 1
_DECIMAL_LIMIT = 10**12
_INTEGER_TEXT = re.compile(r"^[+-]?\d{1,12}$")
_NUMBER_TEXT = re.compile(r"^[+-]?(\d{1,15}(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?$")


def _refuse(doc, df, problem: str) -> None:
	frappe.clear_last_message()
	label = _(df.label or frappe.unscrub(df.fieldname))
	if doc.get("parentfield"):
		label = _("Row {0}: {1}").format(doc.idx, label)
	frappe.throw(
		_("{0}: {1}").format(frappe.bold(label), problem),
		frappe.ValidationError,
		title=_("Invalid {0}").format(label),
	)


def _as_number(value, integer: bool):
	"""The number a field value stands for, or None when it is not one."""
	if isinstance(value, bool):
		return int(value)
	if isinstance(value, int):
		return value
	if isinstance(value, float):
		if value != value or value in (float("inf"), float("-inf")):
			return None
		return int(value) if integer and value.is_integer() else (None if integer else value)
	if hasattr(value, "as_tuple"):  # Decimal
		return _as_number(float(value), integer)
	if isinstance(value, str):
		text = value.strip().replace(",", "")
		if integer:
			return int(text) if _INTEGER_TEXT.match(text) else None
		return _as_number(float(text), integer) if _NUMBER_TEXT.match(text) else None
	return None


def validate_value_types(doc) -> None:
	"""Every value of the document (and its child rows) has its field's type and fits its column.

	Runs before Frappe touches the values (``AppDocument.insert`` / ``save``), so a list in a date,
	"five" in a rating or 1e20 in a number is a field-named 417, never a 500 or an SQL error.
	"""
	from frappe.model import no_value_fields, table_fields

	for d in [doc, *doc.get_all_children()]:
		for df in d.meta.fields:
			if df.fieldtype in table_fields or df.fieldtype in no_value_fields:
				continue
			value = d.get(df.fieldname)
			if value is None or value == "":
				continue
			if isinstance(value, list | tuple | dict | set):
				_refuse(d, df, _("must be a single value, not a list or an object"))
			if df.fieldtype in ("Int", "Check"):
				number = _as_number(value, integer=True)
				if number is None:
					_refuse(d, df, _("must be a whole number"))
				if df.fieldtype == "Check" and number not in (0, 1):
					_refuse(d, df, _("must be 0 or 1"))
				if abs(number) > _INT_LIMIT:
					_refuse(d, df, _("must be between {0} and {1}").format(-_INT_LIMIT, _INT_LIMIT))
				d.set(df.fieldname, number)  # "-1" becomes -1 before any controller compares it
			elif df.fieldtype in ("Float", "Currency", "Percent"):
				number = _as_number(value, integer=False)
				if number is None:
					_refuse(d, df, _("must be a number"))
				low, high = (0, 100) if df.fieldtype == "Percent" else (-_DECIMAL_LIMIT, _DECIMAL_LIMIT)
				if not low <= number <= high:
					_refuse(d, df, _("must be between {0} and {1}").format(low, high))
				if isinstance(value, str):
					d.set(df.fieldname, number)
			elif not isinstance(value, str | int | float) and df.fieldtype not in (
				"Date",
				"Datetime",
				"Time",
			):
				_refuse(d, df, _("must be text"))
	validate_date_fields(doc)
	for child in doc.get_all_children():
		validate_date_fields(child)


def validate_ranges(doc, ranges: dict[str, tuple[float | None, float | None]]) -> None:
	"""Every number field of a settings-like document within its range; fields not listed must not be
	negative. Read from the meta, so a new number field is checked without a code change."""
	for df in doc.meta.get("fields", {"fieldtype": ("in", ("Int", "Float", "Currency", "Percent"))}):
		if df.read_only:
			continue
		low, high = ranges.get(df.fieldname, (0, None))
		value = frappe.utils.flt(doc.get(df.fieldname))
		if (low is not None and value < low) or (high is not None and value > high):
			bounds = (
				_("between {0} and {1}").format(low, high)
				if high is not None
				else _("at least {0}").format(low)
			)
			_refuse(doc, df, _("must be {0}").format(bounds))


def validate_json_field(doc, fieldname: str) -> object:
	"""A Code/JSON field holds valid JSON; returns the parsed value (None when empty)."""
	import json

	raw = doc.get(fieldname)
	if raw in (None, "") or not str(raw).strip():
		return None
	try:
		return json.loads(raw)
	except (TypeError, ValueError) as e:
		_refuse(doc, doc.meta.get_field(fieldname), _("is not valid JSON ({0})").format(str(e)[:80]))
