// Copyright (c) 2026, crm_profiles contributors
// For license information, please see license.txt
// Adds the customer's profile to ERPNext's Customer form: a compact summary and two buttons.

frappe.ui.form.on("Customer", {
	refresh(frm) {
		if (frm.is_new()) return;
		frm.add_custom_button(
			__("Customer Profile"),
			() => frappe.set_route("Form", "Customer Profile", frm.doc.name),
			__("CRM"),
		);
		frm.add_custom_button(
			__("Log Interaction"),
			() => frappe.new_doc("Customer Interaction", { customer: frm.doc.name }),
			__("CRM"),
		);
		crm_profiles_show_summary(frm);
	},
});

// One read of five profile fields: cheap enough for every Customer form load.
function crm_profiles_show_summary(frm) {
	frappe.db
		.get_value("Customer Profile", frm.doc.name, [
			"tier",
			"lifecycle_stage",
			"rfm_segment",
			"lifetime_value",
			"last_interaction_on",
		])
		.then(({ message: p }) => {
			if (!p || frm.doc.name !== frm.docname) return;
			if (p.tier) frm.dashboard.add_indicator(__("Tier: {0}", [__(p.tier)]), "blue");
			if (p.lifecycle_stage) {
				frm.dashboard.add_indicator(
					__("Stage: {0}", [__(p.lifecycle_stage)]),
					crm_profiles.stage_colour(p.lifecycle_stage),
				);
			}
			if (p.rfm_segment)
				frm.dashboard.add_indicator(__("RFM: {0}", [__(p.rfm_segment)]), "purple");
			frm.dashboard.add_indicator(
				__("Lifetime Value: {0}", [format_currency(p.lifetime_value || 0)]),
				"green",
			);
			frm.dashboard.add_indicator(
				p.last_interaction_on
					? __("Last Interaction: {0}", [
							frappe.datetime.comment_when(p.last_interaction_on),
						])
					: __("No Interactions Yet"),
				"gray",
			);
		});
}
