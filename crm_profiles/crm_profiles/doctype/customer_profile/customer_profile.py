# Copyright (c) 2026, crm_profiles contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from crm_profiles.utils.validation import validate_email_field, validate_phone_field


class CustomerProfile(Document):
	def validate(self):
		self.set_customer_details()
		self.validate_contact_values()
		self.validate_tier_lock()
		self.set_address_display()

	def set_customer_details(self):
		"""Show the Customer's name, group, territory and industry read-only on the profile."""
		values = frappe.db.get_value(
			"Customer", self.customer, ["customer_name", "customer_group", "territory", "industry"], as_dict=True
		)
		if values:
			self.update(values)

	def validate_contact_values(self):
		validate_email_field(self, "email_id")
		validate_phone_field(self, "mobile_no")

	def validate_tier_lock(self):
		if self.tier_locked and not (self.tier_lock_reason or "").strip():
			frappe.throw(
				_("Please give a reason for locking the tier of {0}.").format(frappe.bold(self.customer_name)),
				title=_("Tier lock needs a reason"),
			)

	def set_address_display(self):
		if self.address and self.has_value_changed("address"):
			from frappe.contacts.doctype.address.address import get_address_display

			self.address_display = get_address_display(self.address)
		elif not self.address:
			self.address_display = None
