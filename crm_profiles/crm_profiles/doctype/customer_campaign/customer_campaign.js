// Copyright (c) 2026, crm_profiles contributors
// For license information, please see license.txt

frappe.ui.form.on("Customer Campaign", {
	refresh(frm) {
		frm.trigger("show_newsletter_availability");
		if (frm.is_new()) return;
		frm.trigger("add_buttons");
	},

	show_newsletter_availability(frm) {
		// Frappe 16 ships no Newsletter (it is a separate app there): hide the link and say so.
		if (frappe.boot.crm_profiles?.newsletter_available !== false) return;
		frm.toggle_display("newsletter", false);
		frm.set_intro(
			__(
				"This site has no Newsletter: Frappe 16 moved it to the separate Newsletter app. Install that app to send the campaign as a Newsletter, or send to the campaign's Email Group with another tool and record the date with Mark as Sent.",
			),
			"blue",
		);
	},

	add_buttons(frm) {
		frm.add_custom_button(__("Campaign Effect"), () =>
			frappe.set_route("query-report", "Campaign Effect", {
				customer_campaign: frm.doc.name,
			}),
		);
		if (frm.doc.newsletter) {
			frm.add_custom_button(
				__("Newsletter"),
				() => frappe.set_route("Form", "Newsletter", frm.doc.newsletter),
				__("View"),
			);
		}
		frm.add_custom_button(
			__("Recipients"),
			() =>
				frappe.set_route("List", "Customer Campaign Member", {
					customer_campaign: frm.doc.name,
				}),
			__("View"),
		);
		if (!frm.perm[0].write || frm.doc.status === "Sent") return;
		frm.add_custom_button(
			__("Prepare Audience"),
			() =>
				frappe
					.call({
						method: "crm_profiles.campaigns.api.prepare_audience",
						args: { campaign: frm.doc.name },
						freeze: true,
					})
					.then(({ message }) => {
						frappe.show_alert({
							message: __("{0} to contact, {1} held out as control", [
								message.contacted,
								message.control,
							]),
							indicator: "green",
						});
						frm.reload_doc();
					}),
			__("Actions"),
		);
		if (frm.doc.status === "Audience Ready") {
			frm.add_custom_button(
				__("Mark as Sent"),
				() =>
					frappe
						.call({
							method: "crm_profiles.campaigns.api.mark_as_sent",
							args: { campaign: frm.doc.name, sent_on: frm.doc.sent_on },
						})
						.then(() => frm.reload_doc()),
				__("Actions"),
			);
		}
	},
});
