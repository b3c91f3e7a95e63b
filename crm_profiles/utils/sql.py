"""Small SQL helpers shared by the set-based writers."""

from __future__ import annotations

from collections.abc import Sequence

import frappe

BATCH = 1000


def insert_values(doctype: str, fields: Sequence[str], rows: Sequence[Sequence], batch: int = BATCH) -> None:
	"""Multi-row parameterised INSERTs of ``batch`` rows each.

	Faster than ``frappe.db.bulk_insert``, which renders every value into the SQL text through pypika.
	``fields`` are column names from a DocType's meta or the caller's constants, never user input; the
	values are parameters."""
	columns = ", ".join(f"`{f}`" for f in fields)
	one = "(" + ", ".join(["%s"] * len(fields)) + ")"
	for start in range(0, len(rows), batch):
		chunk = rows[start : start + batch]
		frappe.db.sql(
			f"insert into `tab{doctype}` ({columns}) values {', '.join([one] * len(chunk))}",
			[value for row in chunk for value in row],
		)
