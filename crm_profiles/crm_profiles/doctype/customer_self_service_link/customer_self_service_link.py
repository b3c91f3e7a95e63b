# Copyright (c) 2026, crm_profiles contributors
# For license information, please see license.txt

from crm_profiles.utils.document import AppDocument


class CustomerSelfserviceLink(AppDocument):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		customer: DF.Link
		customer_name: DF.Data | None
		expires_on: DF.Datetime | None
		last_ip_address: DF.Data | None
		last_submitted_on: DF.Datetime | None
		revoked: DF.Check
		sent_by: DF.Link | None
		sent_to: DF.Data | None
		submission_count: DF.Int
	# end: auto-generated types
	pass
