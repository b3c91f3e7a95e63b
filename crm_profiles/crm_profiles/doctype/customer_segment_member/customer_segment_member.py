# Copyright (c) 2026, crm_profiles contributors
# For license information, please see license.txt

from crm_profiles.utils.document import AppDocument


class CustomerSegmentMember(AppDocument):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		customer: DF.Link
		customer_name: DF.Data | None
		is_current: DF.Check
		joined_on: DF.Datetime | None
		left_on: DF.Datetime | None
		segment: DF.Link
	# end: auto-generated types

	pass
