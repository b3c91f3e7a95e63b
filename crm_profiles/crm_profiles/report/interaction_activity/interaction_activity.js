// Copyright (c) 2026, crm_profiles contributors
// For license information, please see license.txt

frappe.query_reports["Interaction Activity"] = {
	filters: [
		{
			fieldname: "group_by",
			label: __("Group By"),
			fieldtype: "Select",
			options: [
				{ value: "Type", label: __("Type") },
				{ value: "Channel", label: __("Channel") },
				{ value: "User", label: __("User") },
				{ value: "Direction", label: __("Direction") },
			],
			default: "Type",
			reqd: 1,
		},
		{
			fieldname: "period",
			label: __("Period"),
			fieldtype: "Select",
			options: [
				{ value: "Monthly", label: __("Monthly") },
				{ value: "Weekly", label: __("Weekly") },
			],
			default: "Monthly",
			reqd: 1,
		},
		{ fieldname: "user", label: __("User"), fieldtype: "Link", options: "User" },
	].concat(
		crm_profiles.profile_filters().map((f) => {
			if (f.fieldname === "from_date")
				f.default = frappe.datetime.add_months(frappe.datetime.get_today(), -6);
			if (f.fieldname === "to_date") f.default = frappe.datetime.get_today();
			return f;
		}),
	),
};
