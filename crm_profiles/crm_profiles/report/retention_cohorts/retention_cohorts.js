// Copyright (c) 2026, crm_profiles contributors
// For license information, please see license.txt

frappe.query_reports["Retention Cohorts"] = {
	filters: [
		{
			fieldname: "company",
			label: __("Company"),
			fieldtype: "Link",
			options: "Company",
			default: frappe.defaults.get_user_default("Company"),
		},
		{ fieldname: "months", label: __("Months to Follow"), fieldtype: "Int", default: 12 },
	].concat(
		crm_profiles.profile_filters().map((f) => {
			if (f.fieldname === "from_date") {
				f.label = __("First Orders From");
				f.default = frappe.datetime.add_months(frappe.datetime.get_today(), -11);
			}
			if (f.fieldname === "to_date") {
				f.label = __("First Orders To");
				f.default = frappe.datetime.get_today();
			}
			return f;
		}),
	),
	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (
			column.fieldname &&
			column.fieldname.startsWith("m") &&
			data &&
			data[column.fieldname] !== undefined
		) {
			const share = data[column.fieldname];
			const alpha = Math.min(0.85, 0.1 + share / 100);
			return `<div style="background: rgba(36, 144, 239, ${alpha}); color: ${share > 50 ? "#fff" : "inherit"}; padding: 0 4px;">${value}</div>`;
		}
		return value;
	},
};
