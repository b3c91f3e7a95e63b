"""Who is in a segment: one set-based query, live (viewer's permissions) or stored (joins and leaves).

The profile filters go through ``frappe.get_list`` (with ``run=0``), so role permissions, User
Permissions and the app's permission_query_conditions shape the live count and preview exactly as they
shape the profile list. The behaviour rules are added as parameterised subqueries around it.
"""

from __future__ import annotations

from dataclasses import dataclass

import frappe
from frappe.utils import now_datetime

from crm_profiles.compat import list_query_sql
from crm_profiles.segments.rules import PROFILE, Condition, parse_filters, rule_condition

SEGMENT = "Customer Segment"
MEMBER = "Customer Segment Member"


@dataclass
class Definition:
	filters: list
	rules: list

	@classmethod
	def of(cls, segment) -> Definition:
		return cls(parse_filters(segment.filters_json), list(segment.rules))


def members_sql(
	definition: Definition, user: str | None = None, ignore_permissions: bool = False, today=None
):
	"""(sql, params): ``select p.name from `tabCustomer Profile` p where ...`` for this definition."""
	base = frappe.get_list(
		PROFILE,
		filters=definition.filters,
		fields=["`tabCustomer Profile`.`name`"],
		limit_page_length=0,
		order_by="`tabCustomer Profile`.`name`",
		user=user,
		ignore_permissions=ignore_permissions,
		run=0,
	)
	base_sql, base_params = list_query_sql(base)
	conditions = [Condition(f"p.name in ({base_sql})", base_params)]
	conditions += [rule_condition(row, n, today) for n, row in enumerate(definition.rules)]
	params: dict = {"segment_now": now_datetime()}
	for c in conditions:
		params.update(c.params)
	where = " and ".join(c.sql for c in conditions)
	return f"select p.name from `tabCustomer Profile` p where {where}", params


def count(definition: Definition, user: str | None = None, today=None) -> int:
	sql, params = members_sql(definition, user=user, today=today)
	return frappe.db.sql(f"select count(*) from ({sql}) m", params)[0][0]


def preview(definition: Definition, user: str | None = None, limit: int = 20, today=None) -> list[dict]:
	"""The first members by lifetime value, with what the list view shows."""
	sql, params = members_sql(definition, user=user, today=today)
	params["preview_limit"] = limit
	return frappe.db.sql(
		f"""select p.name, p.customer_name, p.territory, p.tier, p.lifecycle_stage, p.lifetime_value,
			p.last_order_date
		from `tabCustomer Profile` p where p.name in ({sql})
		order by p.lifetime_value desc, p.name limit %(preview_limit)s""",
		params,
		as_dict=True,
	)


def member_names(definition: Definition, user: str | None = None, today=None) -> list[str]:
	sql, params = members_sql(definition, user=user, today=today)
	return frappe.db.sql_list(sql + " order by p.name", params)


def refresh(segment_name: str, today=None) -> dict:
	"""Store the segment's full membership: close the rows of members who left, open rows for joiners.

	Stored membership is the segment's definition over all profiles (it is not the refreshing user's
	view); who may read which member rows is decided by the member DocType's own permissions.
	"""
	segment = frappe.get_doc(SEGMENT, segment_name)
	# Safe: stored rows are the definition over all profiles; member rows are read with permissions.
	sql, params = members_sql(Definition.of(segment), ignore_permissions=True, today=today)
	params["segment"] = segment.name
	frappe.db.sql(
		f"""update `tabCustomer Segment Member` set is_current = 0, left_on = %(segment_now)s,
			modified = %(segment_now)s
		where segment = %(segment)s and is_current = 1 and customer not in ({sql})""",
		params,
	)
	left = frappe.db.sql("select row_count()")[0][0]
	frappe.db.sql(
		f"""insert into `tabCustomer Segment Member`
			(name, creation, modified, owner, modified_by, docstatus, idx,
			segment, customer, customer_name, joined_on, is_current)
		select replace(uuid(), '-', ''), %(segment_now)s, %(segment_now)s, 'Administrator',
			'Administrator', 0, 0, %(segment)s, p.name, p.customer_name, %(segment_now)s, 1
		from `tabCustomer Profile` p
		where p.name in ({sql}) and p.name not in (
			select customer from `tabCustomer Segment Member` where segment = %(segment)s and is_current = 1
		)""",
		params,
	)
	joined = frappe.db.sql("select row_count()")[0][0]
	total = frappe.db.count(MEMBER, {"segment": segment.name, "is_current": 1})
	frappe.db.set_value(
		SEGMENT,
		segment.name,
		{"member_count": total, "last_refreshed_on": params["segment_now"]},
		update_modified=False,
	)
	return {"members": total, "joined": joined, "left": left}


def nightly_refresh() -> None:
	"""daily_long: refresh every segment marked Refresh Nightly, one commit each."""
	for name in frappe.get_all(SEGMENT, filters={"enabled": 1}, pluck="name"):
		refresh(name)
		frappe.db.commit()  # one segment at a time, so a failure later keeps the earlier refreshes
