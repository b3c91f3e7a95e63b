"""Read CRM Profile Settings with the defaults a site migrated from an older version has not saved yet."""

from __future__ import annotations

import frappe
from frappe.utils import cint

SETTINGS = "CRM Profile Settings"
DEFAULTS = {
	"capture_emails": 1,
	"capture_personal_emails": 0,
	"capture_calls": 1,
	"capture_issues": 1,
	"capture_meetings": 1,
	"complaint_response_hours": 24,
	"review_interval_days": 180,
	"survey_validity_days": 14,
	"self_service_validity_days": 14,
}


def setting(fieldname: str) -> int:
	value = frappe.db.get_single_value(SETTINGS, fieldname)
	if value is None or value == "":
		return DEFAULTS[fieldname]
	return cint(value)
