// Copyright (c) 2026, crm_profiles contributors
// For license information, please see license.txt

frappe.listview_settings["Possible Duplicate"] = {
	onload(listview) {
		listview.page.add_inner_button(__("Find Duplicates"), () =>
			frappe.xcall("crm_profiles.quality.matching.enqueue_duplicate_queue").then(() =>
				frappe.show_alert({
					message: __("Looking for duplicates in the background"),
					indicator: "blue",
				}),
			),
		);
		frappe.realtime.on("crm_duplicates_refreshed", (data) => {
			frappe.show_alert({
				message: __("{0} new possible duplicates", [data.new]),
				indicator: "green",
			});
			listview.refresh();
		});
	},
};
