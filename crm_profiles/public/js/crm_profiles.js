// Copyright (c) 2026, crm_profiles contributors
// For license information, please see license.txt
// Desk-wide helpers of crm_profiles (loaded through app_include_js).

frappe.provide("crm_profiles");

// Frappe 16: the sidebar's Getting Started entry shows the module's panel even where the app's CSS keeps
// the panel from opening by itself (over the profile, and on a phone).
$(document).on("click", ".onboarding-sidebar", () =>
	document.body.classList.add("crm-onboarding-asked"),
);

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

// "Rows": how many of the report's rows to show, largest first; the report's summary counts them all.
crm_profiles.rows_filter = () => ({
	fieldname: "rows",
	label: __("Rows"),
	fieldtype: "Select",
	options: [
		{ value: "100", label: "100" },
		{ value: "500", label: "500" },
		{ value: "1000", label: "1,000" },
		{ value: "5000", label: "5,000" },
		{ value: "All", label: __("All") },
	],
	default: "500",
});

// The workspace charts group profiles by stored values (stages, tiers): show those labels in the reader's
// language. Done in the chart widget on the desk, after Frappe's own endpoint has answered, so no
// whitelisted Frappe method is overridden and the arguments Frappe receives are its own.
crm_profiles.TRANSLATED_CHARTS = ["Customers by Lifecycle Stage", "Customers by Tier"];
crm_profiles.translate_chart_labels = function () {
	const ChartWidget =
		frappe.widget && frappe.widget.widget_factory && frappe.widget.widget_factory.chart;
	if (!ChartWidget || ChartWidget.prototype.crm_profiles_translates_labels) return;
	const fetch = ChartWidget.prototype.fetch;
	ChartWidget.prototype.fetch = function (...args) {
		return fetch.apply(this, args).then((data) => {
			const name = this.chart_doc && this.chart_doc.name;
			if (
				data &&
				Array.isArray(data.labels) &&
				crm_profiles.TRANSLATED_CHARTS.includes(name)
			) {
				data.labels = data.labels.map((label) => (label ? __(String(label)) : label));
			}
			return data;
		});
	};
	ChartWidget.prototype.crm_profiles_translates_labels = true;
};
$(document).on("app_ready", () => crm_profiles.translate_chart_labels());
crm_profiles.translate_chart_labels();
