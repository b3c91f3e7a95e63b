// Copyright (c) 2026, crm_profiles contributors
// For license information, please see license.txt

frappe.query_reports["Campaign Effect"] = {
	filters: [
		{
			fieldname: "customer_campaign",
			label: __("Campaign"),
			fieldtype: "Link",
			options: "Customer Campaign",
			reqd: 1,
		},
		{
			fieldname: "days",
			label: __("Days After Sending"),
			fieldtype: "Int",
		},
	],
};
