// Copyright (c) 2026, crm_profiles contributors
// For license information, please see license.txt

frappe.query_reports["Tier Migration"] = {
	filters: crm_profiles.profile_filters().map((f) => {
		if (f.fieldname === "from_date")
			f.default = frappe.datetime.add_months(frappe.datetime.get_today(), -3);
		if (f.fieldname === "to_date") f.default = frappe.datetime.get_today();
		return f;
	}),
};
