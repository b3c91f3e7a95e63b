# Copyright (c) 2026, crm_profiles contributors
# For license information, please see license.txt

import frappe

from crm_profiles.utils.document import AppDocument


class PossibleDuplicate(AppDocument):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		customer_name_a: DF.Data | None
		customer_name_b: DF.Data | None
		found_on: DF.Datetime | None
		matched_value: DF.Data | None
		merge_log: DF.Link | None
		profile_a: DF.Link
		profile_b: DF.Link
		rule: DF.Link | None
		score: DF.Percent
		status: DF.Literal["Open", "Merged", "Not a Duplicate"]
	# end: auto-generated types
	pass


def on_doctype_update():
	frappe.db.add_index("Possible Duplicate", ["profile_a", "profile_b"])
