"""Rows about one customer (segment members, campaign members, recommendations) are visible exactly
when that customer's profile is: the profile list's own query (role permissions, User Permissions and
the app's record scoping, through ``frappe.get_list``) is the condition, so the two cannot disagree."""

from __future__ import annotations

import frappe
from frappe.core.doctype.user_permission.user_permission import get_user_permissions

PROFILE = "Customer Profile"
UNRESTRICTED = {"Administrator"}


def _needs_condition(user: str) -> bool:
	from crm_profiles.privacy.permissions import is_restricted

	return user not in UNRESTRICTED and (bool(get_user_permissions(user)) or is_restricted(user))


def _by_visible_profile(doctype: str, user: str | None) -> str:
	user = user or frappe.session.user
	if not _needs_condition(user):
		return ""
	if not frappe.has_permission(PROFILE, "read", user=user):
		return "1 = 0"
	visible = frappe.get_list(
		PROFILE, fields=["`tabCustomer Profile`.`name`"], user=user, limit_page_length=0, order_by="", run=0
	)
	return f"(`tab{doctype}`.`customer` in ({visible}))"


def segment_member_query(user: str | None = None, doctype: str | None = None) -> str:
	return _by_visible_profile("Customer Segment Member", user)


def campaign_member_query(user: str | None = None, doctype: str | None = None) -> str:
	return _by_visible_profile("Customer Campaign Member", user)


def recommendation_query(user: str | None = None, doctype: str | None = None) -> str:
	return _by_visible_profile("Customer Recommendation", user)


def item_summary_query(user: str | None = None, doctype: str | None = None) -> str:
	return _by_visible_profile("Customer Item Summary", user)


def has_permission(doc, ptype: str | None = None, user: str | None = None) -> bool:
	user = user or frappe.session.user
	if not doc.get("customer") or not _needs_condition(user):
		return True
	return bool(frappe.has_permission(PROFILE, "read", doc.customer, user=user))
