# Copyright (c) 2026, crm_profiles contributors
# For license information, please see license.txt

from frappe.model.document import Document


class CRMProfileSettings(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		auto_create_profiles: DF.Check
		default_phone_region: DF.Link | None
	# end: auto-generated types
	pass
