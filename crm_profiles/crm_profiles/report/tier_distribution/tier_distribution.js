// Copyright (c) 2026, crm_profiles contributors
// For license information, please see license.txt

frappe.query_reports["Tier Distribution"] = {
	filters: crm_profiles.profile_filters([], { dates: false }),
};
