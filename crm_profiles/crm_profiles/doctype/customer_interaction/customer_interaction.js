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

	onload(frm) {
		if (frm.is_new() && !frm.doc.channel) frm.trigger("interaction_type");
	},

	// Channel follows Type (Call → Phone, ...) until someone picks a channel that does not.
	interaction_type(frm) {
		const channel = crm_profiles.channel_for_type(frm.doc.interaction_type);
		const followed = Object.values(crm_profiles.CHANNEL_BY_TYPE);
		if (channel && (!frm.doc.channel || followed.includes(frm.doc.channel))) {
			frm.set_value("channel", channel);
		}
	},

	follow_up_required(frm) {
		if (frm.doc.follow_up_required && !frm.doc.follow_up_assignee) {
			frm.set_value("follow_up_assignee", frappe.session.user);
		}
	},
});
