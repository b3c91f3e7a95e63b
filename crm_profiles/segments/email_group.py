"""Segment → ERPNext Email Group, honouring the consent ledger.

A member is added only with an email address, without Do Not Contact, without a global unsubscribe and
with a current Marketing Email grant (every channel's latest ledger row granted and unexpired). Each
rule's exclusions are counted separately (a member can fail several), so the segment can say how many
each rule kept out. Addresses no longer allowed are taken out of the group.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import now_datetime, nowdate

from crm_profiles.segments.rules import consent_subquery

PURPOSE = "Marketing Email"
EXCLUSION_RULES = (
	"No Email",
	"Do Not Contact",
	"Globally Unsubscribed",
	"No Current Marketing Email Consent",
)


def audience(members_table_sql: str, params: dict, today=None) -> tuple[list[dict], dict[str, int]]:
	"""For the customers selected by ``members_table_sql``: who may be emailed, and exclusion counts."""
	params = {**params, "purpose": PURPOSE, "today": today or nowdate()}
	rows = frappe.db.sql(
		f"""select p.name as customer, lower(trim(p.email_id)) as email,
			coalesce(p.email_id, '') = '' as no_email,
			coalesce(p.do_not_contact, 0) = 1 as do_not_contact,
			exists(select 1 from `tabEmail Unsubscribe` u where u.global_unsubscribe = 1
				and u.email = p.email_id) as unsubscribed,
			p.name not in ({consent_subquery("purpose", "today")}) as no_consent
		from `tabCustomer Profile` p where p.name in ({members_table_sql})""",
		params,
		as_dict=True,
	)
	counts = dict.fromkeys(EXCLUSION_RULES, 0)
	allowed = []
	for row in rows:
		failed = {
			"No Email": row.no_email,
			"Do Not Contact": row.do_not_contact,
			"Globally Unsubscribed": row.unsubscribed,
			"No Current Marketing Email Consent": row.no_consent,
		}
		for rule, hit in failed.items():
			counts[rule] += int(bool(hit))
		if not any(failed.values()):
			allowed.append({"customer": row.customer, "email": row.email})
	return allowed, counts


def sync_email_group(email_group: str, emails: list[str]) -> dict[str, int]:
	"""Make the group's subscribed members exactly ``emails``: add the missing, remove the rest."""
	wanted = sorted(set(emails))
	existing = set(frappe.get_all("Email Group Member", filters={"email_group": email_group}, pluck="email"))
	removed = existing - set(wanted)
	if removed:
		frappe.db.delete("Email Group Member", {"email_group": email_group, "email": ("in", list(removed))})
	now = now_datetime()
	user = frappe.session.user
	rows = [
		(frappe.generate_hash(length=12), now, now, user, user, email_group, email, 0)
		for email in wanted
		if email not in existing
	]
	frappe.db.bulk_insert(
		"Email Group Member",
		["name", "creation", "modified", "owner", "modified_by", "email_group", "email", "unsubscribed"],
		rows,
		chunk_size=5000,
	)
	frappe.db.sql(
		"update `tabEmail Group Member` set unsubscribed = 0 where email_group = %s and unsubscribed = 1",
		email_group,
	)
	group = frappe.get_doc("Email Group", email_group)
	group.db_set("total_subscribers", group.get_total_subscribers(), update_modified=False)
	return {"added": len(rows), "removed": len(removed), "subscribers": len(wanted)}


def ensure_email_group(title: str) -> str:
	if not frappe.db.exists("Email Group", title):
		frappe.get_doc({"doctype": "Email Group", "title": title}).insert()
	return title


def summary_text(counts: dict[str, int], allowed: int) -> str:
	labels = {
		"No Email": _("No email address"),
		"Do Not Contact": _("Do Not Contact"),
		"Globally Unsubscribed": _("Unsubscribed from all emails"),
		"No Current Marketing Email Consent": _("No current Marketing Email consent"),
	}
	lines = [_("Can be emailed: {0}").format(allowed)]
	lines += [_("Excluded, {0}: {1}").format(labels[rule], n) for rule, n in counts.items()]
	return "\n".join(lines)
