// Copyright (c) 2026, crm_profiles contributors
// For license information, please see license.txt

frappe.listview_settings["Customer Profile"] = {
	add_fields: ["lifecycle_stage", "tier"],
	get_indicator(doc) {
		const colours = {
			Prospect: "gray",
			New: "blue",
			Active: "green",
			Loyal: "purple",
			"At Risk": "orange",
			Churned: "red",
		};
		const stage = doc.lifecycle_stage || "Prospect";
		return [__(stage), colours[stage] || "gray", `lifecycle_stage,=,${stage}`];
	},
};
