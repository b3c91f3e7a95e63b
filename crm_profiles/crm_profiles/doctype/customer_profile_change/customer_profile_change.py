# Copyright (c) 2026, crm_profiles contributors
# For license information, please see license.txt

from crm_profiles.utils.document import AppDocument


class CustomerProfileChange(AppDocument):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		change_type: DF.Literal[
			"Tier", "Lifecycle Stage", "Email", "Mobile", "WeChat ID", "Preference", "Consent"
		]
		changed_by: DF.Link | None
		changed_on: DF.Datetime | None
		customer: DF.Link | None
		customer_profile: DF.Link
		detail: DF.Data | None
		from_value: DF.Data | None
		reason: DF.Literal["Rule", "Manual", "Self-service"]
		self_service_link: DF.Link | None
		to_value: DF.Data | None
	# end: auto-generated types
	pass
