// Copyright (c) 2026, crm_profiles contributors
// For license information, please see license.txt

frappe.listview_settings["Customer Interaction"] = {
	add_fields: ["status", "interaction_type"],
	get_indicator(doc) {
		const colours = { Open: "orange", Completed: "green", Cancelled: "red" };
		return [__(doc.status), colours[doc.status] || "gray", `status,=,${doc.status}`];
	},
};
