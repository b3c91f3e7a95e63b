# Copyright (c) 2026, crm_profiles contributors
# For license information, please see license.txt

from crm_profiles.utils.document import AppDocument


class CustomerItemSummary(AppDocument):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		customer: DF.Link
		first_ordered_on: DF.Date | None
		item_code: DF.Link
		last_ordered_on: DF.Date | None
		orders: DF.Int
		purchase_dates: DF.Int
	# end: auto-generated types

	pass
