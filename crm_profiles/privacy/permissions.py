"""Record scoping: "CRM Users see only profiles they own or are assigned to".

One query-builder condition decides both lists (permission_query_conditions) and single documents
(has_permission), as Frappe CRM's org hierarchy does, so the two can never disagree.
"""

from __future__ import annotations

import frappe
from frappe.query_builder import Criterion

PROFILE = "Customer Profile"
SETTINGS = "CRM Profile Settings"
# Roles that always see every profile their User Permissions allow.
UNRESTRICTED_ROLES = {"System Manager", "CRM Manager", "Sales Manager"}


def is_restricted(user: str | None = None) -> bool:
	user = user or frappe.session.user
	if user == "Administrator":
		return False
	if not frappe.db.get_single_value(SETTINGS, "restrict_profiles_to_owner"):
		return False
	return not (UNRESTRICTED_ROLES & set(frappe.get_roles(user)))


def profile_condition(user: str) -> Criterion:
	"""The one condition: the user created the profile, is its account owner, or is assigned to it."""
	P = frappe.qb.DocType(PROFILE)
	assigned = '%"' + user.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + '"%'
	return (P.owner == user) | (P.account_owner == user) | (P._assign.like(assigned))


def visible_profiles_query(user: str):
	P = frappe.qb.DocType(PROFILE)
	return frappe.qb.from_(P).select(P.name).where(profile_condition(user))


def _sql(criterion) -> str:
	return criterion.get_sql(quote_char="`", with_namespace=True)


# ---------------------------------------------------------------------------------------------
# permission_query_conditions
# ---------------------------------------------------------------------------------------------


def profile_query(user: str | None = None, doctype: str | None = None) -> str:
	ensure_fieldlevel_fix()
	user = user or frappe.session.user
	if not is_restricted(user):
		return ""
	return f"({_sql(profile_condition(user))})"


def _by_customer(doctype: str, user: str | None) -> str:
	user = user or frappe.session.user
	if not is_restricted(user):
		return ""
	subquery = visible_profiles_query(user).get_sql(quote_char="`")
	return f"(`tab{doctype}`.`customer` in ({subquery}))"


def interaction_query(user: str | None = None, doctype: str | None = None) -> str:
	return _by_customer("Customer Interaction", user)


def consent_query(user: str | None = None, doctype: str | None = None) -> str:
	return _by_customer("Customer Consent", user)


# ---------------------------------------------------------------------------------------------
# Frappe 15's DatabaseQuery.apply_fieldlevel_read_permissions pops fields from the list it is iterating
# over, so of two adjacent permlevel-1 fields (fields=["birthday", "personal_id"]) the second survives
# and its value is returned to users without access. Repeating the pass until nothing changes removes
# them all. It is installed from our permission_query_conditions, which DatabaseQuery calls (in
# build_conditions) before it applies field-level permissions, so no list of profiles runs without it.
# ---------------------------------------------------------------------------------------------


def ensure_fieldlevel_fix() -> None:
	from frappe.model.db_query import DatabaseQuery

	original = DatabaseQuery.apply_fieldlevel_read_permissions
	if getattr(original, "_crm_profiles_fixed", False):
		return

	def apply_until_stable(self):
		while True:
			before = list(self.fields)
			original(self)
			if self.as_list or self.fields == before:
				return

	apply_until_stable._crm_profiles_fixed = True
	DatabaseQuery.apply_fieldlevel_read_permissions = apply_until_stable


# ---------------------------------------------------------------------------------------------
# has_permission
# ---------------------------------------------------------------------------------------------


def _profile_visible(profile: str | None, user: str) -> bool:
	if not profile:
		return True
	P = frappe.qb.DocType(PROFILE)
	if not frappe.db.exists(PROFILE, profile):
		return True  # a profile being created: Frappe's role permissions decide
	return bool(frappe.qb.from_(P).select(P.name).where(profile_condition(user) & (P.name == profile)).run())


def has_profile_permission(doc, ptype: str | None = None, user: str | None = None) -> bool:
	user = user or frappe.session.user
	if not is_restricted(user) or doc.is_new():
		return True
	return _profile_visible(doc.name, user)


def has_customer_record_permission(doc, ptype: str | None = None, user: str | None = None) -> bool:
	"""Interactions and consents follow the visibility of their customer's profile."""
	user = user or frappe.session.user
	if not is_restricted(user):
		return True
	return _profile_visible(doc.get("customer"), user)
