# Copyright (c) 2026, crm_profiles contributors
# For license information, please see license.txt

from crm_profiles.utils.document import AppDocument
from crm_profiles.utils.validation import validate_ranges


class CustomerTier(AppDocument):
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
	def validate(self):
		self.validate_numbers()

	def validate_numbers(self):
		"""Rank and every threshold are whole, non-negative numbers (their type is checked on write)."""
		validate_ranges(self, {"rank": (0, 10000)})
