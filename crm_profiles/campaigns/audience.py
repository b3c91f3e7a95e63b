"""A campaign's audience: the segment's consenting members, split at random into contacted and control.

Only members who may be emailed (crm_profiles.segments.email_group.audience) enter the experiment, so
both groups are drawn from the same population. The split is a seeded random order
(md5 of campaign and customer), so preparing again gives the same groups. The contacted group becomes
the campaign's Email Group, which ERPNext's Newsletter sends to.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import cint, getdate, now_datetime, nowdate

from crm_profiles.segments import email_group
from crm_profiles.segments.membership import Definition, members_sql

CAMPAIGN = "Customer Campaign"
MEMBER = "Customer Campaign Member"
CONTACTED = "Contacted"
CONTROL = "Control"


def control_size(n: int, percent: float) -> int:
	"""How many of n members the control group holds: percent of n, rounded half up."""
	return int(n * float(percent or 0) / 100 + 0.5)


def prepare(campaign: str) -> dict:
	doc = frappe.get_doc(CAMPAIGN, campaign)
	if doc.status == "Sent":
		frappe.throw(
			_("Campaign {0} was sent already; its groups cannot change.").format(frappe.bold(doc.name))
		)
	segment = frappe.get_doc("Customer Segment", doc.segment)
	# Safe: the audience is the segment's definition over all profiles; only users who may write the
	# campaign get here, and only counts and the Email Group leave this function.
	sql, params = members_sql(Definition.of(segment), ignore_permissions=True)
	allowed, counts = email_group.audience(sql, params)
	order = frappe.db.sql(
		"select name from `tabCustomer Profile` where name in %(names)s order by md5(concat(%(seed)s, name))",
		{"names": tuple(r["customer"] for r in allowed) or ("",), "seed": doc.name},
		pluck=True,
	)
	control = set(order[: control_size(len(order), doc.control_percent)])
	frappe.db.delete(MEMBER, {"customer_campaign": doc.name})
	now, user = now_datetime(), frappe.session.user
	frappe.db.bulk_insert(
		MEMBER,
		[
			"name",
			"creation",
			"modified",
			"owner",
			"modified_by",
			"customer_campaign",
			"customer",
			"arm",
			"email_id",
		],
		[
			(
				frappe.generate_hash(length=12),
				now,
				now,
				user,
				user,
				doc.name,
				row["customer"],
				CONTROL if row["customer"] in control else CONTACTED,
				row["email"],
			)
			for row in allowed
		],
		chunk_size=5000,
	)
	group = doc.email_group or email_group.ensure_email_group(doc.campaign_name)
	email_group.sync_email_group(group, [r["email"] for r in allowed if r["customer"] not in control])
	doc.db_set(
		{
			"email_group": group,
			"status": "Audience Ready",
			"contacted_count": len(allowed) - len(control),
			"control_count": len(control),
			"audience_summary": email_group.summary_text(counts, len(allowed)),
		}
	)
	return {"contacted": len(allowed) - len(control), "control": len(control), "excluded": counts}


def mark_sent(campaign: str, sent_on=None) -> None:
	doc = frappe.get_doc(CAMPAIGN, campaign)
	if doc.status != "Audience Ready":
		frappe.throw(_("Prepare the audience of {0} before marking it sent.").format(frappe.bold(doc.name)))
	doc.db_set({"status": "Sent", "sent_on": getdate(sent_on or doc.sent_on or nowdate())})


def effect_days(doc) -> int:
	return cint(doc.effect_days) or 30
