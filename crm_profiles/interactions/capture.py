"""Turn ERPNext's own records into interactions: emails, calls, complaints and meetings.

Every source document maps to at most one interaction, found again through ``reference_doctype`` and
``reference_name``, so re-saving or re-syncing a source updates that interaction instead of adding one.

Deleting a source *marks* its interaction (``source_deleted``) and keeps it: an interaction is customer
history, and history is never lost silently. The interaction keeps the deleted document's name in
``deleted_source_name`` and lets go of the link, so Frappe's link check does not block the deletion.
"""

from __future__ import annotations

import frappe
from frappe.utils import cstr, get_datetime, now_datetime, strip_html

from crm_profiles.interactions.settings import setting

INTERACTION = "Customer Interaction"
SUBJECT_LENGTH = 140
SUMMARY_LENGTH = 5000


# ---------------------------------------------------------------------------------------------
# Finding the customer
# ---------------------------------------------------------------------------------------------


def customers_of_contacts(contacts: list[str]) -> list[str]:
	if not contacts:
		return []
	return frappe.get_all(
		"Dynamic Link",
		filters={"parenttype": "Contact", "parent": ("in", contacts), "link_doctype": "Customer"},
		pluck="link_name",
		order_by="link_name",
		distinct=True,
	)


def contacts_by_email(emails: list[str]) -> list[str]:
	emails = sorted({e.strip().lower() for e in emails if e and "@" in e})
	if not emails:
		return []
	return frappe.get_all(
		"Contact Email",
		filters={"email_id": ("in", emails), "parenttype": "Contact"},
		pluck="parent",
		distinct=True,
	)


def contact_of_customer(contacts: list[str], customer: str) -> str | None:
	"""The first of these contacts that belongs to the customer."""
	if not contacts:
		return None
	linked = frappe.get_all(
		"Dynamic Link",
		filters={
			"parenttype": "Contact",
			"parent": ("in", contacts),
			"link_doctype": "Customer",
			"link_name": customer,
		},
		pluck="parent",
	)
	return next((c for c in contacts if c in linked), None)


def customer_by_email(emails: list[str]) -> tuple[str | None, str | None]:
	"""The customer (and contact) an email address belongs to: a Contact of the customer, else the profile."""
	contacts = contacts_by_email(emails)
	for contact in sorted(contacts):
		customers = customers_of_contacts([contact])
		if customers:
			return customers[0], contact
	emails = [e.strip().lower() for e in emails if e and "@" in e]
	if emails:
		profile = frappe.db.get_value(
			"Customer Profile", {"email_id": ("in", emails)}, "customer", order_by="name"
		)
		if profile:
			return profile, None
	return None, None


def first_customer(links: list[tuple[str, str]]) -> tuple[str | None, str | None]:
	"""The first Customer among (doctype, name) links, directly or through a linked Contact."""
	for doctype, name in links:
		if doctype == "Customer" and name and frappe.db.exists("Customer", name):
			return name, None
	for doctype, name in links:
		if doctype == "Contact" and name:
			customers = customers_of_contacts([name])
			if customers:
				return customers[0], name
	return None, None


def split_addresses(*values: str | None) -> list[str]:
	from frappe.utils import parse_addr

	found = []
	for value in values:
		for part in cstr(value).replace(";", ",").split(","):
			if part.strip():
				found.append(parse_addr(part.strip())[1] or part.strip())
	return found


# ---------------------------------------------------------------------------------------------
# Writing the interaction
# ---------------------------------------------------------------------------------------------


def upsert_interaction(source, customer: str, values: dict) -> str:
	"""Create or update the one interaction for ``source``; return its name."""
	values = {**values, "customer": customer}
	values["subject"] = cstr(values.get("subject")).strip()[:SUBJECT_LENGTH] or source.name
	if values.get("summary"):
		values["summary"] = cstr(values["summary"])[:SUMMARY_LENGTH]
	existing = frappe.db.get_value(
		INTERACTION, {"reference_doctype": source.doctype, "reference_name": source.name}, "name"
	)
	if existing:
		doc = frappe.get_doc(INTERACTION, existing)
		changed = {k: v for k, v in values.items() if cstr(doc.get(k)) != cstr(v)}
		if not changed:
			return doc.name  # a re-save that changed nothing we mirror
		doc.update(changed)
	else:
		doc = frappe.get_doc(
			{
				"doctype": INTERACTION,
				"reference_doctype": source.doctype,
				"reference_name": source.name,
				**values,
			}
		)
	# Safe: the interaction mirrors a document the user has just saved; it carries the customer's
	# territory and group, so who may read it is decided by the interaction's own permissions.
	doc.flags.ignore_permissions = True
	doc.flags.from_capture = True
	try:
		doc.save()
	except frappe.UniqueValidationError:
		# Another worker captured the same source first: the database's unique key kept one row.
		return frappe.db.get_value(
			INTERACTION, {"reference_doctype": source.doctype, "reference_name": source.name}, "name"
		)
	return doc.name


def mark_source_deleted(doc, method=None) -> None:
	"""A deleted source keeps its interaction as history, marked and unlinked (see module docstring)."""
	frappe.db.sql(
		"""update `tabCustomer Interaction`
		set source_deleted = 1, deleted_source_name = reference_name, reference_name = null
		where reference_doctype = %(dt)s and reference_name = %(name)s""",
		{"dt": doc.doctype, "name": doc.name},
	)


# ---------------------------------------------------------------------------------------------
# Sources
# ---------------------------------------------------------------------------------------------


def on_communication_update(doc, method=None) -> None:
	if not setting("capture_emails"):
		return
	if doc.communication_type != "Communication" or doc.communication_medium != "Email":
		return
	if doc.reference_doctype == INTERACTION:
		return  # an email written from the interaction itself is already that interaction
	links = [(doc.reference_doctype, doc.reference_name)]
	links += [(row.link_doctype, row.link_name) for row in doc.get("timeline_links") or []]
	addresses = split_addresses(doc.sender, doc.recipients, doc.cc)
	customer, contact = first_customer(links)
	if not customer:
		customer, contact = customer_by_email(addresses)
	if not customer:
		return
	if not contact:
		candidates = [name for dt, name in links if dt == "Contact"] + contacts_by_email(addresses)
		contact = contact_of_customer(candidates, customer)
	mailbox_owner = personal_mailbox_owner(doc)
	if mailbox_owner and not setting("capture_personal_emails"):
		drop_captured(doc)  # a personal mailbox's mail stays in that mailbox
		return
	received = doc.sent_or_received == "Received"
	upsert_interaction(
		doc,
		customer,
		{
			"interaction_type": "Email",
			"channel": "Email",
			"direction": "Inbound" if received else "Outbound",
			"interaction_date": get_datetime(doc.communication_date or doc.creation or now_datetime()),
			"status": "Completed",
			"subject": doc.subject,
			"summary": doc.content,
			"contact_person": contact,
			"interaction_owner": doc.user if doc.user and doc.user != "Guest" else None,
			# A personal mailbox's mail is captured only when settings allow it, and stays its owner's.
			"is_private": 1 if mailbox_owner else 0,
			"private_to": mailbox_owner,
		},
	)


def personal_mailbox_owner(doc) -> str | None:
	"""The user whose personal mailbox this email is in, or None for a team mailbox.

	A mailbox is personal when its address is a user's own, or when exactly one user has it in their
	User Emails and it is not the site's default incoming or outgoing account.
	"""
	account = doc.get("email_account")
	if not account:
		return None
	values = frappe.db.get_value(
		"Email Account", account, ["email_id", "default_incoming", "default_outgoing"], as_dict=True
	)
	if not values:
		return None
	own = values.email_id and frappe.db.get_value(
		"User", {"email": values.email_id, "enabled": 1, "user_type": "System User"}, "name"
	)
	if own:
		return own
	if values.default_incoming or values.default_outgoing:
		return None
	users = frappe.get_all("User Email", filters={"email_account": account}, pluck="parent", distinct=True)
	return users[0] if len(users) == 1 else None


def drop_captured(source) -> None:
	"""Remove the interaction captured from a source that may no longer be captured (it became private)."""
	name = frappe.db.get_value(
		INTERACTION, {"reference_doctype": source.doctype, "reference_name": source.name}, "name"
	)
	if name:
		# Safe: the interaction is a copy the system made of this source, which is now private.
		frappe.delete_doc(INTERACTION, name, ignore_permissions=True, force=True)


CALL_STATUS = {
	"Completed": "Completed",
	"Failed": "Cancelled",
	"Busy": "Cancelled",
	"No Answer": "Cancelled",
	"Canceled": "Cancelled",
}


def on_call_log_update(doc, method=None) -> None:
	if not setting("capture_calls"):
		return
	links = [("Customer", doc.get("customer"))]
	links += [(row.link_doctype, row.link_name) for row in doc.get("links") or []]
	customer, contact = first_customer(links)
	if not customer:
		return
	incoming = doc.type == "Incoming"
	number = doc.get("from") if incoming else doc.get("to")
	upsert_interaction(
		doc,
		customer,
		{
			"interaction_type": "Call",
			"channel": "Phone",
			"direction": "Inbound" if incoming else "Outbound",
			"interaction_date": get_datetime(doc.start_time or doc.creation or now_datetime()),
			"status": CALL_STATUS.get(doc.status, "Open"),
			"subject": f"{doc.type or ''} {number or ''}".strip(),
			"summary": doc.summary,
			"contact_person": contact,
			"interaction_owner": doc.get("employee_user_id"),
		},
	)


def on_issue_update(doc, method=None) -> None:
	if not setting("capture_issues"):
		return
	customer, contact = first_customer([("Customer", doc.customer), ("Contact", doc.contact)])
	if not customer and doc.raised_by:
		customer, contact = customer_by_email(split_addresses(doc.raised_by))
	if not customer:
		return
	opened = (
		get_datetime(f"{doc.opening_date} {doc.opening_time or '00:00:00'}")
		if doc.opening_date
		else doc.creation
	)
	name = upsert_interaction(
		doc,
		customer,
		{
			"interaction_type": "Complaint",
			"channel": "Website" if doc.via_customer_portal else "Email",
			"direction": "Inbound",
			"interaction_date": get_datetime(opened or now_datetime()),
			"subject": doc.subject,
			"summary": doc.description,
			"outcome": strip_html(cstr(doc.resolution_details)) or None,
			"contact_person": contact,
		},
	)
	sync_complaint_state(name, doc.status)


# Issue status -> complaint workflow state. The Issue is the authoritative record of a captured
# complaint: whoever resolves the Issue in ERPNext resolves the complaint, whatever their CRM roles.
ISSUE_STATE = {"Replied": "In Progress", "On Hold": "In Progress", "Resolved": "Resolved", "Closed": "Closed"}


def sync_complaint_state(interaction: str, issue_status: str) -> None:
	state = ISSUE_STATE.get(issue_status)
	current = frappe.db.get_value(INTERACTION, interaction, "complaint_status")
	if not state or state == current:
		return
	if state == "In Progress" and current in ("Resolved", "Closed"):
		return
	status = "Completed" if state in ("Resolved", "Closed") else "Open"
	frappe.db.set_value(INTERACTION, interaction, {"complaint_status": state, "status": status})
	from crm_profiles.interactions.engagement import refresh_engagement

	refresh_engagement([frappe.db.get_value(INTERACTION, interaction, "customer")])


EVENT_STATUS = {"Cancelled": "Cancelled", "Completed": "Completed", "Closed": "Completed"}


def on_event_update(doc, method=None) -> None:
	if not setting("capture_meetings"):
		return
	if doc.event_type != "Public":
		drop_captured(doc)  # a Private event is its owner's alone, and is never copied to the team
		return
	links = [(row.reference_doctype, row.reference_docname) for row in doc.get("event_participants") or []]
	customer, contact = first_customer(links)
	if not customer:
		emails = [row.email for row in doc.get("event_participants") or [] if row.get("email")]
		customer, contact = customer_by_email(emails)
	if not customer:
		return
	starts = get_datetime(doc.starts_on or now_datetime())
	upsert_interaction(
		doc,
		customer,
		{
			"interaction_type": "Call" if doc.event_category == "Call" else "Meeting",
			"channel": "Phone" if doc.event_category == "Call" else "In Person",
			"direction": "Outbound",
			"interaction_date": starts,
			"status": EVENT_STATUS.get(doc.status) or ("Completed" if starts <= now_datetime() else "Open"),
			"subject": doc.subject,
			"summary": doc.description,
			"contact_person": contact,
			"interaction_owner": doc.owner,
		},
	)


def on_appointment_update(doc, method=None) -> None:
	if not setting("capture_meetings"):
		return
	customer, contact = first_customer([(doc.appointment_with, doc.party)])
	if not customer and doc.customer_email:
		customer, contact = customer_by_email([doc.customer_email])
	if not customer:
		return
	scheduled = get_datetime(doc.scheduled_time or now_datetime())
	upsert_interaction(
		doc,
		customer,
		{
			"interaction_type": "Meeting",
			"channel": "In Person",
			"direction": "Inbound",
			"interaction_date": scheduled,
			"status": "Completed" if doc.status == "Closed" or scheduled <= now_datetime() else "Open",
			"subject": doc.customer_name or doc.name,
			"summary": doc.customer_details,
			"contact_person": contact,
		},
	)
