"""The SQL statements a piece of code sends, for tests that check how it reads (plans, counts)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import frappe


@contextmanager
def statements_sent() -> Iterator[list[tuple]]:
	"""Collect (query, values) of every ``frappe.db.sql`` call inside the block; each still runs."""
	sent: list[tuple] = []
	original = frappe.db.sql

	def spy(query, values=(), *args, **kwargs):
		sent.append((query, values))
		return original(query, values, *args, **kwargs)

	frappe.db.sql = spy
	try:
		yield sent
	finally:
		frappe.db.sql = original
