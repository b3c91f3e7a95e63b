# Copyright (c) 2026, crm_profiles contributors
# For license information, please see license.txt

from crm_profiles.utils.document import AppDocument


class CustomerMergeLog(AppDocument):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		chosen_values: DF.Code | None
		counts_after: DF.Code | None
		counts_before: DF.Code | None
		error: DF.SmallText | None
		finished_on: DF.Datetime | None
		merged_by: DF.Link | None
		source_customer: DF.Data | None
		started_on: DF.Datetime | None
		status: DF.Literal["Queued", "Running", "Completed", "Failed"]
		target_customer: DF.Link | None
	# end: auto-generated types
	pass
