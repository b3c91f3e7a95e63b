"""The consent ledger and do-not-contact: what every automation asks before it contacts a customer.

A Customer Consent row records one grant or withdrawal. The current state of a purpose is its latest
row (by date); a grant past its expiry date no longer counts. Purposes that need an opt-in (marketing,
profiling, data sharing) are refused without a current grant; service purposes (surveys, follow-ups)
are allowed unless withdrawn. The profile's Do Not Contact flag refuses everything.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import cint, getdate, now_datetime, nowdate

CONSENT = "Customer Consent"
PROFILE = "Customer Profile"
OPT_IN_PURPOSES = ("Marketing Email", "Marketing SMS", "Marketing Phone", "Profiling", "Data Sharing")
SERVICE_PURPOSES = ("Surveys", "Follow-ups")
PURPOSES = (*OPT_IN_PURPOSES, *SERVICE_PURPOSES)


def current_consents(customer: str, on_date=None) -> dict[tuple[str, str], dict]:
	"""{(purpose, channel): latest row} with ``expired`` set for grants past their expiry."""
	today = getdate(on_date or nowdate())
	rows = frappe.db.sql(
		"""select purpose, coalesce(channel, 'Any') as channel, status, consent_on, expires_on, name
		from `tabCustomer Consent` where customer = %s
		order by consent_on desc, creation desc""",
		customer,
		as_dict=True,
	)
	latest: dict[tuple[str, str], dict] = {}
	for row in rows:
		key = (row.purpose, row.channel)
		if key not in latest:
			row.expired = bool(row.status == "Granted" and row.expires_on and getdate(row.expires_on) < today)
			latest[key] = row
	return latest


def _deciding_row(states: dict, purpose: str, channel: str | None) -> dict | None:
	"""With a channel, the later of its own row and the purpose's "Any" row decides. Without one, any
	withdrawn or expired channel refuses (the cautious reading); else the latest row decides."""
	rows = [row for (p, c), row in states.items() if p == purpose and (not channel or c in (channel, "Any"))]
	if not rows:
		return None
	if not channel:
		refused = [r for r in rows if r.status == "Withdrawn" or r.expired]
		if refused:
			return refused[0]
	return max(rows, key=lambda r: r.consent_on)


def can_contact(customer: str, purpose: str, channel: str | None = None, on_date=None) -> bool:
	"""May we contact this customer for this purpose (and channel)? Automations call this first."""
	if not customer:
		return False
	if cint(frappe.db.get_value(PROFILE, customer, "do_not_contact")):
		return False
	row = _deciding_row(current_consents(customer, on_date), purpose, channel)
	if row is None:
		return purpose not in OPT_IN_PURPOSES
	return row.status == "Granted" and not row.expired


def purpose_states(customer: str) -> dict[str, bool]:
	"""{purpose: granted now?} for every purpose, read the cautious way (any withdrawn or expired channel
	refuses), ignoring Do Not Contact: what the customer has said, as the self-service page shows it."""
	states = current_consents(customer)
	result = {}
	for purpose in PURPOSES:
		row = _deciding_row(states, purpose, None)
		result[purpose] = (
			purpose not in OPT_IN_PURPOSES if row is None else row.status == "Granted" and not row.expired
		)
	return result


def not_contactable(customers: list[str], purpose: str, on_date=None) -> set[str]:
	"""The customers among these that must not be contacted for ``purpose``, in two queries."""
	if not customers:
		return set()
	names = tuple(customers)
	blocked = set(
		frappe.db.sql_list(
			"select name from `tabCustomer Profile` where name in %s and coalesce(do_not_contact, 0) = 1",
			(names,),
		)
	)
	today = getdate(on_date or nowdate())
	latest = frappe.db.sql(
		"""select c.customer, c.status, c.expires_on from `tabCustomer Consent` c
		join (
			select customer, coalesce(channel, 'Any') as channel, max(consent_on) as consent_on
			from `tabCustomer Consent` where customer in %(names)s and purpose = %(purpose)s
			group by customer, coalesce(channel, 'Any')
		) last on last.customer = c.customer and last.channel = coalesce(c.channel, 'Any')
			and last.consent_on = c.consent_on
		where c.purpose = %(purpose)s""",
		{"names": names, "purpose": purpose},
		as_dict=True,
	)
	decided: dict[str, bool] = {}
	for row in latest:
		ok = row.status == "Granted" and not (row.expires_on and getdate(row.expires_on) < today)
		decided[row.customer] = decided.get(row.customer, True) and ok
	for customer in names:
		if not decided.get(customer, purpose not in OPT_IN_PURPOSES):
			blocked.add(customer)
	return blocked


def summary(customer: str) -> str:
	"""One line per purpose for the profile's Consent Summary."""
	lines = []
	for (purpose, channel), row in sorted(current_consents(customer).items()):
		state = _("Expired") if row.expired else _(row.status)
		label = _(purpose) if channel == "Any" else f"{_(purpose)} ({_(channel)})"
		line = f"{label}: {state}"
		if row.expires_on and not row.expired and row.status == "Granted":
			line += " " + _("until {0}").format(frappe.format(row.expires_on, {"fieldtype": "Date"}))
		lines.append(line)
	return "\n".join(lines)


def refresh_summary(customer: str) -> None:
	if frappe.db.exists(PROFILE, customer):
		frappe.db.set_value(
			PROFILE, customer, "consent_summary", summary(customer) or None, update_modified=False
		)


def refresh_expired_summaries() -> None:
	"""daily: grants that expired yesterday change the summary of their profiles."""
	customers = frappe.db.sql_list(
		"select distinct customer from `tabCustomer Consent` where status = 'Granted' and expires_on = %s",
		frappe.utils.add_days(nowdate(), -1),
	)
	for customer in customers:
		refresh_summary(customer)


def unsubscribe_email(email: str | None) -> None:
	"""Keep ERPNext's campaigns and newsletters away: Email Group members and a global unsubscribe."""
	email = (email or "").strip().lower()
	if not email:
		return
	frappe.db.sql("update `tabEmail Group Member` set unsubscribed = 1 where email = %s", email)
	if not frappe.db.exists("Email Unsubscribe", {"email": email, "global_unsubscribe": 1}):
		frappe.get_doc({"doctype": "Email Unsubscribe", "email": email, "global_unsubscribe": 1}).insert(
			ignore_permissions=True  # Safe: only ever adds an opt-out for the customer's own address
		)


# ---------------------------------------------------------------------------------------------
# Hooks
# ---------------------------------------------------------------------------------------------


def on_consent_change(doc, method=None) -> None:
	"""Customer Consent on_update / after_delete: refresh the profile's summary, honour email opt-outs."""
	refresh_summary(doc.customer)
	if doc.status == "Withdrawn" and doc.purpose == "Marketing Email" and method != "after_delete":
		unsubscribe_email(doc.email_id or frappe.db.get_value(PROFILE, doc.customer, "email_id"))


def on_profile_update(doc, method=None) -> None:
	"""Customer Profile on_update: do-not-contact opts the customer's email out of campaigns."""
	if doc.do_not_contact and doc.has_value_changed("do_not_contact"):
		unsubscribe_email(doc.email_id)


def record_consent(
	customer: str, purpose: str, status: str, ignore_permissions: bool = False, **values
) -> str:
	"""Add one ledger row (used by web forms, imports, the self-service page and tests).

	``ignore_permissions`` is for callers that have authorised the write themselves and say why."""
	doc = frappe.get_doc(
		{
			"doctype": CONSENT,
			"customer": customer,
			"purpose": purpose,
			"status": status,
			"consent_on": values.pop("consent_on", None) or now_datetime(),
			**values,
		}
	)
	doc.insert(ignore_permissions=ignore_permissions)
	return doc.name
