"""Whitelisted calls of the Customer Segment form: live count and preview, refresh, Email Group sync."""

from __future__ import annotations

import json

import frappe
from frappe import _
from frappe.utils import cint, now_datetime

from crm_profiles.segments import email_group, membership
from crm_profiles.segments.membership import SEGMENT, Definition
from crm_profiles.segments.rules import check_rule, parse_filters
from crm_profiles.utils import args


def _definition(segment: str | None, filters_json: str | None, rules: str | list | None) -> Definition:
	"""The saved segment, or the unsaved definition being edited on the form."""
	if filters_json is None and rules is None:
		if not segment:
			frappe.throw(_("{0} is required.").format(frappe.bold(_("Segment"))))
		return Definition.of(frappe.get_doc(SEGMENT, segment))
	if isinstance(rules, str):
		try:
			rules = json.loads(rules or "[]")
		except ValueError:
			frappe.throw(_("{0} is not valid JSON.").format(frappe.bold(_("Behaviour Rules"))))
	if not isinstance(rules, list):
		frappe.throw(_("{0} must be a list.").format(frappe.bold(_("Behaviour Rules"))))
	rows = []
	for i, row in enumerate(rules, start=1):
		if not isinstance(row, dict) or not row.get("rule_type"):
			continue  # a row still being filled in on the form
		doc = frappe.new_doc("Customer Segment Rule")
		doc.update({k: v for k, v in row.items() if k in _RULE_FIELDS})
		doc.idx = i
		check_rule(doc)
		rows.append(doc)
	return Definition(parse_filters(filters_json), rows)


_RULE_FIELDS = {
	"rule_type",
	"preference_category",
	"preference",
	"purpose",
	"item_code",
	"item_group",
	"interaction_type",
	"interaction_count",
	"from_date",
	"to_date",
	"last_days",
}


def _check(ptype: str, segment: str | None = None) -> None:
	if not frappe.has_permission(SEGMENT, ptype, segment or None):
		frappe.throw(_("Not permitted to use Customer Segments."), frappe.PermissionError)


@frappe.whitelist()
@frappe.read_only()
def get_members_preview(
	segment: str | None = None, filters_json: str | None = None, rules: str | None = None, limit: int = 20
) -> dict:
	"""Live count and the first members, as the calling user may see them."""
	segment = args.name(segment, "segment", required=False)
	filters_json = args.text(filters_json, "filters_json", max_length=100_000)
	rules = args.text(rules, "rules", max_length=100_000)
	limit = args.integer(limit, "limit", minimum=1, maximum=100, default=20)
	_check("read", segment)
	definition = _definition(segment, filters_json, rules)
	limit = max(1, min(cint(limit), 100))
	return {
		"count": membership.count(definition),
		"members": membership.preview(definition, limit=limit),
	}


@frappe.whitelist(methods=["POST"])
def refresh_segment(segment: str | None = None) -> dict:
	"""Refresh Membership button: store the membership now and say who joined and left."""
	segment = args.name(segment, "segment")
	_check("write", segment)
	return membership.refresh(segment)


@frappe.whitelist(methods=["POST"])
def sync_to_email_group(segment: str | None = None) -> dict:
	"""Sync Email Group button: the segment's consenting members become the group's subscribers."""
	segment = args.name(segment, "segment")
	_check("write", segment)
	if not frappe.has_permission("Email Group", "write"):
		frappe.throw(_("Not permitted to change Email Groups."), frappe.PermissionError)
	doc = frappe.get_doc(SEGMENT, segment)
	group = doc.email_group or email_group.ensure_email_group(doc.segment_name)
	# Safe: the group gets the segment's whole audience, which only a user who may change both the
	# segment and Email Groups can trigger; nothing about the members is returned but counts.
	sql, params = membership.members_sql(Definition.of(doc), ignore_permissions=True)
	allowed, counts = email_group.audience(sql, params)
	result = email_group.sync_email_group(group, [row["email"] for row in allowed])
	doc.db_set(
		{
			"email_group": group,
			"last_synced_on": now_datetime(),
			"sync_summary": email_group.summary_text(counts, len(allowed)),
		}
	)
	return {"email_group": group, "excluded": counts, **result}
