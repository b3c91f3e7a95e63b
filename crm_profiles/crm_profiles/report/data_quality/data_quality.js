// Copyright (c) 2026, crm_profiles contributors
// For license information, please see license.txt

frappe.query_reports["Data Quality"] = {
	filters: [
		{
			fieldname: "issue",
			label: __("Issue"),
			fieldtype: "Select",
			options: ["", "Missing Field", "Invalid Value", "Stale", "Suspected Duplicate"],
		},
		{ fieldname: "customer", label: __("Customer"), fieldtype: "Link", options: "Customer" },
		{
			fieldname: "territory",
			label: __("Territory"),
			fieldtype: "Link",
			options: "Territory",
		},
		{
			fieldname: "customer_group",
			label: __("Customer Group"),
			fieldtype: "Link",
			options: "Customer Group",
		},
		{
			fieldname: "account_owner",
			label: __("Account Owner"),
			fieldtype: "Link",
			options: "User",
		},
		{ fieldname: "stale_days", label: __("Stale After (Days)"), fieldtype: "Int" },
	],
};
