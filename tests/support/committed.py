"""Records a test commits (REST calls see only committed data), removed again at the end of the test."""

from __future__ import annotations

import frappe

# Rows of the app that belong to a customer, by the field naming it; removed with the customer.
CUSTOMER_ROWS = {
	"Customer Interaction": ("customer",),
	"Customer Consent": ("customer",),
	"Customer Profile Change": ("customer",),
	"Customer Merge Log": ("target_customer",),
	"Possible Duplicate": ("profile_a", "profile_b"),
	"Customer Recommendation": ("customer",),
	"Customer Item Summary": ("customer",),
	"Customer Segment Member": ("customer",),
}


class Made:
	"""What a test made and committed, undone in reverse order: a customer with its orders (cancelled
	first) and every app row that belongs to it, a campaign with its members, then each record."""

	def __init__(self):
		self.rows: list[tuple[str, str]] = []

	def add(self, doctype: str, name: str) -> str:
		self.rows.append((doctype, name))
		return name

	def undo(self) -> None:
		frappe.db.rollback()
		frappe.set_user("Administrator")
		for doctype, name in reversed(self.rows):
			if doctype == "Customer":
				self._customer_rows(name)
			if doctype == "Customer Campaign":
				frappe.db.delete("Customer Campaign Member", {"customer_campaign": name})
			if frappe.db.exists(doctype, name):
				frappe.delete_doc(doctype, name, force=True, ignore_permissions=True)
		frappe.db.commit()

	@staticmethod
	def _customer_rows(customer: str) -> None:
		for doctype, fields in CUSTOMER_ROWS.items():
			for field in fields:
				frappe.db.delete(doctype, {field: customer})
		for so in frappe.get_all("Sales Order", filters={"customer": customer}, pluck="name"):
			doc = frappe.get_doc("Sales Order", so)
			if doc.docstatus == 1:
				doc.cancel()
			frappe.delete_doc("Sales Order", so, force=True, ignore_permissions=True)
