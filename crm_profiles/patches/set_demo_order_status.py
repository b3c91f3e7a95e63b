"""Demo Sales Orders made before the demo set their status were submitted (docstatus 1) but showed
"Draft" on Frappe 15: ERPNext sets no status on an order inserted as submitted. Set it as ERPNext does,
on the demo customers' orders only (``demo.DEMO_MARK``). Idempotent."""

from __future__ import annotations

import frappe

from crm_profiles.demo import DEMO_MARK


def execute():
	orders = frappe.db.sql(
		"""select so.name from `tabSales Order` so join `tabCustomer` c on c.name = so.customer
		where so.docstatus = 1 and so.status = 'Draft' and c.customer_details = %s""",
		DEMO_MARK,
		pluck=True,
	)
	for name in orders:  # the demo's orders only: 2,000 at most
		frappe.get_doc("Sales Order", name).set_status(update=True, update_modified=False)
