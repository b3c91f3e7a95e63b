"""Adds profiles and interactions to the Connections of ERPNext's Customer form."""

from frappe import _


def get_dashboard_data(data: dict) -> dict:
	data.setdefault("transactions", []).append(
		{"label": _("Customer Profile"), "items": ["Customer Profile", "Customer Interaction"]}
	)
	return data
