# Copyright (c) 2026, crm_profiles contributors
# For license information, please see license.txt

from crm_profiles.utils.document import AppDocument


class CustomerCampaignMember(AppDocument):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		arm: DF.Literal["Contacted", "Control"]
		customer: DF.Link
		customer_campaign: DF.Link
		email_id: DF.Data | None
	# end: auto-generated types

	pass
