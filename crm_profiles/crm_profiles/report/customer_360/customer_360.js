// Copyright (c) 2026, crm_profiles contributors
// For license information, please see license.txt

frappe.query_reports["Customer 360"] = {
	filters: crm_profiles
		.profile_filters([
			{
				fieldname: "customer_segment",
				label: __("Segment"),
				fieldtype: "Link",
				options: "Customer Segment",
			},
		])
		.map((f) => {
			if (f.fieldname === "from_date") f.label = __("Ordered Since");
			if (f.fieldname === "to_date") f.label = __("Customer Before");
			return f;
		}),
};
