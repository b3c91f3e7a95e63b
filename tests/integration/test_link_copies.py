"""A Link field that copies a link of another linked document is filled by Frappe's check of that link,
without a query of its own (``AppDocument.get_invalid_links``), and still holds that document's value."""

from __future__ import annotations

import re

import frappe
import pytest
from frappe.model.document import Document
from frappe.model.meta import Meta
from support.factories import make_customer, make_interaction, unique
from support.queries import statements_sent

from crm_profiles.utils.document import AppDocument, links_checked_here


@pytest.fixture
def scoped_customer():
	territory = frappe.get_doc(
		{"doctype": "Territory", "territory_name": unique("_CRM T"), "parent_territory": "All Territories"}
	).insert(ignore_permissions=True)
	group = frappe.get_doc(
		{
			"doctype": "Customer Group",
			"customer_group_name": unique("_CRM G"),
			"parent_customer_group": "All Customer Groups",
		}
	).insert(ignore_permissions=True)
	return make_customer(territory=territory.name, customer_group=group.name)


def _queries(fn) -> list[str]:
	frappe.db.value_cache.clear()  # each run reads what it checks, not what a run before it cached
	with statements_sent() as sent:
		fn()
	return [" ".join(str(query).split()) for query, _values in sent]


def _reads(queries: list[str], table: str) -> list[str]:
	"""The reads of one row of ``table`` by its name (Frappe's checks, and the app's, with an alias)."""
	pattern = rf"from `tab{table}`( \w+)? .*where (\w+\.)?`?name`?\s*="
	return [q for q in queries if re.search(pattern, q, re.IGNORECASE)]


def _reads_with_and_without_the_app_check(monkeypatch, make) -> tuple[list[str], list[str]]:
	"""The queries of ``make()`` with the app's link check, then with Frappe's own (after a first run
	that builds what Frappe caches for the rest of the request: the new document's template)."""
	make()
	ours = _queries(make)
	monkeypatch.setattr(AppDocument, "get_invalid_links", Document.get_invalid_links)
	frappes = _queries(make)
	monkeypatch.undo()
	return ours, frappes


def test_an_interaction_takes_its_customers_territory_and_group_without_checking_them_again(
	scoped_customer, monkeypatch
):
	customer = scoped_customer
	made = []

	def make():
		made.append(make_interaction(customer.name, territory="All Territories", customer_group="Commercial"))

	ours, frappes = _reads_with_and_without_the_app_check(monkeypatch, make)
	for doc in made:
		assert (doc.territory, doc.customer_group, doc.customer_name) == (
			customer.territory,
			customer.customer_group,
			customer.customer_name,
		)
		stored = frappe.db.get_value("Customer Interaction", doc.name, ["territory", "customer_group"])
		assert stored == (customer.territory, customer.customer_group)
		assert isinstance(doc.meta, Meta)  # the document's own meta is back after the check
	assert len(_reads(ours, "Customer")) == 1, "the customer is read once: its check, with its scope"
	assert len(_reads(frappes, "Customer")) == 2  # Frappe's check, then the interaction's own read
	for table in ("Territory", "Customer Group"):
		assert len(_reads(frappes, table)) - len(_reads(ours, table)) == 1, table


def test_only_set_links_are_taken_with_what_they_fetch_and_copies_are_not(scoped_customer):
	doc = frappe.new_doc("Customer Interaction")
	doc.territory = "All Territories"
	taken = links_checked_here(doc)
	assert "customer" not in taken and "territory" not in taken  # a copy is never taken
	doc.customer = scoped_customer.name
	taken = links_checked_here(doc)
	assert {d.fieldname for d in taken["customer"][2]} == {"customer_name", "territory", "customer_group"}
	assert "territory" not in taken and "customer_group" not in taken


@pytest.mark.parametrize("territory", [None, "_CRM no such territory"], ids=["no-territory", "any-territory"])
def test_a_customer_that_does_not_exist_is_refused_whatever_is_sent_with_it(territory):
	"""Frappe 15's own check lets a link that fetches values through when its document is missing."""
	for doctype, values in (
		("Customer Consent", {"purpose": "Marketing Email", "status": "Granted"}),
		("Customer Interaction", {"interaction_type": "Call", "subject": "Hello"}),
	):
		doc = frappe.get_doc(
			{"doctype": doctype, "customer": "_CRM no such customer", "territory": territory, **values}
		)
		with pytest.raises(frappe.LinkValidationError, match="_CRM no such customer"):
			doc.insert()
		assert not frappe.db.exists(doctype, {"customer": "_CRM no such customer"})


def test_a_customer_typed_in_another_case_is_stored_as_named(scoped_customer):
	doc = make_interaction(scoped_customer.name.upper())
	assert doc.customer == scoped_customer.name
	assert doc.territory == scoped_customer.territory


def test_the_signed_in_user_as_owner_needs_no_query_and_another_user_is_still_checked(
	scoped_customer, monkeypatch
):
	ours, frappes = _reads_with_and_without_the_app_check(
		monkeypatch, lambda: make_interaction(scoped_customer.name, interaction_owner=frappe.session.user)
	)
	assert len(_reads(frappes, "User")) - len(_reads(ours, "User")) == 1
	with pytest.raises(frappe.LinkValidationError, match=re.escape("_crm-nobody@example.com")):
		make_interaction(scoped_customer.name, interaction_owner="_crm-nobody@example.com")
