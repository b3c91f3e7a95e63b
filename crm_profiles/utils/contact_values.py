"""Pure checks and normalisation of contact values (emails and phone numbers).

These functions do not touch the database, so they are unit tested without a site.
Callers turn a ``ValueProblem`` into a translated, field-named error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

# The same shape Frappe's validate_email_address accepts, kept here so pure tests need no site.
_EMAIL_RE = re.compile(
	r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
	r"@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$",
	re.IGNORECASE,
)
# What a written phone number may hold: one leading "+", digits, and spaces, dots, dashes, slashes or brackets.
_PHONE_SHAPE = re.compile(r"^\+?[0-9().\-/ ]+$")


@dataclass(frozen=True)
class ValueProblem:
	"""Why a value was refused: a message template (English, to be translated) and its argument."""

	message: str
	value: str


def normalise_email(value: str | None) -> str:
	"""Trim and lower-case an email address; empty stays empty."""
	return (value or "").strip().lower()


def check_email(value: str | None) -> ValueProblem | None:
	"""Return a problem when a non-empty value is not a single valid email address."""
	email = normalise_email(value)
	if not email:
		return None
	if len(email) > 254 or not _EMAIL_RE.match(email):
		return ValueProblem("{0} is not a valid email address", value or "")
	return None


def normalise_phone(value: str | None, default_region: str | None) -> str | ValueProblem:
	"""Parse a phone number and return it in E.164, or the reason it is refused.

	``default_region`` is an ISO 3166 alpha-2 code (``"CN"``, ``"US"``) used for numbers written
	without a leading ``+``. An empty value returns an empty string.
	"""
	raw = (value or "").strip()
	if not raw:
		return ""
	if not _PHONE_SHAPE.match(raw):
		return ValueProblem("{0} is not a valid phone number", value or "")
	region = (default_region or "").upper() or None
	if not raw.startswith("+") and not raw.startswith("00") and not region:
		return ValueProblem("{0} has no country code and no default phone country is set", raw)
	if raw.startswith("00"):
		raw = "+" + raw[2:]
	try:
		number = phonenumbers.parse(raw, region)
	except phonenumbers.NumberParseException:
		return ValueProblem("{0} is not a valid phone number", value or "")
	if not phonenumbers.is_valid_number(number):
		return ValueProblem("{0} is not a valid phone number", value or "")
	return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
