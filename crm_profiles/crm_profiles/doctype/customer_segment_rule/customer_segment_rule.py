# Copyright (c) 2026, crm_profiles contributors
# For license information, please see license.txt

from crm_profiles.utils.document import AppDocument


class CustomerSegmentRule(AppDocument):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from_date: DF.Date | None
		interaction_count: DF.Int
		interaction_type: DF.Literal[
			"", "Call", "Email", "Meeting", "Visit", "Chat", "Complaint", "Feedback", "Inquiry", "Follow-up"
		]
		item_code: DF.Link | None
		item_group: DF.Link | None
		last_days: DF.Int
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		preference: DF.Data | None
		preference_category: DF.Literal[
			"", "Product", "Service", "Communication", "Delivery", "Payment", "Pricing", "Other"
		]
		purpose: DF.Literal[
			"",
			"Marketing Email",
			"Marketing SMS",
			"Marketing Phone",
			"Surveys",
			"Follow-ups",
			"Profiling",
			"Data Sharing",
		]
		rule_type: DF.Literal[
			"Has Preference",
			"Lacks Preference",
			"Has Current Consent",
			"Lacks Current Consent",
			"Bought",
			"Never Bought",
			"Interactions At Least",
			"Interactions Fewer Than",
		]
		to_date: DF.Date | None
	# end: auto-generated types

	pass
