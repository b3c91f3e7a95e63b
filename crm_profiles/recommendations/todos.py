"""Optional follow-up ToDos for reorders that are due (CRM Profile Settings → Reorder Follow-ups).

One ToDo per due reorder row, for the profile's account owner, pointing at the recommendation (whose
name is stable across recomputes), never a second while one is open. Customers who must not be
contacted for follow-ups (do-not-contact, withdrawn consent) are skipped.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import nowdate

from crm_profiles.privacy.consent import not_contactable

SETTINGS = "CRM Profile Settings"

_DUE = """
	select r.name, r.customer, r.customer_name, r.item_code, r.account_owner, r.last_ordered_on,
		r.typical_interval_days
	from `tabCustomer Recommendation` r
	join `tabUser` u on u.name = r.account_owner and u.enabled = 1
	where r.kind = 'Reorder Due'
		and not exists (
			select 1 from `tabToDo` td where td.reference_type = 'Customer Recommendation'
				and td.reference_name = r.name and td.status = 'Open')
	order by r.customer, r.`rank`
"""


def make_reorder_todos(on_date: str | None = None) -> list[str]:
	if not frappe.db.get_single_value(SETTINGS, "reorder_follow_ups"):
		return []
	rows = frappe.db.sql(_DUE, as_dict=True)
	blocked = not_contactable(list({r.customer for r in rows}), "Follow-ups", on_date=on_date)
	created = []
	for row in rows:
		if row.customer in blocked:
			continue
		todo = frappe.get_doc(
			{
				"doctype": "ToDo",
				"allocated_to": row.account_owner,
				"reference_type": "Customer Recommendation",
				"reference_name": row.name,
				"date": on_date or nowdate(),
				"priority": "Medium",
				"assigned_by": "Administrator",
				"description": _(
					"{0} usually reorders {1} every {2} days; the last order was on {3}."
				).format(
					row.customer_name or row.customer,
					row.item_code,
					row.typical_interval_days,
					frappe.utils.formatdate(row.last_ordered_on),
				),
			}
		)
		# Safe: a scheduled job assigns the ToDo to the customer's own account owner.
		todo.insert(ignore_permissions=True)
		created.append(todo.name)
	return created
