from frappe import _


def get_data():
	# The profile is named after its customer, so the customer link matches the profile name.
	return {
		"fieldname": "customer",
		"transactions": [
			{"label": _("Sales"), "items": ["Sales Order", "Sales Invoice"]},
			{"label": _("Engagement"), "items": ["Customer Interaction"]},
		],
	}
