# Copyright (c) 2026, crm_profiles contributors
# For license information, please see license.txt

from crm_profiles.utils.document import AppDocument


class ItemAffinity(AppDocument):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		confidence: DF.Percent
		customers: DF.Int
		item_code: DF.Link
		lift: DF.Float
		other_item: DF.Link
		support: DF.Float
	# end: auto-generated types

	pass
