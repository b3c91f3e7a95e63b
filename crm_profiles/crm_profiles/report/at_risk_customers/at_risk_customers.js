// Copyright (c) 2026, crm_profiles contributors
// For license information, please see license.txt

frappe.query_reports["At-Risk Customers"] = {
	filters: crm_profiles
		.profile_filters(
			[
				{ fieldname: "include_churned", label: __("Include Churned"), fieldtype: "Check" },
				{
					fieldname: "min_days",
					label: __("Min Days Since Last Order"),
					fieldtype: "Int",
				},
				crm_profiles.rows_filter(),
			],
			{ dates: false },
		)
		.filter((f) => f.fieldname !== "lifecycle_stage"),
};
