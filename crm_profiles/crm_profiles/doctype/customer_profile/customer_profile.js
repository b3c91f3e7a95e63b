// Copyright (c) 2026, crm_profiles contributors
// For license information, please see license.txt

frappe.ui.form.on("Customer Profile", {
	setup(frm) {
		const by_customer = () => ({
			filters: {
				link_doctype: "Customer",
				link_name: frm.doc.customer,
			},
		});
		frm.set_query("primary_contact", by_customer);
		frm.set_query("address", by_customer);
	},

	refresh(frm) {
		if (frm.is_new()) return;
		frm.add_custom_button(__("Log Interaction"), () => {
			frappe.new_doc("Customer Interaction", { customer: frm.doc.customer });
		}).addClass("btn-primary");
		frm.add_custom_button(
			__("Customer"),
			() => frappe.set_route("Form", "Customer", frm.doc.customer),
			__("View")
		);
		frm.add_custom_button(
			__("Interactions"),
			() => frappe.set_route("List", "Customer Interaction", { customer: frm.doc.customer }),
			__("View")
		);
		if (frm.doc.lifecycle_stage) {
			frm.dashboard.set_headline_alert(
				`<span class="indicator-pill ${crm_profiles_stage_colour(frm.doc.lifecycle_stage)}">
					${__(frm.doc.lifecycle_stage)}</span>` +
					(frm.doc.tier ? ` &nbsp; ${__("Tier")}: <b>${frappe.utils.escape_html(frm.doc.tier)}</b>` : "")
			);
		}
	},

	primary_contact(frm) {
		if (!frm.doc.primary_contact) return;
		frappe.db
			.get_value("Contact", frm.doc.primary_contact, ["email_id", "mobile_no", "designation"])
			.then(({ message }) => {
				if (!message) return;
				if (message.email_id && !frm.doc.email_id) frm.set_value("email_id", message.email_id);
				if (message.mobile_no && !frm.doc.mobile_no) frm.set_value("mobile_no", message.mobile_no);
				if (message.designation && !frm.doc.position) frm.set_value("position", message.designation);
			});
	},
});

function crm_profiles_stage_colour(stage) {
	return (
		{
			Prospect: "gray",
			New: "blue",
			Active: "green",
			Loyal: "purple",
			"At Risk": "orange",
			Churned: "red",
		}[stage] || "gray"
	);
}
