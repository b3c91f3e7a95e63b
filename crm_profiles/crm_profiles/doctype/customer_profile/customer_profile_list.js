// Copyright (c) 2026, crm_profiles contributors
// For license information, please see license.txt

frappe.listview_settings["Customer Profile"] = {
	add_fields: ["lifecycle_stage", "tier"],
	get_indicator(doc) {
		const stage = doc.lifecycle_stage || "Prospect";
		return [__(stage), crm_profiles.stage_colour(stage), `lifecycle_stage,=,${stage}`];
	},
};
