# Copyright (c) 2026, crm_profiles contributors
# For license information, please see license.txt

from crm_profiles.utils.document import AppDocument


class CustomerRecommendation(AppDocument):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		account_owner: DF.Link | None
		based_on_item: DF.Link | None
		computed_on: DF.Datetime | None
		confidence: DF.Percent
		customer: DF.Link
		customer_name: DF.Data | None
		due_on: DF.Date | None
		item_code: DF.Link
		kind: DF.Literal["Cross-sell", "Reorder Due"]
		last_ordered_on: DF.Date | None
		lift: DF.Float
		rank: DF.Int
		score: DF.Float
		times_bought: DF.Int
		typical_interval_days: DF.Int
	# end: auto-generated types

	pass
