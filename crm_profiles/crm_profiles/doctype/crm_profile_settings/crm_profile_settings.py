# Copyright (c) 2026, crm_profiles contributors
# For license information, please see license.txt

import frappe
from frappe import _

from crm_profiles.analytics import rfm
from crm_profiles.utils import data_import
from crm_profiles.utils.document import AppDocument
from crm_profiles.utils.validation import validate_json_field, validate_ranges

# Allowed ranges of the number settings (0: the default applies); any other must not be negative.
RANGES = {
	"window_months": (0, 120),
	"complaint_response_hours": (0, 8760),
	"review_interval_days": (0, 36500),
	"survey_validity_days": (0, 3650),
	"self_service_validity_days": (1, 365),
	"new_customer_days": (0, 36500),
	"loyal_min_orders": (0, 100000),
	"at_risk_days": (0, 36500),
	"churned_days": (0, 36500),
	"stale_review_days": (0, 36500),
	"fuzzy_name_threshold": (0, 100),
}


class CRMProfileSettings(AppDocument):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		at_risk_days: DF.Int
		auto_create_profiles: DF.Check
		capture_calls: DF.Check
		capture_emails: DF.Check
		capture_issues: DF.Check
		capture_meetings: DF.Check
		capture_personal_emails: DF.Check
		churned_days: DF.Int
		complaint_response_hours: DF.Int
		completeness_weights: DF.Code | None
		default_phone_region: DF.Link | None
		figures_company: DF.Link | None
		figures_source: DF.Literal["Sales Order", "Sales Invoice"]
		frequency_thresholds: DF.Data | None
		fuzzy_name_threshold: DF.Percent
		last_full_refresh_on: DF.Datetime | None
		loyal_min_orders: DF.Int
		monetary_thresholds: DF.Data | None
		new_customer_days: DF.Int
		order_value: DF.Literal["Net Total", "Grand Total"]
		recency_thresholds: DF.Data | None
		refresh_error: DF.SmallText | None
		refresh_run: DF.Data | None
		refresh_status: DF.Literal["", "Running", "Completed", "Failed"]
		reorder_follow_ups: DF.Check
		restrict_profiles_to_owner: DF.Check
		review_interval_days: DF.Int
		rfm_cut_points: DF.SmallText | None
		rfm_mode: DF.Literal["Quintiles", "Fixed Thresholds"]
		self_service_validity_days: DF.Int
		stale_review_days: DF.Int
		survey_validity_days: DF.Int
		update_on_order_events: DF.Check
		window_months: DF.Int

	# end: auto-generated types
	def validate(self):
		self.validate_numbers()
		self.validate_completeness_weights()
		self.validate_rfm_thresholds()
		self.validate_lifecycle_days()

	def on_update(self):
		data_import.forget_config()

	def validate_numbers(self):
		validate_ranges(self, RANGES)

	def validate_completeness_weights(self):
		"""A JSON object of profile fields and whole, non-negative weights, as the score reads it."""
		weights = validate_json_field(self, "completeness_weights")
		if weights is None:
			return
		label = frappe.bold(_(self.meta.get_label("completeness_weights")))
		if not isinstance(weights, dict):
			frappe.throw(
				_("{0} must be a JSON object such as {1}.").format(label, '{"email_id": 20}'),
				title=_("Invalid {0}").format(_("Completeness Weights")),
			)
		profile = frappe.get_meta("Customer Profile")
		for fieldname, weight in weights.items():
			if not profile.get_field(fieldname):
				frappe.throw(
					_("{0}: {1} is not a field of Customer Profile.").format(label, frappe.bold(fieldname)),
					title=_("Invalid {0}").format(_("Completeness Weights")),
				)
			if isinstance(weight, bool) or not isinstance(weight, int) or not 0 <= weight <= 1000:
				frappe.throw(
					_("{0}: the weight of {1} must be a whole number from 0 to 1000.").format(
						label, frappe.bold(fieldname)
					),
					title=_("Invalid {0}").format(_("Completeness Weights")),
				)

	def validate_rfm_thresholds(self):
		for fieldname in ("recency_thresholds", "frequency_thresholds", "monetary_thresholds"):
			try:
				rfm.parse_thresholds(self.get(fieldname), (0, 1, 2, 3))
			except rfm.ThresholdError:
				frappe.throw(
					_("{0} needs four ascending numbers separated by commas, such as 30,90,180,365.").format(
						frappe.bold(_(self.meta.get_label(fieldname)))
					),
					title=_("Invalid RFM thresholds"),
				)

	def validate_lifecycle_days(self):
		if self.at_risk_days and self.churned_days and self.churned_days <= self.at_risk_days:
			frappe.throw(
				_("Churned days ({0}) must be more than At Risk days ({1}).").format(
					self.churned_days, self.at_risk_days
				),
				title=_("Invalid lifecycle settings"),
			)
