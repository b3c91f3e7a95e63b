// Copyright (c) 2026, crm_profiles contributors
// For license information, please see license.txt

frappe.query_reports["Follow-ups Due"] = {
	filters: [
		{
			fieldname: "due_by",
			label: __("Due By"),
			fieldtype: "Date",
			default: frappe.datetime.add_days(frappe.datetime.get_today(), 7),
		},
		{ fieldname: "owner", label: __("Owner"), fieldtype: "Link", options: "User" },
		{ fieldname: "tier", label: __("Tier"), fieldtype: "Link", options: "Customer Tier" },
		{
			fieldname: "territory",
			label: __("Territory"),
			fieldtype: "Link",
			options: "Territory",
		},
	],
	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (column.fieldname === "days_overdue" && data && data.days_overdue > 0) {
			value = `<span class="text-danger">${value}</span>`;
		}
		return value;
	},
};
