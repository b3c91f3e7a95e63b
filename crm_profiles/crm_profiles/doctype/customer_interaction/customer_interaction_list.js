// Copyright (c) 2026, crm_profiles contributors
// For license information, please see license.txt

frappe.listview_settings["Customer Interaction"] = {
	add_fields: ["status", "interaction_type"],
	onload(listview) {
		listview.page.add_inner_button(__("Overdue Complaints"), () =>
			frappe.set_route("List", "Customer Interaction", {
				interaction_type: "Complaint",
				complaint_status: ["in", ["Open", "In Progress"]],
				response_due_on: ["<", frappe.datetime.now_datetime()],
			}),
		);
	},
	get_indicator(doc) {
		const colours = { Open: "orange", Completed: "green", Cancelled: "red" };
		return [__(doc.status), colours[doc.status] || "gray", `status,=,${doc.status}`];
	},
};
