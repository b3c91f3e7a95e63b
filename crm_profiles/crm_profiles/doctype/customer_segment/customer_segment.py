# Copyright (c) 2026, crm_profiles contributors
# For license information, please see license.txt

import json

import frappe

from crm_profiles.utils.document import AppDocument


class CustomerSegment(AppDocument):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from crm_profiles.crm_profiles.doctype.customer_segment_rule.customer_segment_rule import (
			CustomerSegmentRule,
		)

		description: DF.SmallText | None
		email_group: DF.Link | None
		enabled: DF.Check
		filters_json: DF.Code | None
		last_refreshed_on: DF.Datetime | None
		last_synced_on: DF.Datetime | None
		member_count: DF.Int
		rules: DF.Table[CustomerSegmentRule]
		segment_name: DF.Data
		sync_summary: DF.SmallText | None
	# end: auto-generated types

	def validate(self):
		self.validate_filters()
		self.validate_rules()

	def validate_filters(self):
		from crm_profiles.segments.rules import parse_filters

		self.filters_json = json.dumps(parse_filters(self.filters_json))

	def validate_rules(self):
		from crm_profiles.segments.rules import check_rule

		for row in self.rules:
			check_rule(row)

	def on_trash(self):
		frappe.db.delete("Customer Segment Member", {"segment": self.name})
