"""The match keys stored on every Customer Profile, so that a new customer is compared by indexed
equality instead of a scan of the customer table.

``match_email``, ``match_phone`` (the last digits), ``match_tax_id`` (of the Customer), ``match_name``
(the normalised name, scored in Python) and its two blocking keys ``match_name_start`` and
``match_name_end`` are read-only fields of the profile: the app's document guard drops whatever a
writer sends for them, and the server computes them

- in the profile's ``validate`` (desk, REST, Data Import): ``set_keys``;
- after every write by SQL that changes what they are computed from (profile created from its
  Customer, Customer renamed or its tax id changed, profiles merged): ``refresh``, set-based;
- for every profile by the patch that adds them, and again by the nightly duplicate queue, which
  repairs keys a write outside the app left stale: ``refresh()``.
"""

from __future__ import annotations

import frappe

from crm_profiles.quality.matching import MatchKeys, match_keys

PROFILE = "Customer Profile"
FIELDS = tuple(MatchKeys().as_fields())
# rows per UPDATE when many profiles change at once (backfill); a single profile is one plain UPDATE
CHUNK = 1000


def set_keys(doc, tax_id: str | None) -> None:
	"""validate step of Customer Profile: ``tax_id`` is the Customer's."""
	doc.update(match_keys(doc.customer_name, doc.email_id, doc.mobile_no, tax_id).as_fields())


def refresh(profiles: list[str] | None = None) -> int:
	"""Recompute the keys of the given profiles (every profile when None); returns how many changed.

	One SELECT (joined to the Customer for its tax id), the normalisation in Python (names need
	Unicode folding that SQL has not), and only the changed rows written back, in chunks.
	"""
	if profiles is not None and not profiles:
		return 0
	condition, params = "", {}
	if profiles is not None:
		condition, params = "where p.name in %(profiles)s", {"profiles": tuple(profiles)}
	rows = frappe.db.sql(
		f"""select p.name, p.customer_name, p.email_id, p.mobile_no, c.tax_id,
			{", ".join(f"p.`{f}`" for f in FIELDS)}
		from `tabCustomer Profile` p left join `tabCustomer` c on c.name = p.customer {condition}""",
		params,
		as_dict=True,
	)
	changed = []
	for row in rows:
		keys = match_keys(row.customer_name, row.email_id, row.mobile_no, row.tax_id)
		if keys != MatchKeys.of(row):
			changed.append((row.name, keys))
	_write(changed)
	return len(changed)


def _write(changed: list[tuple[str, MatchKeys]]) -> None:
	"""Field names are the module's constants; names and keys are parameters."""
	assignments = ", ".join(f"p.`{f}` = k.`{f}`" for f in FIELDS)
	if len(changed) == 1:
		name, keys = changed[0]
		frappe.db.sql(
			f"update `tabCustomer Profile` set {', '.join(f'`{f}` = %s' for f in FIELDS)} where name = %s",
			[*keys.as_fields().values(), name],
		)
		return
	first_row = "select %s as name, " + ", ".join(f"%s as `{f}`" for f in FIELDS)
	other_row = "select " + ", ".join(["%s"] * (len(FIELDS) + 1))
	for start in range(0, len(changed), CHUNK):
		chunk = changed[start : start + CHUNK]
		derived = " union all ".join([first_row] + [other_row] * (len(chunk) - 1))
		frappe.db.sql(
			f"""update `tabCustomer Profile` p join ({derived}) k on k.name = p.name
			set {assignments}""",
			[value for name, keys in chunk for value in (name, *keys.as_fields().values())],
		)
