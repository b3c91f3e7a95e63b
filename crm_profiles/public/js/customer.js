// Copyright (c) 2026, crm_profiles contributors
// For license information, please see license.txt
// Adds the customer's profile to ERPNext's Customer form.

frappe.ui.form.on("Customer", {
	refresh(frm) {
		if (frm.is_new()) return;
		frm.add_custom_button(
			__("Customer Profile"),
			() => frappe.set_route("Form", "Customer Profile", frm.doc.name),
			__("CRM")
		);
		frm.add_custom_button(
			__("Log Interaction"),
			() => frappe.new_doc("Customer Interaction", { customer: frm.doc.name }),
			__("CRM")
		);
	},
});
