# Copyright (c) 2026, crm_profiles contributors
# For license information, please see license.txt

import frappe
from frappe import _

from crm_profiles.quality import match_keys
from crm_profiles.quality.completeness import set_score
from crm_profiles.quality.matching import check_new_profile
from crm_profiles.utils.document import AppDocument
from crm_profiles.utils.validation import validate_date_fields, validate_email_field, validate_phone_field


class CustomerProfile(AppDocument):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from crm_profiles.crm_profiles.doctype.customer_preference.customer_preference import (
			CustomerPreference,
		)
		from crm_profiles.crm_profiles.doctype.customer_profile_tag.customer_profile_tag import (
			CustomerProfileTag,
		)

		account_owner: DF.Link | None
		address: DF.Link | None
		address_display: DF.SmallText | None
		average_csat: DF.Float
		average_order_value: DF.Currency
		birthday: DF.Date | None
		completeness_score: DF.Percent
		consent_summary: DF.SmallText | None
		contact_person_name: DF.Data | None
		customer: DF.Link
		customer_group: DF.Link | None
		customer_name: DF.Data | None
		days_since_last_order: DF.Int
		do_not_contact: DF.Check
		email_id: DF.Data | None
		figures_basis: DF.Data | None
		figures_currency: DF.Link | None
		figures_updated_on: DF.Datetime | None
		first_order_date: DF.Date | None
		follow_up_overdue: DF.Check
		frequency_score: DF.Int
		industry: DF.Link | None
		interaction_count: DF.Int
		last_interaction_on: DF.Datetime | None
		last_nps: DF.Data | None
		last_order_date: DF.Date | None
		last_reviewed_on: DF.Date | None
		lifecycle_stage: DF.Literal["Prospect", "New", "Active", "Loyal", "At Risk", "Churned"]
		lifetime_value: DF.Currency
		match_email: DF.Data | None
		match_name: DF.Data | None
		match_name_end: DF.Data | None
		match_name_start: DF.Data | None
		match_phone: DF.Data | None
		match_tax_id: DF.Data | None
		mobile_no: DF.Data | None
		monetary_score: DF.Int
		next_follow_up_date: DF.Date | None
		notes: DF.TextEditor | None
		open_complaints: DF.Int
		order_count: DF.Int
		organization: DF.Data | None
		personal_id: DF.Password | None
		position: DF.Data | None
		preferences: DF.Table[CustomerPreference]
		primary_contact: DF.Link | None
		private_notes: DF.SmallText | None
		recency_score: DF.Int
		rfm_segment: DF.Literal[
			"",
			"Champions",
			"Loyal Customers",
			"Potential Loyalist",
			"Recent Customers",
			"Promising",
			"Need Attention",
			"About to Sleep",
			"Slipping Away",
			"Cannot Lose",
			"Hibernating",
			"Lost",
		]
		source: DF.Link | None
		tags: DF.TableMultiSelect[CustomerProfileTag]
		territory: DF.Link | None
		tier: DF.Link | None
		tier_lock_reason: DF.SmallText | None
		tier_locked: DF.Check
		website: DF.Data | None
		wechat_id: DF.Data | None
		window_order_count: DF.Int
		window_value: DF.Currency

	# end: auto-generated types
	def validate(self):
		self.keep_customer()
		self.set_customer_details()
		self.validate_contact_values()
		self.validate_tier_lock()
		self.set_address_display()
		self.set_match_keys()
		self.check_duplicates()
		self.set_completeness()

	def keep_customer(self):
		"""A profile belongs to its customer for life: it is named after it, and never moves."""
		if not self.is_new() and self.customer != self.name:
			frappe.throw(
				_("The customer of a profile cannot be changed. Merge the customers instead."),
				frappe.CannotChangeConstantError,
				title=_("Customer cannot change"),
			)

	def set_customer_details(self):
		"""Show the Customer's name, group, territory and industry read-only on the profile; keep its tax
		id for the match keys."""
		values = frappe.db.get_value(
			"Customer",
			self.customer,
			["customer_name", "customer_group", "territory", "industry", "tax_id"],
			as_dict=True,
		)
		self.flags.customer_tax_id = values.pop("tax_id") if values else None
		if values:
			self.update(values)

	def validate_contact_values(self):
		validate_date_fields(self)
		validate_email_field(self, "email_id")
		validate_phone_field(self, "mobile_no")

	def validate_tier_lock(self):
		if self.tier_locked and not (self.tier_lock_reason or "").strip():
			frappe.throw(
				_("Please give a reason for locking the tier of {0}.").format(
					frappe.bold(self.customer_name)
				),
				title=_("Tier lock needs a reason"),
			)

	def set_match_keys(self):
		match_keys.set_keys(self, self.flags.customer_tax_id)

	def check_duplicates(self):
		check_new_profile(self)

	def set_completeness(self):
		set_score(self)

	def set_address_display(self):
		if self.address and self.has_value_changed("address"):
			from frappe.contacts.doctype.address.address import get_address_display

			self.address_display = get_address_display(self.address)
		elif not self.address:
			self.address_display = None


# The columns ``figures.cut_points`` reads, for the profiles with orders: the nightly refresh reads the
# RFM cut points from this index alone instead of from the profile rows.
CUT_POINTS_INDEX = ("order_count", "lifetime_value", "last_order_date")


def on_doctype_update():
	frappe.db.add_index("Customer Profile", list(CUT_POINTS_INDEX))
