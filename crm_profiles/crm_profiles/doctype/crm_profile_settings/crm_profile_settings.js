// Copyright (c) 2026, crm_profiles contributors
// For license information, please see license.txt

frappe.ui.form.on("CRM Profile Settings", {
	refresh(frm) {
		frm.add_custom_button(__("Refresh Now"), () => {
			frappe
				.call({ method: "crm_profiles.analytics.refresh.refresh_now", type: "POST" })
				.then(({ message }) => frappe.show_alert({ message, indicator: "blue" }));
		});
	},
});
