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
	def validate(self):
		self.order_pair()

	def order_pair(self):
		"""A pair is stored once, with profile_a < profile_b (the database's unique key relies on it)."""
		if self.profile_a and self.profile_b and self._sorts_after(self.profile_a, self.profile_b):
			self.profile_a, self.profile_b = self.profile_b, self.profile_a
			self.customer_name_a, self.customer_name_b = self.customer_name_b, self.customer_name_a

	@staticmethod
	def _sorts_after(a: str, b: str) -> bool:
		"""Compared as the database compares them (its collation), as the duplicate queue does."""
		return bool(frappe.db.sql("select %s > %s", (a, b))[0][0])


def on_doctype_update():
	frappe.db.add_index("Possible Duplicate", ["profile_a", "profile_b"])
