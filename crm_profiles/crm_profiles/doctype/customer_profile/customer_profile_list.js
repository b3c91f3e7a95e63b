// Copyright (c) 2026, crm_profiles contributors
// For license information, please see license.txt

frappe.listview_settings["Customer Profile"] = {
	add_fields: ["lifecycle_stage", "tier", "figures_currency"],
	// The customer's name is the title; the ID (the customer's code) would repeat it.
	hide_name_column: true,
	hide_name_filter: true,
	get_indicator(doc) {
		const stage = doc.lifecycle_stage || "Prospect";
		return [__(stage), crm_profiles.stage_colour(stage), `lifecycle_stage,=,${stage}`];
	},
	onload(listview) {
		// The indicator is the lifecycle stage: its column says so, not "Status".
		const setup_columns = listview.setup_columns.bind(listview);
		listview.setup_columns = () => {
			setup_columns();
			for (const column of listview.columns) {
				if (column.type === "Status") {
					column.df = { label: __("Lifecycle Stage"), fieldname: "lifecycle_stage" };
				}
			}
		};
		listview.setup_columns();
		listview.render_header(true);
		if (frappe.model.can_export("Customer Profile")) {
			// The customers you may read as the sheet that Customer Sheet Import reads back
			listview.page.add_menu_item(__("Export as Customer Sheet"), () => {
				window.open(
					"/api/method/crm_profiles.crm_profiles.doctype.customer_sheet_import.customer_sheet_import.export_customers?file_format=xlsx",
					"_blank",
				);
			});
		}
	},
};
