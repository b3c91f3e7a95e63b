// Copyright (c) 2026, crm_profiles contributors
// For license information, please see license.txt

frappe.query_reports["RFM Analysis"] = {
	filters: crm_profiles.profile_filters(
		[
			{
				fieldname: "rfm_segment",
				label: __("RFM Segment"),
				fieldtype: "Select",
				options: [""].concat(crm_profiles.SEGMENTS),
			},
		],
		{ dates: false },
	),
	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (
			column.fieldname === "rfm_segment" &&
			data &&
			!frappe.query_report.get_filter_value("rfm_segment")
		) {
			const segment = frappe.utils.escape_html(data.rfm_segment);
			return `<a href="#" onclick="frappe.query_report.set_filter_value('rfm_segment', '${segment}'); return false;">${value}</a>`;
		}
		return value;
	},
};
