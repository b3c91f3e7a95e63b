"""A segment's rules: Frappe filters over the profile plus behaviour rules, each one SQL condition.

Profile filters are stored as Report Builder and Dashboard Chart store them, a JSON list of
``[doctype, fieldname, operator, value]``; they are checked against the DocType meta here and turned into
SQL by Frappe's own ``frappe.get_list``, so permissions apply. Behaviour rules (preferences, consent,
purchases, interactions) become ``name [not] in (subquery)`` conditions whose values are always
parameters; no user text ever becomes SQL.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import frappe
from frappe import _
from frappe.utils import add_days, cint, getdate, nowdate

PROFILE = "Customer Profile"
# The profile and its child tables: tags and preferences can be filtered with Frappe's filter UI.
FILTER_DOCTYPES = (PROFILE, "Customer Profile Tag", "Customer Preference")
OPERATORS = {
	"=",
	"!=",
	">",
	"<",
	">=",
	"<=",
	"like",
	"not like",
	"in",
	"not in",
	"is",
	"between",
	"timespan",
	"descendants of",
	"descendants of (inclusive)",
	"not descendants of",
	"ancestors of",
	"not ancestors of",
}
PREFERENCE_RULES = ("Has Preference", "Lacks Preference")
CONSENT_RULES = ("Has Current Consent", "Lacks Current Consent")
PURCHASE_RULES = ("Bought", "Never Bought")
INTERACTION_RULES = ("Interactions At Least", "Interactions Fewer Than")
NEGATED = {"Lacks Preference", "Lacks Current Consent", "Never Bought", "Interactions Fewer Than"}


def parse_filters(value) -> list[list]:
	"""Stored or posted filters as a checked list of [doctype, fieldname, operator, value]."""
	if not value:
		return []
	if isinstance(value, str):
		try:
			value = json.loads(value)
		except ValueError:
			frappe.throw(_("{0} is not valid JSON.").format(frappe.bold(_("Filters JSON"))))
	if isinstance(value, dict):  # {"field": value} or {"field": [op, value]}, as get_list accepts
		value = [
			[PROFILE, k, *(v if isinstance(v, list | tuple) and len(v) == 2 else ["=", v])]
			for k, v in value.items()
		]
	if not isinstance(value, list):
		frappe.throw(_("{0} must be a list of filters.").format(frappe.bold(_("Filters JSON"))))
	return [check_filter(f) for f in value]


def check_filter(f) -> list:
	if not isinstance(f, list | tuple) or len(f) < 3:
		frappe.throw(_("Each filter needs a field, an operator and a value."))
	if len(f) == 3:
		f = [PROFILE, *f]
	doctype, fieldname, operator, value = f[0], f[1], str(f[2]).lower(), f[3]
	if doctype not in FILTER_DOCTYPES:
		frappe.throw(_("Segments filter Customer Profiles, not {0}.").format(frappe.bold(doctype)))
	meta = frappe.get_meta(doctype)
	if fieldname not in meta.get_valid_columns():
		frappe.throw(_("{0} has no field {1}.").format(_(doctype), frappe.bold(fieldname)))
	df = meta.get_field(fieldname)
	if df and cint(df.permlevel) > 0:
		frappe.throw(
			_("Field {0} is restricted and cannot be used in a segment.").format(frappe.bold(_(df.label)))
		)
	if operator not in OPERATORS:
		frappe.throw(_("Operator {0} is not supported.").format(frappe.bold(operator)))
	return [doctype, fieldname, operator, value]


def check_rule(row) -> None:
	"""Each behaviour rule names what it needs; dates are in order; counts are positive."""
	kind = row.rule_type
	if kind in PREFERENCE_RULES and not row.preference:
		frappe.throw(_("Row {0}: {1} needs a Preference.").format(row.idx, _(kind)))
	if kind in CONSENT_RULES and not row.purpose:
		frappe.throw(_("Row {0}: {1} needs a Consent Purpose.").format(row.idx, _(kind)))
	if kind in PURCHASE_RULES and not (row.item_code or row.item_group):
		frappe.throw(_("Row {0}: {1} needs an Item or an Item Group.").format(row.idx, _(kind)))
	if kind in INTERACTION_RULES and cint(row.interaction_count) < 1:
		frappe.throw(_("Row {0}: Number of Interactions must be at least 1.").format(row.idx))
	if row.from_date and row.to_date and getdate(row.from_date) > getdate(row.to_date):
		frappe.throw(_("Row {0}: From Date must be before To Date.").format(row.idx))
	if cint(row.last_days) < 0:
		frappe.throw(_("Row {0}: In the Last Days cannot be negative.").format(row.idx))


@dataclass
class Condition:
	"""One ``name [not] in (subquery)`` condition and its parameters."""

	sql: str
	params: dict = field(default_factory=dict)


def _period(row, today) -> tuple:
	if cint(row.last_days):
		return add_days(today, -cint(row.last_days)), today
	return (getdate(row.from_date) if row.from_date else None, getdate(row.to_date) if row.to_date else None)


def consent_subquery(purpose_param: str, today_param: str) -> str:
	"""Customers with a current grant for a purpose: every channel's latest row granted and unexpired."""
	return f"""select c.customer from `tabCustomer Consent` c
		join (
			select customer, coalesce(channel, 'Any') as channel, max(consent_on) as consent_on
			from `tabCustomer Consent` where purpose = %({purpose_param})s
			group by customer, coalesce(channel, 'Any')
		) latest on latest.customer = c.customer and latest.channel = coalesce(c.channel, 'Any')
			and latest.consent_on = c.consent_on
		where c.purpose = %({purpose_param})s and c.customer is not null
		group by c.customer
		having min(c.status = 'Granted' and (c.expires_on is null or c.expires_on >= %({today_param})s)) = 1"""


def rule_condition(row, n: int, today=None) -> Condition:
	"""The SQL condition for one behaviour rule, with parameters named after its position ``n``."""
	today = getdate(today or nowdate())
	kind = row.rule_type
	p = f"r{n}_"
	params: dict = {}
	if kind in PREFERENCE_RULES:
		params[p + "pref"] = row.preference
		where = f"parenttype = 'Customer Profile' and preference = %({p}pref)s"
		if row.preference_category:
			params[p + "cat"] = row.preference_category
			where += f" and category = %({p}cat)s"
		sub = f"select parent from `tabCustomer Preference` where {where}"
	elif kind in CONSENT_RULES:
		params[p + "purpose"] = row.purpose
		params[p + "today"] = today
		sub = consent_subquery(p + "purpose", p + "today")
	elif kind in PURCHASE_RULES:
		where = ["o.docstatus = 1"]
		if row.item_code:
			params[p + "item"] = row.item_code
			where.append(f"i.item_code = %({p}item)s")
		if row.item_group:
			lft, rgt = frappe.db.get_value("Item Group", row.item_group, ["lft", "rgt"]) or (None, None)
			if lft is None:
				frappe.throw(_("Item Group {0} does not exist.").format(frappe.bold(row.item_group)))
			params.update({p + "lft": lft, p + "rgt": rgt})
			where.append(
				f"i.item_group in (select name from `tabItem Group` where lft >= %({p}lft)s and rgt <= %({p}rgt)s)"
			)
		start, end = _period(row, today)
		if start:
			params[p + "from"] = start
			where.append(f"o.transaction_date >= %({p}from)s")
		if end:
			params[p + "to"] = end
			where.append(f"o.transaction_date <= %({p}to)s")
		# A derived table of the distinct buyers is read once from the item's order lines; a plain IN
		# subquery let MariaDB walk every profile's orders instead (FirstMatch), about twice as slow.
		sub = (
			"select customer from (select distinct o.customer from `tabSales Order` o "
			"join `tabSales Order Item` i on i.parent = o.name where " + " and ".join(where) + f") {p}buyers"
		)
	elif kind in INTERACTION_RULES:
		where = ["customer is not null", "status != 'Cancelled'"]
		if row.interaction_type:
			params[p + "type"] = row.interaction_type
			where.append(f"interaction_type = %({p}type)s")
		start, end = _period(row, today)
		if start:
			params[p + "from"] = start
			where.append(f"interaction_date >= %({p}from)s")
		if end:
			params[p + "to"] = add_days(end, 1)
			where.append(f"interaction_date < %({p}to)s")
		params[p + "count"] = cint(row.interaction_count)
		sub = (
			"select customer from `tabCustomer Interaction` where "
			+ " and ".join(where)
			+ f" group by customer having count(*) >= %({p}count)s"
		)
	else:
		frappe.throw(_("Rule {0} is not supported.").format(frappe.bold(kind)))
	negate = "not in" if kind in NEGATED else "in"
	return Condition(f"p.name {negate} ({sub})", params)
