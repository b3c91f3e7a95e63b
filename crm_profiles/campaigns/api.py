"""Whitelisted calls of the Customer Campaign form."""

from __future__ import annotations

import frappe
from frappe import _

from crm_profiles.campaigns import audience
from crm_profiles.utils import args


def _check_write(campaign: str) -> None:
	if not frappe.has_permission(audience.CAMPAIGN, "write", campaign):
		frappe.throw(
			_("Not permitted to change campaign {0}.").format(frappe.bold(campaign)), frappe.PermissionError
		)
	if not frappe.has_permission("Email Group", "write"):
		frappe.throw(_("Not permitted to change Email Groups."), frappe.PermissionError)


@frappe.whitelist(methods=["POST"])
def prepare_audience(campaign: str | None = None) -> dict:
	"""Draw the control group and fill the campaign's Email Group with the contacted members."""
	campaign = args.name(campaign, "campaign")
	_check_write(campaign)
	return audience.prepare(campaign)


@frappe.whitelist(methods=["POST"])
def mark_as_sent(campaign: str | None = None, sent_on: str | None = None) -> None:
	campaign = args.name(campaign, "campaign")
	sent_on = args.a_date(sent_on, "sent_on")
	_check_write(campaign)
	audience.mark_sent(campaign, str(sent_on) if sent_on else None)
