# Copyright (c) 2026, crm_profiles contributors
# For license information, please see license.txt

from frappe.model.document import Document


class CustomerTier(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		benefits: DF.TextEditor | None
		color: DF.Color | None
		description: DF.SmallText | None
		follow_up_interval_days: DF.Int
		is_loyal: DF.Check
		max_days_since_last_order: DF.Int
		min_order_count: DF.Int
		min_tenure_months: DF.Int
		min_window_value: DF.Currency
		rank: DF.Int
		tier_name: DF.Data
	# end: auto-generated types
	pass
