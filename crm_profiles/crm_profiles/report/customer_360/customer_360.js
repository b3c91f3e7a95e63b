// Copyright (c) 2026, crm_profiles contributors
// For license information, please see license.txt

frappe.query_reports["Customer 360"] = {
	filters: [
		{ fieldname: "territory", label: __("Territory"), fieldtype: "Link", options: "Territory" },
		{ fieldname: "customer_group", label: __("Customer Group"), fieldtype: "Link", options: "Customer Group" },
		{ fieldname: "tier", label: __("Tier"), fieldtype: "Link", options: "Customer Tier" },
		{
			fieldname: "lifecycle_stage",
			label: __("Lifecycle Stage"),
			fieldtype: "Select",
			options: ["", "Prospect", "New", "Active", "Loyal", "At Risk", "Churned"],
		},
		{ fieldname: "account_owner", label: __("Account Owner"), fieldtype: "Link", options: "User" },
		{ fieldname: "from_date", label: __("Ordered Since"), fieldtype: "Date" },
		{ fieldname: "to_date", label: __("Customer Before"), fieldtype: "Date" },
	],
};
