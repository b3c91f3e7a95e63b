"""Row rules: who may read which profile, and every record of the app that belongs to a profile.

One condition decides a profile's visibility: Frappe's own row rules for Customer Profile (role
permission, User Permissions on its links such as Territory, Customer Group and Customer, sharing) and
the app's record scoping ("CRM Users see only profiles they own or are assigned to"). Every other doctype
of the app (interactions, consents, tier and stage changes, possible duplicates, merge logs) belongs to
one or two profiles and is readable only where all of them are. The same SQL condition serves lists
(permission_query_conditions) and single documents (has_permission, one query with ``limit 1``), as Frappe
CRM's org hierarchy does, so the two can never disagree.

Writes are checked on the values being written as well as on the stored row: a record can neither be
moved to a customer the user may not read, nor created for one.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.query_builder import Criterion
from frappe.query_builder.functions import Function

PROFILE = "Customer Profile"
SETTINGS = "CRM Profile Settings"
INTERACTION = "Customer Interaction"
# Roles that always see every profile their User Permissions allow.
UNRESTRICTED_ROLES = {"System Manager", "CRM Manager", "Sales Manager"}
# Every doctype of the app that belongs to a profile, with the fields naming that profile (its customer).
# A row is visible only when every named profile is.
BELONGS_TO = {
	INTERACTION: ("customer",),
	"Customer Consent": ("customer",),
	"Customer Profile Change": ("customer_profile",),
	"Possible Duplicate": ("profile_a", "profile_b"),
	"Customer Merge Log": ("target_customer",),
	"Customer Segment Member": ("customer",),
	"Customer Campaign Member": ("customer",),
	"Customer Recommendation": ("customer",),
	"Customer Item Summary": ("customer",),
	"Customer Self-service Link": ("customer",),
}


def require_exists(doctype: str, name: str) -> None:
	"""A 404 naming the document when it does not exist, for every user alike (Administrator too, whom
	``has_permission`` lets through without looking)."""
	if not frappe.db.exists(doctype, name):
		frappe.throw(
			_("{0} {1} not found").format(_(doctype), frappe.bold(name)),
			frappe.DoesNotExistError,
		)


def require(doctype: str, name: str, ptype: str, denied: str) -> None:
	"""The document a whitelisted method acts on: a 404 when it does not exist (``require_exists``), then
	a 403 with the ``denied`` message when the user may not ``ptype`` it. As Frappe's own form answers."""
	require_exists(doctype, name)
	if not frappe.has_permission(doctype, ptype, name):
		frappe.throw(denied, frappe.PermissionError)


def require_profile_read(customer: str) -> None:
	"""``require`` for reading one profile, as the profile's pages and read APIs ask."""
	require(
		PROFILE,
		customer,
		"read",
		_("Not permitted to read the profile of {0}.").format(frappe.bold(customer)),
	)


def is_restricted(user: str | None = None) -> bool:
	user = user or frappe.session.user
	if user == "Administrator":
		return False
	if not frappe.db.get_single_value(SETTINGS, "restrict_profiles_to_owner"):
		return False
	return not (UNRESTRICTED_ROLES & set(frappe.get_roles(user)))


def profile_condition(user: str) -> Criterion:
	"""The app's scoping: the user created the profile, is its account owner, or is assigned to it."""
	P = frappe.qb.DocType(PROFILE)
	# INSTR, not LIKE: no % in the condition, which Frappe 16 puts raw into a parameterised query.
	assigned = Function("INSTR", P._assign, f'"{user}"') > 0
	return (P.owner == user) | (P.account_owner == user) | assigned


def _sql(criterion) -> str:
	return criterion.get_sql(quote_char="`", with_namespace=True)


# ---------------------------------------------------------------------------------------------
# Frappe's row rules of any doctype, as SQL
# ---------------------------------------------------------------------------------------------


def row_condition(doctype: str, user: str | None = None) -> str | None:
	"""The condition Frappe puts on ``tab{doctype}`` rows in this user's lists.

	Role permission (``None`` when the user may not read the doctype at all, unless records are shared
	with them), User Permissions on its links, "only if creator", permission_query_conditions of every
	app, and shared documents. ``""`` means every row.
	"""
	from frappe.model.db_query import DatabaseQuery

	user = user or frappe.session.user
	if user == "Administrator":
		return ""
	messages = len(frappe.local.message_log)
	try:
		return DatabaseQuery(doctype, user=user).build_match_conditions() or ""
	except frappe.PermissionError:
		# Not reading the doctype is an answer here, not an error: drop the "No permission to read"
		# message Frappe queued for the client, or the desk shows it on every profile this user opens.
		del frappe.local.message_log[messages:]
		return None


def escaped(condition: str) -> str:
	"""A condition with literals (LIKE patterns) placed in a query that also takes parameters."""
	return condition.replace("%", "%%")


def readable_names(doctype: str, names: list[str], user: str | None = None) -> set[str]:
	"""Which of these records the user may read: the list condition, then ``has_permission`` per row."""
	names = [n for n in dict.fromkeys(names) if n]
	if not names:
		return set()
	condition = row_condition(doctype, user)
	if condition is None:
		return set()
	rows = frappe.db.sql(
		f"select name from `tab{doctype}` where name in %(names)s"
		+ (f" and {escaped(condition)}" if condition else ""),
		{"names": names},
	)
	return {r[0] for r in rows if frappe.has_permission(doctype, "read", doc=r[0], user=user)}


# ---------------------------------------------------------------------------------------------
# Profiles
# ---------------------------------------------------------------------------------------------


def readable_profiles_sql(user: str | None = None) -> str | None:
	"""A subquery of the profiles the user may read; ``None`` when they may read every profile."""
	condition = row_condition(PROFILE, user)
	if condition == "":
		return None
	if condition is None:
		return "select null from dual where 1 = 0"
	return f"select `tab{PROFILE}`.`name` from `tab{PROFILE}` where {condition}"


def can_read_profile(customer: str | None, user: str | None = None) -> bool:
	"""Whether the user may read the customer's profile (or the Customer itself, while it has none)."""
	user = user or frappe.session.user
	if not customer or user == "Administrator":
		return True
	if not frappe.db.exists(PROFILE, customer):
		return customer_in_reach(customer, user)
	return bool(readable_names(PROFILE, [customer], user))


def profile_query(user: str | None = None, doctype: str | None = None) -> str:
	user = user or frappe.session.user
	if not is_restricted(user):
		return ""
	return f"({_sql(profile_condition(user))})"


def has_profile_permission(doc, ptype: str | None = None, user: str | None = None, debug=False) -> bool:
	user = user or frappe.session.user
	if user == "Administrator":
		return True
	if doc.is_new():
		return customer_in_reach(doc.get("customer"), user)
	# The stored row, not the values being written: a PUT cannot bring a profile into reach by sending
	# another territory. (Its customer never changes: set_only_once, and CustomerProfile.keep_customer.)
	return _stored_profile_visible(doc.name, user)


def customer_in_reach(customer: str | None, user: str) -> bool:
	"""The user may read this Customer: its role permission and row rules, or, for roles without read on
	Customer (CRM User), its User Permissions (Territory, Customer Group, Customer)."""
	from frappe.permissions import has_user_permission

	if not customer or not frappe.db.exists("Customer", customer):
		return True  # Frappe's link validation names the missing record
	if frappe.has_permission("Customer", "read", user=user):
		return bool(frappe.has_permission("Customer", "read", doc=customer, user=user))
	return bool(has_user_permission(frappe.get_doc("Customer", customer), user=user))


def _stored_profile_visible(name: str, user: str) -> bool:
	condition = row_condition(PROFILE, user)
	if condition is None:
		return False
	if not condition:
		return True
	return bool(
		frappe.db.sql(
			f"select name from `tab{PROFILE}` where name = %s and {escaped(condition)} limit 1", name
		)
	)


# ---------------------------------------------------------------------------------------------
# Records that belong to a profile
# ---------------------------------------------------------------------------------------------


def belongs_to_query(user: str | None = None, doctype: str | None = None) -> str:
	"""permission_query_conditions of every doctype in BELONGS_TO."""
	subquery = readable_profiles_sql(user)
	if subquery is None:
		return ""
	return "(" + " and ".join(f"`tab{doctype}`.`{f}` in ({subquery})" for f in BELONGS_TO[doctype]) + ")"


def has_belongs_to_permission(doc, ptype: str | None = None, user: str | None = None, debug=False) -> bool:
	"""has_permission of every doctype in BELONGS_TO: the stored row and the values being written."""
	user = user or frappe.session.user
	if user == "Administrator":
		return True
	if not doc.is_new() and not _stored_row_visible(doc.doctype, doc.name, user):
		return False
	return all(can_read_profile(doc.get(f), user) for f in BELONGS_TO[doc.doctype])


def _stored_row_visible(doctype: str, name: str, user: str) -> bool:
	condition = belongs_to_query(user, doctype)
	if not condition:
		return True
	return bool(
		frappe.db.sql(
			f"select name from `tab{doctype}` where name = %s and {escaped(condition)} limit 1", name
		)
	)


def interaction_query(user: str | None = None, doctype: str | None = None) -> str:
	"""Interactions: their profile's rules, and private ones (from a personal mailbox) only to their owner."""
	user = user or frappe.session.user
	conditions = [c for c in (belongs_to_query(user, INTERACTION), _private_condition(user)) if c]
	return " and ".join(conditions)


def _private_condition(user: str) -> str:
	if user == "Administrator":
		return ""
	return (
		f"(coalesce(`tab{INTERACTION}`.`is_private`, 0) = 0 or "
		f"`tab{INTERACTION}`.`private_to` = {frappe.db.escape(user)})"
	)


def has_interaction_permission(doc, ptype: str | None = None, user: str | None = None, debug=False) -> bool:
	user = user or frappe.session.user
	if user == "Administrator":
		return True
	if doc.get("is_private") and doc.get("private_to") and doc.get("private_to") != user:
		return False
	if not doc.is_new():
		stored = frappe.db.get_value(INTERACTION, doc.name, ["is_private", "private_to"], as_dict=True)
		if stored and stored.is_private and stored.private_to != user:
			return False
	return has_belongs_to_permission(doc, ptype, user)


# ---------------------------------------------------------------------------------------------
# Assignments: ``_assign`` grants scoped access, so only a reader may create one
# ---------------------------------------------------------------------------------------------


def check_todo_reference(doc, method=None) -> None:
	"""A ToDo on a record of the app needs read permission on that record.

	Frappe writes every open ToDo's ``allocated_to`` into its reference's ``_assign``, and record
	scoping lets assignees read a profile. Anyone may create a ToDo, so without this a user could
	assign themselves to any profile and read it. ``assign_to.add`` (the desk's Assign To) checks read
	permission itself and inserts with ``ignore_permissions``; this closes the direct ways (REST insert,
	Data Import, ``frappe.client``) the same way, and only for a new ToDo or a changed reference or
	assignee, so an assignee who lost access can still close their own ToDo.
	"""
	if doc.flags.ignore_permissions or frappe.session.user == "Administrator":
		return
	if doc.reference_type not in (PROFILE, *BELONGS_TO) or not doc.reference_name:
		return
	if not doc.is_new() and not any(
		doc.has_value_changed(f) for f in ("reference_type", "reference_name", "allocated_to")
	):
		return
	if not frappe.has_permission(doc.reference_type, "read", doc.reference_name):
		frappe.throw(
			_("You may not assign {0} {1}: you cannot read it.").format(
				_(doc.reference_type), frappe.bold(doc.reference_name)
			),
			frappe.PermissionError,
			title=_("Not permitted"),
		)
