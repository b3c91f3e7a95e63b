"""Write customers back out as the sheet the import reads: the same columns, headers in the reader's
language, only the customers the reader may read (``frappe.get_list`` on Customer Profile, which applies
the app's permission query and User Permissions), then the contact, address, tags and preferences of
those customers in one query each."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import strip_html

from crm_profiles.sheets import columns
from crm_profiles.sheets.columns import PROFILE

MAX_ROWS = 50_000
CHUNK = 1000


def sheet_rows(limit: int = MAX_ROWS) -> list[list]:
	"""[headers, row, ...] of every customer the user may read."""
	profiles = frappe.get_list(
		PROFILE,
		fields=[
			"name",
			"customer_name",
			"contact_person_name",
			"position",
			"mobile_no",
			"email_id",
			"address",
			"industry",
			"tier",
			"customer_group",
			"territory",
			"notes",
		],
		order_by="customer_name asc",
		limit_page_length=limit,
	)
	names = [p.name for p in profiles]
	customers = _by_name("Customer", ["name", "customer_type", "tax_id"], names)
	addresses = _by_name(
		"Address", ["name", "address_line1", "city", "country"], [p.address for p in profiles if p.address]
	)
	tags = _children("Customer Profile Tag", ["tag"], names)
	preferences = _children("Customer Preference", ["category", "preference"], names)
	rows = [columns.export_headers()]
	for p in profiles:
		customer = customers.get(p.name, {})
		address = addresses.get(p.address, {})
		rows.append(
			[
				p.customer_name,
				_(customer.get("customer_type") or ""),
				p.contact_person_name or "",
				p.position or "",
				p.mobile_no or "",
				p.email_id or "",
				address.get("address_line1") or "",
				address.get("city") or "",
				address.get("country") or "",
				p.industry or "",
				customer.get("tax_id") or "",
				_(p.tier) if p.tier else "",
				p.customer_group or "",
				p.territory or "",
				strip_html((p.notes or "").replace("<br>", "\n")).strip(),
				"; ".join(
					f"{_(r.category)}: {r.preference}"
					if r.category and r.category != "Other"
					else r.preference
					for r in preferences.get(p.name, [])
				),
				", ".join(r.tag for r in tags.get(p.name, [])),
			]
		)
	return rows


def _by_name(doctype: str, fields: list[str], names: list[str]) -> dict[str, dict]:
	"""The rows of ``names`` the user may read (``get_list``: the doctype's own permissions), one query
	per chunk."""
	found = {}
	unique = sorted(set(names))
	for start in range(0, len(unique), CHUNK):
		for row in frappe.get_list(
			doctype,
			filters={"name": ("in", unique[start : start + CHUNK])},
			fields=fields,
			limit_page_length=0,
		):
			found[row.name] = row
	return found


def _children(doctype: str, fields: list[str], parents: list[str]) -> dict[str, list]:
	found: dict[str, list] = {}
	for start in range(0, len(parents), CHUNK):
		for row in frappe.get_all(
			doctype,
			filters={"parenttype": PROFILE, "parent": ("in", parents[start : start + CHUNK])},
			fields=["parent", *fields],
			order_by="parent asc, idx asc",
		):
			found.setdefault(row.parent, []).append(row)
	return found
