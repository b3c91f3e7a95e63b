"""Data for the data-quality, duplicate, merge, consent and privacy tests."""

from __future__ import annotations

import random

import frappe
from frappe.utils import now_datetime

_SYLLABLES = [c + v for c in "bcdfghjklmnprstvwz" for v in "aeiou"]


def pseudo_word(rng: random.Random, syllables: int) -> str:
	return "".join(rng.choice(_SYLLABLES) for _ in range(syllables)).capitalize()


def clean_names(count: int, seed: int = 5) -> list[str]:
	"""Distinct company names that no sensible matcher would call similar."""
	rng = random.Random(seed)
	names: set[str] = set()
	while len(names) < count:
		names.add(f"{pseudo_word(rng, 4)} {pseudo_word(rng, 3)}")
	return sorted(names)


def insert_profiles(rows: list[dict], chunk: int = 5000) -> list[str]:
	"""Bulk-insert bare Customer Profile rows (no Customer) for matching tests; returns their names."""
	now, fields = now_datetime(), ["name", "customer", "customer_name", "email_id", "mobile_no"]
	values = []
	for row in rows:
		values.append(
			(
				row["name"],
				now,
				now,
				"Administrator",
				"Administrator",
				0,
				0,
				row["name"],
				row["customer_name"],
				row.get("email_id"),
				row.get("mobile_no"),
			)
		)
	columns = ["name", "creation", "modified", "owner", "modified_by", "docstatus", "idx", *fields[1:]]
	frappe.db.bulk_insert("Customer Profile", columns, values, chunk_size=chunk)
	return [row["name"] for row in rows]


def seeded_profiles(names: list[str], prefix: str) -> list[dict]:
	"""One profile per name, with a unique email and a unique mobile number."""
	return [
		{
			"name": f"{prefix}{i:06d}",
			"customer_name": name,
			"email_id": f"contact{i}@{prefix.lower().strip('_-')}{i}.example",
			"mobile_no": f"+86139{i:08d}",
		}
		for i, name in enumerate(names)
	]


def profile_pairs_among(names: set[str], pairs) -> set[tuple[str, str]]:
	return {pair for pair in pairs if pair[0] in names and pair[1] in names}


def record_consent(customer: str, purpose: str, status: str, **values) -> str:
	from crm_profiles.privacy.consent import record_consent as record

	return record(customer, purpose, status, **values)


def install_default_rules() -> list[str]:
	"""Replace the site's duplicate matching rules by the app's defaults, all set to Warn."""
	from crm_profiles.quality import matching

	frappe.db.delete("Duplicate Matching Rule")
	for rule_name, rule_type, threshold in matching.DEFAULT_RULES:
		frappe.get_doc(
			{
				"doctype": "Duplicate Matching Rule",
				"rule_name": rule_name,
				"rule_type": rule_type,
				"threshold": threshold,
				"action": "Warn",
			}
		).insert()
	return [r.name for r in matching.enabled_rules()]
