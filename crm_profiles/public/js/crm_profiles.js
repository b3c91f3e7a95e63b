// Copyright (c) 2026, crm_profiles contributors
// For license information, please see license.txt
// Desk-wide helpers of crm_profiles (loaded through app_include_js).

frappe.provide("crm_profiles");

crm_profiles.STAGES = ["Prospect", "New", "Active", "Loyal", "At Risk", "Churned"];

// RFM segments (crm_profiles/analytics/rfm.py SEGMENTS): never a stage's name.
crm_profiles.SEGMENTS = [
	"Champions",
	"Loyal Customers",
	"Potential Loyalist",
	"Recent Customers",
	"Promising",
	"Need Attention",
	"About to Sleep",
	"Slipping Away",
	"Cannot Lose",
	"Hibernating",
	"Lost",
];

crm_profiles.STAGE_COLOURS = {
	Prospect: "gray",
	New: "blue",
	Active: "green",
	Loyal: "purple",
	"At Risk": "orange",
	Churned: "red",
};

crm_profiles.stage_colour = (stage) => crm_profiles.STAGE_COLOURS[stage] || "gray";

// The filters every profile report shares; `extra` are appended.
crm_profiles.profile_filters = function (extra = [], { dates = true } = {}) {
	const filters = [
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
		{ fieldname: "tier", label: __("Tier"), fieldtype: "Link", options: "Customer Tier" },
		{
			fieldname: "lifecycle_stage",
			label: __("Lifecycle Stage"),
			fieldtype: "Select",
			options: [""].concat(crm_profiles.STAGES),
		},
		{
			fieldname: "account_owner",
			label: __("Account Owner"),
			fieldtype: "Link",
			options: "User",
		},
	];
	if (dates) {
		filters.push(
			{ fieldname: "from_date", label: __("From Date"), fieldtype: "Date" },
			{ fieldname: "to_date", label: __("To Date"), fieldtype: "Date" },
		);
	}
	return filters.concat(extra);
};
