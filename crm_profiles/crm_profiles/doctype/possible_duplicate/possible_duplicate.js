// Copyright (c) 2026, crm_profiles contributors
// For license information, please see license.txt

frappe.ui.form.on("Possible Duplicate", {
	refresh(frm) {
		if (frm.doc.status !== "Open") return;
		frm.add_custom_button(__("Merge"), () =>
			crm_profiles.merge_dialog(frm.doc.profile_a, frm.doc.profile_b),
		).addClass("btn-primary");
		frm.add_custom_button(__("Not a Duplicate"), () =>
			frappe
				.xcall("crm_profiles.quality.matching.set_pair_status", {
					name: frm.doc.name,
					status: "Not a Duplicate",
				})
				.then(() => frm.reload_doc()),
		);
	},
});
