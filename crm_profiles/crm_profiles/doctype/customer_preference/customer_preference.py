# Copyright (c) 2026, crm_profiles contributors
# For license information, please see license.txt

from crm_profiles.utils.document import AppDocument


class CustomerPreference(AppDocument):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		category: DF.Literal[
			"", "Product", "Service", "Communication", "Delivery", "Payment", "Pricing", "Other"
		]
		detail: DF.SmallText | None
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		preference: DF.Data
		recorded_on: DF.Date | None
		source: DF.Literal["", "Survey", "Interview", "Purchase behaviour", "Self-service", "Other"]
	# end: auto-generated types
	pass
