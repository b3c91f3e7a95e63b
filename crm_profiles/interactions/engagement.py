"""The engagement figures on a profile, computed from interactions and open follow-ups in SQL.

One UPDATE ... JOIN refreshes any number of profiles, so a single interaction and a nightly pass over
every customer run the same statement.
"""

from __future__ import annotations

import frappe
from frappe.utils import today

OPEN_COMPLAINT_STATES = ("Open", "In Progress")

_REFRESH = """
	update `tabCustomer Profile` p
	left join (
		select i.customer,
			max(case when i.status != 'Cancelled' then i.interaction_date end) as last_on,
			count(*) as total,
			avg(nullif(i.rating, 0)) as csat,
			sum(i.interaction_type = 'Complaint' and i.complaint_status in %(open_states)s) as complaints
		from `tabCustomer Interaction` i
		where {interaction_scope}
		group by i.customer
	) s on s.customer = p.name
	set
		p.last_interaction_on = s.last_on,
		p.interaction_count = coalesce(s.total, 0),
		p.average_csat = coalesce(s.csat, 0),
		p.open_complaints = coalesce(s.complaints, 0),
		p.last_nps = (
			select n.nps from `tabCustomer Interaction` n
			where n.customer = p.name and coalesce(n.nps, '') != ''
			order by n.interaction_date desc, n.creation desc limit 1
		),
		p.next_follow_up_date = (
			select min(t.date) from `tabToDo` t
			left join `tabCustomer Interaction` fi
				on t.reference_type = 'Customer Interaction' and fi.name = t.reference_name
			where t.status = 'Open' and t.date is not null and (
				fi.customer = p.name
				or (t.reference_type = 'Customer' and t.reference_name = p.name)
			)
		)
	where {profile_scope}
"""

_FLAG_OVERDUE = """
	update `tabCustomer Profile` p
	set p.follow_up_overdue = (p.next_follow_up_date is not null and p.next_follow_up_date < %(today)s)
	where {profile_scope}
"""


def refresh_engagement(customers: list[str] | None = None) -> None:
	"""Recompute the engagement figures of the given customers' profiles (every profile when None)."""
	params = {"open_states": OPEN_COMPLAINT_STATES, "today": today()}
	if customers is None:
		interaction_scope, profile_scope = "1 = 1", "1 = 1"
	else:
		customers = [c for c in customers if c]
		if not customers:
			return
		params["customers"] = tuple(customers)
		interaction_scope, profile_scope = "i.customer in %(customers)s", "p.name in %(customers)s"
	frappe.db.sql(_REFRESH.format(interaction_scope=interaction_scope, profile_scope=profile_scope), params)
	frappe.db.sql(_FLAG_OVERDUE.format(profile_scope=profile_scope), params)


def refresh_all_engagement() -> None:
	"""Daily: every profile, so that follow-ups that fell due overnight are flagged overdue."""
	refresh_engagement(None)
