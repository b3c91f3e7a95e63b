"""Follow-ups Due: open follow-up and review ToDos up to a date, by owner, tier and territory.

Rows are limited to the profiles the user may read: the profile's permission conditions and User
Permissions are added to the SQL, as ``frappe.get_list`` would. A follow-up of an interaction shows only
when the user may read that interaction too (a private one from a personal mailbox only to its owner).
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import add_days, date_diff, getdate, today

from crm_profiles.privacy.permissions import escaped
from crm_profiles.reports.common import as_filters

INTERACTION = "Customer Interaction"
KINDS = {"Customer Interaction": "Follow-up", "Customer": "Contact Interval", "Customer Profile": "Review"}


def execute(filters=None):
	filters = as_filters(filters)
	validate_filters(filters)
	columns = get_columns()
	data = get_data(filters)
	overdue = sum(1 for row in data if row["days_overdue"] > 0)
	summary = [
		{"label": _("Follow-ups Due"), "value": len(data), "datatype": "Int"},
		{
			"label": _("Follow-up Overdue"),
			"value": overdue,
			"datatype": "Int",
			"indicator": "Red" if overdue else "Green",
		},
	]
	return columns, data, None, None, summary


def validate_filters(filters) -> None:
	filters.due_by = getdate(filters.get("due_by") or add_days(today(), 7))


def get_columns() -> list[dict]:
	return [
		{"label": _("Due Date"), "fieldname": "date", "fieldtype": "Date", "width": 100},
		{"label": _("Days Overdue"), "fieldname": "days_overdue", "fieldtype": "Int", "width": 90},
		{
			"label": _("Customer"),
			"fieldname": "customer",
			"fieldtype": "Link",
			"options": "Customer Profile",
			"width": 180,
		},
		{"label": _("Customer Name"), "fieldname": "customer_name", "fieldtype": "Data", "width": 160},
		{"label": _("Kind"), "fieldname": "kind", "fieldtype": "Data", "width": 120},
		{
			"label": _("Assigned To"),
			"fieldname": "allocated_to",
			"fieldtype": "Link",
			"options": "User",
			"width": 160,
		},
		{
			"label": _("Tier"),
			"fieldname": "tier",
			"fieldtype": "Link",
			"options": "Customer Tier",
			"width": 100,
		},
		{
			"label": _("Territory"),
			"fieldname": "territory",
			"fieldtype": "Link",
			"options": "Territory",
			"width": 120,
		},
		{
			"label": _("Reference"),
			"fieldname": "reference_name",
			"fieldtype": "Dynamic Link",
			"options": "reference_type",
			"width": 150,
		},
		{"label": _("Description"), "fieldname": "description", "fieldtype": "Data", "width": 260},
	]


def get_data(filters) -> list[dict]:
	conditions, params = ["t.status = 'Open'", "t.date <= %(due_by)s"], {"due_by": filters.due_by}
	for field, column in (
		("owner", "t.allocated_to"),
		("tier", "`tabCustomer Profile`.tier"),
		("territory", "`tabCustomer Profile`.territory"),
	):
		if filters.get(field):
			conditions.append(f"{column} = %({field})s")
			params[field] = filters.get(field)
	match = frappe.build_match_conditions("Customer Profile")
	if match:
		conditions.append(f"({escaped(match)})")  # its LIKE patterns, next to the query's parameters
	interaction_match = frappe.build_match_conditions(INTERACTION)
	if interaction_match:
		conditions.append(f"(t.reference_type != '{INTERACTION}' or ({escaped(interaction_match)}))")
	rows = frappe.db.sql(
		f"""select t.name as todo, t.date, t.allocated_to, t.reference_type, t.reference_name, t.description,
			`tabCustomer Profile`.name as customer, `tabCustomer Profile`.customer_name,
			`tabCustomer Profile`.tier, `tabCustomer Profile`.territory
		from `tabToDo` t
		left join `tabCustomer Interaction` on t.reference_type = 'Customer Interaction'
			and `tabCustomer Interaction`.name = t.reference_name
		join `tabCustomer Profile` on `tabCustomer Profile`.name = (case
			when t.reference_type = 'Customer Interaction' then `tabCustomer Interaction`.customer
			else t.reference_name end)
		where t.reference_type in ('Customer Interaction', 'Customer', 'Customer Profile')
			and {" and ".join(conditions)}
		order by t.date asc, t.name asc""",
		params,
		as_dict=True,
	)
	current = getdate(today())
	for row in rows:
		row["kind"] = _(KINDS[row.reference_type])
		row["days_overdue"] = max(date_diff(current, row.date), 0)
		row["description"] = frappe.utils.strip_html(row.description or "")
	return rows
