# Copyright (c) 2026, crm_profiles contributors
# For license information, please see license.txt

import frappe
from frappe import _

from crm_profiles.utils import data_import
from crm_profiles.utils.document import AppDocument


class DuplicateMatchingRule(AppDocument):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		action: DF.Literal["Warn", "Block"]
		description: DF.SmallText | None
		enabled: DF.Check
		rule_name: DF.Data
		rule_type: DF.Literal["Email", "Phone", "Tax ID", "Fuzzy Name"]
		threshold: DF.Percent
	# end: auto-generated types

	def validate(self):
		self.validate_threshold()

	def on_update(self):
		data_import.forget_config()

	def on_trash(self):
		data_import.forget_config()

	def validate_threshold(self):
		if self.threshold and not 0 < self.threshold <= 100:
			frappe.throw(
				_("{0} must be between 1 and 100.").format(frappe.bold(_("Similarity Threshold"))),
				title=_("Invalid {0}").format(_("Similarity Threshold")),
			)
