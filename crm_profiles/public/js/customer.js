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
			() => crm_profiles.log_interaction(frm.doc.name, () => frm.reload_doc()),
			__("CRM"),
		);
		crm_profiles_show_summary(frm);
	},
});

// The profile's Customer 360 summary at the top of the first tab: one call (get_profile_header).
function crm_profiles_show_summary(frm) {
	if (!frappe.model.can_read("Customer Profile")) return;
	const tab = frm.layout.tabs && frm.layout.tabs[0];
	const $parent = tab ? tab.wrapper : $(frm.layout.wrapper);
	let $summary = $parent.find(".crm-customer-360");
	if (!$summary.length) $summary = $(`<div class="crm-customer-360"></div>`).prependTo($parent);
	new crm_profiles.ProfileHeader({
		frm,
		wrapper: $summary,
		profile: frm.doc.name,
		compact: true,
	}).refresh();
}
