# Copyright (c) 2026, crm_profiles contributors
# For license information, please see license.txt

import frappe
from frappe import _

from crm_profiles.utils.document import AppDocument


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

	def validate_control_percent(self):
		if not 0 <= (self.control_percent or 0) < 100:
			frappe.throw(_("{0} must be between 0 and 99.").format(frappe.bold(_("Control Group %"))))

	def on_trash(self):
		frappe.db.delete("Customer Campaign Member", {"customer_campaign": self.name})
