// Copyright (c) 2026, crm_profiles contributors
// For license information, please see license.txt

frappe.ui.form.on("CRM Profile Settings", {
	refresh(frm) {
		frm.add_custom_button(__("Refresh Now"), () => {
			frappe
				.call({ method: "crm_profiles.analytics.refresh.refresh_now", type: "POST" })
				.then(({ message }) => frappe.show_alert({ message, indicator: "blue" }));
		});
		if (frappe.user.has_role("System Manager")) {
			// Progress arrives through frappe.publish_progress on this form while the job runs.
			frm.add_custom_button(
				__("Load Demo Data"),
				() => {
					frappe.confirm(
						__(
							"Add about 200 demo customers with submitted Sales Orders and interactions to this site?",
						),
						() =>
							frappe
								.call({ method: "crm_profiles.demo.enqueue_demo", type: "POST" })
								.then(({ message }) =>
									frappe.show_alert({ message, indicator: "blue" }),
								),
					);
				},
				__("Demo"),
			);
		}
	},
});
