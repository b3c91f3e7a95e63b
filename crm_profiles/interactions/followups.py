"""Follow-ups (回访) and profile reviews as ToDos.

Three kinds of ToDo, told apart by what they point at:

- an interaction's own follow-up: a ToDo on the **Customer Interaction**, assigned with Frappe's
  ``assign_to.add``; logging the follow-up (an interaction with "Follow-up Of" set, saved Completed)
  closes it, and cancelling the interaction or unticking "Follow-up Required" cancels it;
- the tier's contact interval: a ToDo on the **Customer** for its account owner, made by a daily job;
  any completed interaction with the customer closes it;
- the periodic review: a ToDo on the **Customer Profile**, closed when "Last Reviewed On" is set.

The daily jobs select the customers that are due in one SQL statement each; only the ToDos themselves
are made through the ORM.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.desk.form import assign_to
from frappe.utils import add_days, getdate, today

from crm_profiles.interactions.engagement import refresh_engagement
from crm_profiles.interactions.settings import setting
from crm_profiles.utils import data_import

INTERACTION = "Customer Interaction"
PROFILE = "Customer Profile"


# ---------------------------------------------------------------------------------------------
# Follow-ups from an interaction
# ---------------------------------------------------------------------------------------------


def open_todos(reference_type: str, reference_name: str) -> list[dict]:
	"""One indexed query (ToDo's reference index); ToDo permissions do not apply to what the app closes."""
	todo = frappe.qb.DocType("ToDo")
	return (
		frappe.qb.from_(todo)
		.select(todo.name, todo.allocated_to, todo.date)
		.where(
			(todo.reference_type == reference_type)
			& (todo.reference_name == reference_name)
			& (todo.status == "Open")
		)
		.run(as_dict=True)
	)


def set_todo_status(todo: str, status: str) -> None:
	doc = frappe.get_doc("ToDo", todo)
	doc.status = status
	# Safe: the ToDo belongs to a follow-up the current user has just completed or cancelled on a
	# document they were allowed to save; ToDo permissions would otherwise limit this to its assignee.
	doc.save(ignore_permissions=True)


def wants_todo(doc) -> bool:
	return bool(
		doc.follow_up_required
		and doc.follow_up_date
		and doc.follow_up_assignee
		and doc.status != "Cancelled"
		and not doc.flags.follow_up_done
	)


def sync_follow_up_todo(doc) -> None:
	"""Keep exactly one open ToDo for an interaction's follow-up, with its assignee and date."""
	# an interaction being inserted has no ToDo yet: no query per imported row
	todos = [] if doc.flags.in_insert else open_todos(INTERACTION, doc.name)
	if not wants_todo(doc):
		for todo in todos:
			set_todo_status(todo.name, "Cancelled")
		return
	for todo in todos:
		if todo.allocated_to != doc.follow_up_assignee:
			set_todo_status(todo.name, "Cancelled")
		elif getdate(todo.date) != getdate(doc.follow_up_date):
			frappe.db.set_value("ToDo", todo.name, "date", doc.follow_up_date)
	if not any(t.allocated_to == doc.follow_up_assignee for t in todos):
		# Safe: the user has just saved this interaction, which needs write permission on it.
		assign_to.add(
			{
				"assign_to": [doc.follow_up_assignee],
				"doctype": INTERACTION,
				"name": doc.name,
				"date": doc.follow_up_date,
				"description": _("Follow up with {0}: {1}").format(
					doc.customer_name or doc.customer, doc.subject
				),
			},
			ignore_permissions=True,
		)


def complete_follow_ups(doc, contact_interval: bool = True) -> None:
	"""A completed interaction closes what it follows up, and the customer's contact-interval ToDo."""
	if doc.status != "Completed":
		return
	if doc.follow_up_of:
		for todo in open_todos(INTERACTION, doc.follow_up_of):
			set_todo_status(todo.name, "Closed")
	if contact_interval:
		close_contact_interval_todos([doc.customer])


def close_contact_interval_todos(customers: list[str]) -> None:
	"""Close the open contact-interval ToDos (on the Customer) of these customers: one query."""
	if not customers:
		return
	todo = frappe.qb.DocType("ToDo")
	names = (
		frappe.qb.from_(todo)
		.select(todo.name)
		.where(
			(todo.reference_type == "Customer")
			& (todo.reference_name.isin(customers))
			& (todo.status == "Open")
		)
		.run(pluck=True)
	)
	for name in names:
		set_todo_status(name, "Closed")


def on_interaction_update(doc) -> None:
	sync_follow_up_todo(doc)
	if data_import.in_data_import(doc):
		# once per import, not per row (below)
		complete_follow_ups(doc, contact_interval=False)
		data_import.defer("crm_engagement", doc.customer)
		if doc.status == "Completed":
			data_import.defer("crm_contact_interval", doc.customer)
		return
	complete_follow_ups(doc)
	refresh_engagement([doc.customer])


# ---------------------------------------------------------------------------------------------
# Data Import: engagement figures and contact-interval ToDos once per import
# ---------------------------------------------------------------------------------------------
# The customers of the committed rows are collected (crm_profiles.utils.data_import) and, when the import
# sets its status, their contact-interval ToDos are closed and their figures recomputed, set-based.
# Should the job die before, the daily ``run_daily`` recomputes every profile's figures.


@data_import.at_import_end("crm_engagement")
def _refresh_imported(customers: set[str], import_doc) -> None:
	refresh_engagement(sorted(customers))


@data_import.at_import_end("crm_contact_interval")
def _close_imported(customers: set[str], import_doc) -> None:
	close_contact_interval_todos(sorted(customers))


def on_interaction_trash(doc) -> None:
	for todo in open_todos(INTERACTION, doc.name):
		set_todo_status(todo.name, "Cancelled")


def on_todo_update(doc, method=None) -> None:
	"""A follow-up ToDo changed (closed, moved): refresh the customer's next follow-up date."""
	if doc.reference_type == INTERACTION and doc.reference_name:
		refresh_engagement([frappe.db.get_value(INTERACTION, doc.reference_name, "customer")])
	elif doc.reference_type == "Customer" and doc.reference_name:
		refresh_engagement([doc.reference_name])


# ---------------------------------------------------------------------------------------------
# Tier contact intervals (daily)
# ---------------------------------------------------------------------------------------------

_DUE_BY_TIER = """
	select p.name as customer, p.customer_name, p.account_owner, p.tier, t.follow_up_interval_days as days,
		date(coalesce(last.last_on, p.creation)) as last_contact
	from `tabCustomer Profile` p
	join `tabCustomer Tier` t on t.name = p.tier
	join `tabUser` u on u.name = p.account_owner and u.enabled = 1
	left join (
		select i.customer, max(i.interaction_date) as last_on
		from `tabCustomer Interaction` i
		where i.status != 'Cancelled' and i.interaction_date <= %(now)s
		group by i.customer
	) last on last.customer = p.name
	where t.follow_up_interval_days > 0
		and coalesce(p.do_not_contact, 0) = 0
		and date(coalesce(last.last_on, p.creation)) <= date_sub(%(today)s, interval t.follow_up_interval_days day)
		and not exists (
			select 1 from `tabToDo` td
			where td.reference_type = 'Customer' and td.reference_name = p.name and td.status = 'Open'
		)
		and not exists (
			select 1 from `tabToDo` td
			join `tabCustomer Interaction` fi on fi.name = td.reference_name
			where td.reference_type = 'Customer Interaction' and td.status = 'Open' and fi.customer = p.name
		)
	order by p.name
"""


def customers_due_by_tier(on_date: str | None = None) -> list[dict]:
	from crm_profiles.privacy.consent import not_contactable

	on_date = on_date or today()
	rows = frappe.db.sql(_DUE_BY_TIER, {"today": on_date, "now": f"{on_date} 23:59:59"}, as_dict=True)
	# Withdrawn or expired consent to follow-ups counts like do-not-contact (crm_profiles.privacy.consent).
	blocked = not_contactable([r.customer for r in rows], "Follow-ups", on_date=on_date)
	return [r for r in rows if r.customer not in blocked]


def create_tier_follow_ups(on_date: str | None = None) -> list[str]:
	"""Daily: a follow-up ToDo for the account owner of each customer not contacted within its tier's
	interval. Never a second while one is open; customers marked do-not-contact are skipped."""
	on_date = on_date or today()
	created = []
	for row in customers_due_by_tier(on_date):
		todo = frappe.get_doc(
			{
				"doctype": "ToDo",
				"allocated_to": row.account_owner,
				"reference_type": "Customer",
				"reference_name": row.customer,
				"date": on_date,
				"priority": "Medium",
				"assigned_by": "Administrator",
				"description": _(
					"Follow up with {0}: tier {1} asks for contact every {2} days; last contact {3}."
				).format(
					row.customer_name or row.customer,
					row.tier,
					row.days,
					frappe.utils.formatdate(row.last_contact),
				),
			}
		)
		# Safe: a scheduled job assigns the ToDo to the customer's own account owner.
		todo.insert(ignore_permissions=True)
		created.append(todo.name)
	if created:
		refresh_engagement(
			[r for r in frappe.get_all("ToDo", {"name": ("in", created)}, pluck="reference_name")]
		)
	return created


# ---------------------------------------------------------------------------------------------
# Periodic profile review (daily)
# ---------------------------------------------------------------------------------------------

_DUE_FOR_REVIEW = """
	select p.name as customer, p.customer_name, p.account_owner, p.last_reviewed_on
	from `tabCustomer Profile` p
	join `tabUser` u on u.name = p.account_owner and u.enabled = 1
	where coalesce(p.last_reviewed_on, date(p.creation)) <= %(cutoff)s
		and not exists (
			select 1 from `tabToDo` td
			where td.reference_type = 'Customer Profile' and td.reference_name = p.name and td.status = 'Open'
		)
	order by p.name
"""


def create_review_todos(on_date: str | None = None) -> list[str]:
	"""Daily: a review ToDo for the account owner of each profile not reviewed within the interval."""
	interval = setting("review_interval_days")
	if not interval:
		return []
	on_date = on_date or today()
	created = []
	for row in frappe.db.sql(_DUE_FOR_REVIEW, {"cutoff": add_days(on_date, -interval)}, as_dict=True):
		todo = frappe.get_doc(
			{
				"doctype": "ToDo",
				"allocated_to": row.account_owner,
				"reference_type": PROFILE,
				"reference_name": row.customer,
				"date": on_date,
				"priority": "Low",
				"assigned_by": "Administrator",
				"description": _("Review the profile of {0} and set Last Reviewed On.").format(
					row.customer_name or row.customer
				),
			}
		)
		# Safe: a scheduled job assigns the review to the profile's own account owner.
		todo.insert(ignore_permissions=True)
		created.append(todo.name)
	return created


def on_profile_update(doc, method=None) -> None:
	"""Setting "Last Reviewed On" closes the open review ToDo."""
	if doc.last_reviewed_on and doc.has_value_changed("last_reviewed_on"):
		for todo in open_todos(PROFILE, doc.name):
			set_todo_status(todo.name, "Closed")


# ---------------------------------------------------------------------------------------------
# Complaints
# ---------------------------------------------------------------------------------------------


def overdue_complaints(now=None) -> list[dict]:
	"""Open or in-progress complaints past their response-due time, most overdue first."""
	return frappe.get_list(
		INTERACTION,
		filters={
			"interaction_type": "Complaint",
			"complaint_status": ("in", ("Open", "In Progress")),
			"response_due_on": ("<", now or frappe.utils.now_datetime()),
		},
		fields=["name", "customer", "customer_name", "subject", "complaint_status", "response_due_on"],
		order_by="response_due_on asc",
		limit_page_length=500,
	)


def run_daily() -> None:
	create_tier_follow_ups()
	create_review_todos()
	refresh_engagement(None)
