"""Completeness score (0-100) of a profile, weighted over key fields; the weights are in settings."""

from __future__ import annotations

import json

import frappe

PROFILE = "Customer Profile"
SETTINGS = "CRM Profile Settings"

DEFAULT_WEIGHTS = {
	"email_id": 20,
	"mobile_no": 20,
	"primary_contact": 10,
	"contact_person_name": 10,
	"address": 10,
	"industry": 10,
	"website": 5,
	"account_owner": 10,
	"source": 5,
}

# Field types whose emptiness can be judged in SQL as NULL or ''.
_SCALAR_TYPES = {
	"Data",
	"Link",
	"Small Text",
	"Text",
	"Text Editor",
	"Select",
	"Date",
	"Datetime",
	"Long Text",
}


def parse_weights(raw: str | None) -> dict[str, int]:
	"""Read the settings' JSON ``{"fieldname": weight}``; bad JSON falls back to the defaults."""
	if not raw:
		return dict(DEFAULT_WEIGHTS)
	try:
		data = json.loads(raw)
	except (TypeError, ValueError):
		return dict(DEFAULT_WEIGHTS)
	if not isinstance(data, dict):
		return dict(DEFAULT_WEIGHTS)
	weights = {}
	for field, weight in data.items():
		try:
			value = int(weight)
		except (TypeError, ValueError):
			continue
		if value > 0 and isinstance(field, str):
			weights[field] = value
	return weights


def score(values: dict, weights: dict[str, int]) -> int:
	"""The share (0-100) of the total weight carried by the filled fields."""
	total = sum(weights.values())
	if not total:
		return 0
	filled = sum(w for field, w in weights.items() if _filled(values.get(field)))
	return round(100 * filled / total)


def _filled(value) -> bool:
	if isinstance(value, str):
		return bool(value.strip())
	return value not in (None, 0, [], {})


def weights() -> dict[str, int]:
	"""Weights from settings, limited to real scalar fields of the profile (they go into SQL below)."""
	raw = frappe.db.get_single_value(SETTINGS, "completeness_weights")
	meta = frappe.get_meta(PROFILE)
	return {
		f: w
		for f, w in parse_weights(raw).items()
		if (df := meta.get_field(f)) and df.fieldtype in _SCALAR_TYPES
	}


def set_score(doc) -> None:
	"""validate step of Customer Profile."""
	doc.completeness_score = score(doc.as_dict(), weights())


def score_expression(w: dict[str, int]) -> str:
	"""The score as an SQL expression over the profile's columns.

	Field names come from ``weights()``, which keeps only fields of the profile's meta, so no user text
	reaches the SQL; weights are integers.
	"""
	total = sum(w.values())
	if not total:
		return "0"
	terms = " + ".join(
		f"(case when coalesce(`{f}`, '') != '' then {int(v)} else 0 end)" for f, v in w.items()
	)
	return f"round(100 * ({terms}) / {int(total)})"


def update_all_scores(profiles: list[str] | None = None) -> None:
	"""Recompute every profile's score (or the given ones) in one UPDATE."""
	condition, params = "", {}
	if profiles is not None:
		if not profiles:
			return
		condition, params = "where name in %(profiles)s", {"profiles": tuple(profiles)}
	frappe.db.sql(
		f"update `tabCustomer Profile` set completeness_score = {score_expression(weights())} {condition}",
		params,
	)


def nightly_scores() -> None:
	"""daily_long: weights may have changed; rescore every profile in one statement."""
	update_all_scores()
