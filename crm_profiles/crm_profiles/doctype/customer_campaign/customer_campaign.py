# Copyright (c) 2026, crm_profiles contributors
# For license information, please see license.txt

import frappe
from frappe import _

from crm_profiles.compat import has_newsletter
from crm_profiles.utils.document import AppDocument


def newsletter_missing_message() -> str:
	return _(
		"This site has no Newsletter: Frappe 16 moved it to the separate Newsletter app. Install that app "
		"to send the campaign as a Newsletter, or send to the campaign's Email Group with another tool "
		"and record the date with Mark as Sent."
	)


class CustomerCampaign(AppDocument):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		audience_summary: DF.SmallText | None
		campaign: DF.Link | None
		campaign_name: DF.Data
		contacted_count: DF.Int
		control_count: DF.Int
		control_percent: DF.Percent
		effect_days: DF.Int
		email_group: DF.Link | None
		newsletter: DF.Link | None
		segment: DF.Link
		sent_on: DF.Date | None
		status: DF.Literal["Draft", "Audience Ready", "Sent"]
	# end: auto-generated types

	def validate(self):
		self.validate_control_percent()
		self.validate_newsletter()

	def validate_control_percent(self):
		if not 0 <= (self.control_percent or 0) < 100:
			frappe.throw(_("{0} must be between 0 and 99.").format(frappe.bold(_("Control Group %"))))

	def validate_newsletter(self):
		if self.newsletter and self.has_value_changed("newsletter") and not has_newsletter():
			frappe.throw(newsletter_missing_message(), frappe.ValidationError)

	def on_trash(self):
		frappe.db.delete("Customer Campaign Member", {"customer_campaign": self.name})
