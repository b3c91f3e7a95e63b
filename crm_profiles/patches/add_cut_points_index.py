"""Add the index the nightly refresh reads the RFM cut points from (``Customer Profile``'s
``on_doctype_update`` adds it on a new site; Frappe runs that only when the DocType is synced)."""

from __future__ import annotations

from crm_profiles.crm_profiles.doctype.customer_profile.customer_profile import on_doctype_update


def execute():
	on_doctype_update()  # idempotent: add_index does nothing when the index exists
