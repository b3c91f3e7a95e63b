// Copyright (c) 2026, crm_profiles contributors
// For license information, please see license.txt

frappe.ui.form.on("Customer Interaction", {
	setup(frm) {
		frm.set_query("contact_person", () => ({
			filters: { link_doctype: "Customer", link_name: frm.doc.customer },
		}));
	},

	refresh(frm) {
		if (!frm.is_new() && frm.doc.follow_up_required && frm.doc.status !== "Cancelled") {
			frm.add_custom_button(__("Log Follow-up"), () =>
				frappe.new_doc("Customer Interaction", {
					customer: frm.doc.customer,
					interaction_type: "Follow-up",
					follow_up_of: frm.doc.name,
					contact_person: frm.doc.contact_person,
				}),
			);
		}
		if (frm.doc.profile && !frm.is_new()) {
			frm.add_custom_button(__("Customer Profile"), () =>
				frappe.set_route("Form", "Customer Profile", frm.doc.profile),
			);
		}
	},

	interaction_type(frm) {
		const channel_by_type = {
			Call: "Phone",
			Email: "Email",
			Meeting: "In Person",
			Visit: "In Person",
			Chat: "Chat",
		};
		if (!frm.doc.channel && channel_by_type[frm.doc.interaction_type]) {
			frm.set_value("channel", channel_by_type[frm.doc.interaction_type]);
		}
	},

	follow_up_required(frm) {
		if (frm.doc.follow_up_required && !frm.doc.follow_up_assignee) {
			frm.set_value("follow_up_assignee", frappe.session.user);
		}
	},
});
