# Copyright (c) 2026, crm_profiles contributors
# For license information, please see license.txt

import re

import frappe
from frappe import _
from frappe.utils import get_datetime, getdate

from crm_profiles.utils.document import AppDocument
from crm_profiles.utils.validation import validate_date_fields

# Fields that make a ledger row what it is; record a new row instead of changing them.
LEDGER_FIELDS = ("customer", "purpose", "channel", "status", "consent_on")
_SAFE_FILE_URL = re.compile(r"^(/private/files/|/files/|https?://)[^<>\"'\s]*$")


class CustomerConsent(AppDocument):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		channel: DF.Literal["Any", "Email", "SMS", "Phone", "Post", "In Person"]
		consent_on: DF.Datetime
		customer: DF.Link
		customer_name: DF.Data | None
		email_id: DF.Data | None
		evidence: DF.SmallText | None
		evidence_file: DF.Attach | None
		expires_on: DF.Date | None
		ip_address: DF.Data | None
		profile: DF.Link | None
		purpose: DF.Literal[
			"Marketing Email",
			"Marketing SMS",
			"Marketing Phone",
			"Surveys",
			"Follow-ups",
			"Profiling",
			"Data Sharing",
		]
		recorded_by: DF.Link | None
		self_service_link: DF.Link | None
		source: DF.Literal[
			"Web Form",
			"Email",
			"Phone Call",
			"In Person",
			"Paper Form",
			"Data Import",
			"Self-service",
			"Other",
		]
		status: DF.Literal["Granted", "Withdrawn"]
		territory: DF.Link | None
	# end: auto-generated types

	def validate(self):
		self.keep_ledger_rows_unchanged()
		self.set_customer_details()
		self.validate_dates()
		self.validate_evidence_file()

	def keep_ledger_rows_unchanged(self):
		if self.is_new():
			self.recorded_by = frappe.session.user
			return
		for fieldname in LEDGER_FIELDS:
			if self.has_value_changed(fieldname):
				frappe.throw(
					_(
						"{0} cannot be changed on a consent record. Record a new grant or withdrawal instead."
					).format(frappe.bold(_(self.meta.get_label(fieldname)))),
					title=_("Consent ledger"),
				)

	def set_customer_details(self):
		values = frappe.db.get_value("Customer", self.customer, ["customer_name", "territory"], as_dict=True)
		if values:
			self.customer_name, self.territory = values.customer_name, values.territory
		if frappe.db.exists("Customer Profile", self.customer):
			self.profile = self.customer
			if self.is_new():
				self.email_id = frappe.db.get_value("Customer Profile", self.customer, "email_id")

	def validate_dates(self):
		validate_date_fields(self)
		if (
			self.expires_on
			and self.consent_on
			and getdate(self.expires_on) < get_datetime(self.consent_on).date()
		):
			frappe.throw(
				_("{0} cannot be before the date the consent was given.").format(
					frappe.bold(_("Expires On"))
				),
				title=_("Invalid {0}").format(_("Expires On")),
			)

	def validate_evidence_file(self):
		if self.evidence_file and not _SAFE_FILE_URL.match(self.evidence_file):
			frappe.throw(
				_("{0}: attach a file or give a web address.").format(frappe.bold(_("Evidence File"))),
				title=_("Invalid {0}").format(_("Evidence File")),
			)
