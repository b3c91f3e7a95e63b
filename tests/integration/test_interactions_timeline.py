"""The profile timeline: newest first, paged by cursor, at a customer with 5,000 interactions."""

from __future__ import annotations

import time

import frappe
import pytest
from frappe.utils import add_to_date, random_string
from support.factories import make_customer, make_interaction, make_user
from support.metrics import record

from crm_profiles.interactions.timeline import get_timeline, read_page

MANY = 5000


def _bulk_interactions(customer: str, count: int) -> None:
	"""Insert many interactions in one statement; the timeline only reads them."""
	base = frappe.utils.get_datetime("2024-01-01 08:00:00")
	rows = []
	for i in range(count):
		# Every tenth pair shares a timestamp, so the name breaks ties across pages.
		at = add_to_date(base, minutes=(i // 2) * 7)
		rows.append(
			(
				f"_CRM-TL-{random_string(6)}-{i:05d}",
				at,
				at,
				"Administrator",
				"Administrator",
				customer,
				customer,
				"Call",
				"Outbound",
				at,
				"Completed",
				f"Call {i}",
			)
		)
	frappe.db.bulk_insert(
		"Customer Interaction",
		[
			"name",
			"creation",
			"modified",
			"owner",
			"modified_by",
			"customer",
			"profile",
			"interaction_type",
			"direction",
			"interaction_date",
			"status",
			"subject",
		],
		rows,
	)


def _walk(customer: str, limit: int) -> tuple[list[dict], list[float]]:
	items, timings, cursor = [], [], None
	while True:
		start = time.perf_counter()
		page = read_page(customer, cursor, limit)
		timings.append((time.perf_counter() - start) * 1000)
		items += page["items"]
		cursor = page["next_cursor"]
		assert len(page["items"]) <= limit
		if not cursor:
			return items, timings


def test_timeline_pages_through_5000_interactions_without_gaps_or_repeats():
	customer = make_customer().name
	_bulk_interactions(customer, MANY)
	expected = frappe.get_all(
		"Customer Interaction",
		{"customer": customer},
		pluck="name",
		order_by="interaction_date desc, name desc",
	)
	items, timings = _walk(customer, 50)
	names = [i["name"] for i in items if i["kind"] == "Interaction"]
	assert names == expected
	assert len(names) == MANY
	ats = [i["at"] for i in items]
	assert ats == sorted(ats, reverse=True)
	timings.sort()
	record(
		f"timeline at {MANY} interactions, 50 per page, {len(timings)} pages: "
		f"median {timings[len(timings) // 2]:.1f} ms, p95 {timings[int(len(timings) * 0.95)]:.1f} ms, "
		f"max {timings[-1]:.1f} ms per page (server time, read_page)"
	)


def test_timeline_mixes_orders_and_issues_newest_first():
	customer = make_customer().name
	old = make_interaction(customer, interaction_date="2025-01-01 10:00:00", subject="First call")
	new = make_interaction(customer, interaction_date="2025-03-01 10:00:00", subject="Second call")
	issue = frappe.get_doc({"doctype": "Issue", "subject": "Uncaptured issue", "customer": customer})
	frappe.db.set_single_value("CRM Profile Settings", "capture_issues", 0)
	issue.opening_date = "2025-02-01"
	issue.insert(ignore_permissions=True)
	frappe.db.set_value("Issue", issue.name, {"opening_date": "2025-02-01", "opening_time": "09:00:00"})
	page = read_page(customer, None, 10)
	assert [(i["kind"], i["name"]) for i in page["items"]] == [
		("Interaction", new.name),
		("Issue", issue.name),
		("Interaction", old.name),
	]
	assert page["next_cursor"] is None
	first = read_page(customer, None, 1)
	second = read_page(customer, first["next_cursor"], 1)
	assert [first["items"][0]["name"], second["items"][0]["name"]] == [new.name, issue.name]


def test_timeline_api_checks_permission_first():
	north = frappe.get_doc(
		{
			"doctype": "Territory",
			"territory_name": f"_CRM TL {random_string(5)}",
			"parent_territory": "All Territories",
		}
	).insert()
	theirs = make_customer(territory="All Territories").name
	mine = make_customer(territory=north.name).name
	user = make_user("crm.timeline@crm-profiles.test", ["CRM User"], territory=north.name)
	frappe.set_user(user)
	assert "items" in get_timeline(mine)
	with pytest.raises(frappe.PermissionError):
		get_timeline(theirs)
