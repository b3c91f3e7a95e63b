"""Real submitted Sales Orders (and what they need) for the analytics tests, made through ERPNext's ORM."""

from __future__ import annotations

import frappe
from frappe.utils import add_days, getdate

COMPANY = "Wind Power LLC"  # ERPNext's test company (USD), made by erpnext.setup.utils.before_tests
EUR_COMPANY = "_CRM Analytics EUR GmbH"


def ensure_item(code: str = "_CRM Analytics Item") -> str:
	if not frappe.db.exists("Item", code):
		frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": code,
				"item_name": code,
				"item_group": "All Item Groups",
				"stock_uom": "Nos",
				"is_stock_item": 0,
				"include_item_in_manufacturing": 0,
			}
		).insert(ignore_permissions=True)
	return code


def ensure_exchange_rate(from_currency: str, to_currency: str, rate: float) -> None:
	"""A stored rate, so ERPNext never asks an exchange-rate web service during a test."""
	for date in ("2000-01-01",):
		if not frappe.db.exists(
			"Currency Exchange", {"from_currency": from_currency, "to_currency": to_currency, "date": date}
		):
			frappe.get_doc(
				{
					"doctype": "Currency Exchange",
					"date": date,
					"from_currency": from_currency,
					"to_currency": to_currency,
					"exchange_rate": rate,
					"for_selling": 1,
					"for_buying": 1,
				}
			).insert(ignore_permissions=True)


def ensure_eur_company() -> str:
	"""A second company whose currency is EUR."""
	if not frappe.db.exists("Company", EUR_COMPANY):
		frappe.get_doc(
			{
				"doctype": "Company",
				"company_name": EUR_COMPANY,
				"abbr": "_CAE",
				"default_currency": "EUR",
				"country": "Germany",
				"create_chart_of_accounts_based_on": "Standard Template",
				"chart_of_accounts": "Standard",
			}
		).insert(ignore_permissions=True)
	ensure_exchange_rate("USD", "EUR", 0.9)
	ensure_exchange_rate("EUR", "USD", 1.1)
	return EUR_COMPANY


def fresh(doc):
	"""``doc`` as read back from the database, the way a user opens a saved document before acting on it.

	Frappe compares ``str(modified)`` of the copy in memory with the row's: when a save lands on a
	whole second, the copy holds "…:08.000000" and the row reads back as "…:08", so the next save of
	that same copy fails with TimestampMismatchError (seen once in CI, in a 200-order loop).
	"""
	return frappe.get_doc(doc.doctype, doc.name)


def submit_and_reload(doc):
	"""Submit the inserted ``doc`` as read back, and return it read back again (``fresh``)."""
	fresh(doc).submit()
	return fresh(doc)


def make_order(
	customer: str,
	date,
	rate: float,
	qty: float = 1,
	item: str | None = None,
	company: str = COMPANY,
	currency: str | None = None,
	conversion_rate: float = 1.0,
	items: list[tuple[str, float, float]] | None = None,
	submit: bool = True,
):
	"""One Sales Order dated ``date``; ``items`` as (item_code, qty, rate) overrides item/qty/rate."""
	company_currency = frappe.get_cached_value("Company", company, "default_currency")
	currency = currency or company_currency
	so = frappe.new_doc("Sales Order")
	so.update(
		{
			"customer": customer,
			"company": company,
			"transaction_date": getdate(date),
			"delivery_date": add_days(getdate(date), 7),
			"currency": currency,
			"conversion_rate": conversion_rate if currency != company_currency else 1,
			"selling_price_list": "Standard Selling",
			"price_list_currency": currency,
			"plc_conversion_rate": conversion_rate if currency != company_currency else 1,
			"ignore_pricing_rule": 1,
			"set_warehouse": "",
		}
	)
	for code, q, r in items or [(item or ensure_item(), qty, rate)]:
		so.append("items", {"item_code": code, "qty": q, "rate": r, "delivery_date": so.delivery_date})
	so.insert(ignore_permissions=True)
	return submit_and_reload(so) if submit else fresh(so)


def make_invoice(customer: str, date, rate: float, qty: float = 1, company: str = COMPANY, is_return_of=None):
	"""A submitted Sales Invoice dated ``date``, or a submitted credit note (return) of ``is_return_of``."""
	if is_return_of:
		from erpnext.controllers.sales_and_purchase_return import make_return_doc

		credit = make_return_doc("Sales Invoice", is_return_of.name)
		credit.posting_date = getdate(date)
		credit.set_posting_time = 1
		credit.insert(ignore_permissions=True)
		return submit_and_reload(credit)
	si = frappe.new_doc("Sales Invoice")
	si.update(
		{
			"customer": customer,
			"company": company,
			"posting_date": getdate(date),
			"set_posting_time": 1,
			"due_date": add_days(getdate(date), 30),
			"selling_price_list": "Standard Selling",
			"ignore_pricing_rule": 1,
		}
	)
	si.append("items", {"item_code": ensure_item(), "qty": qty, "rate": rate})
	si.insert(ignore_permissions=True)
	return submit_and_reload(si)
