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
			crm_profiles.rows_filter(),
			{
				fieldname: "show_all_columns",
				label: __("Show All Columns"),
				fieldtype: "Check",
			},
			{
				fieldname: "include_sensitive",
				label: __("Include Sensitive Details"),
				fieldtype: "Check",
				depends_on: "eval:doc.show_all_columns",
			},
		])
		.map((f) => {
			if (f.fieldname === "from_date") f.label = __("Ordered Since");
			if (f.fieldname === "to_date") f.label = __("Customer Before");
			return f;
		}),
	formatter(value, row, column, data, default_formatter) {
		if (column.fieldname === "name" && data && data.name) {
			// the customer's name once, linking to the profile
			return frappe.utils.get_form_link(
				"Customer Profile",
				data.name,
				true,
				frappe.utils.escape_html(data.customer_name || data.name),
			);
		}
		if (column.fieldname === "average_csat" && data && data.average_csat) {
			return __("{0} / 5", [format_number(data.average_csat, null, 1)]);
		}
		return default_formatter(value, row, column, data);
	},
};
