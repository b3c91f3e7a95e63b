"""Site-aware validation of contact fields: turns the pure checks into translated, field-named errors."""

from __future__ import annotations

import re

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
		if not value or not isinstance(value, str):
			continue
		try:
			if not _ISO_DATE.match(value.strip()):
				raise ValueError(value)
			(getdate if df.fieldtype == "Date" else get_datetime)(value)
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
