"""One activity timeline per customer, newest first, read a page at a time.

Each source (interactions, orders, issues, and tier or stage changes when a history DocType exists)
is read with the same keyset cursor, ``(at, kind, name)``, so every page is a few indexed range reads
of at most ``limit + 1`` rows per source, however long the customer's history is. Nothing ever loads
the whole history.
"""

from __future__ import annotations

import base64
import json
import time

import frappe
from frappe import _
from frappe.utils import cint, get_datetime

from crm_profiles.privacy.permissions import escaped, readable_names, require_profile_read, row_condition
from crm_profiles.utils import args

PROFILE = "Customer Profile"
MAX_LIMIT = 100
# The filter chips of the form: which sources each shows (complaints: complaint interactions and issues).
FILTERS = {
	"all": None,
	"interactions": ("Interaction",),
	"orders": ("Sales Order",),
	"complaints": ("Complaint", "Issue"),
	"changes": ("Customer Profile Change",),
}
# Optional history DocTypes from the analytics work: (doctype, date field, title field, detail field).
HISTORY_SOURCES = (("Customer Profile Change", "changed_on", "change_type", "to_value"),)
HISTORY_KINDS = {doctype for doctype, *_ in HISTORY_SOURCES}


def _sources(customer: str, show: str = "all") -> list[dict]:
	"""The timeline's sources, each limited to the rows the user may read in that doctype's own list.

	``show`` is one of ``FILTERS``: "complaints" reads the interactions of type Complaint and the issues.

	Every source's SQL reads its table unaliased, so Frappe's row rules for it (role permission, User
	Permissions, other apps' conditions, private interactions) apply as they are (``row_condition``).
	"""
	sources = [
		{
			"kind": "Interaction",
			"doctype": "Customer Interaction",
			"sql": """select 'Interaction' as kind, name, interaction_date as at, 1 as timed, subject as title,
				interaction_type as detail, status, null as amount
				from `tabCustomer Interaction` where customer = %(customer)s""",
		},
		{
			"kind": "Sales Order",
			"doctype": "Sales Order",
			"sql": """select 'Sales Order' as kind, name, timestamp(transaction_date) as at, 0 as timed,
				cast(format(grand_total, 2) as char) as title, currency as detail, status, grand_total as amount
				from `tabSales Order` where customer = %(customer)s and docstatus < 2""",
		},
		{
			"kind": "Issue",
			"doctype": "Issue",
			# Issues already captured as complaints appear once, as their interaction.
			"sql": """select 'Issue' as kind, name, timestamp(opening_date, coalesce(opening_time, '00:00:00')) as at,
				opening_time is not null as timed, subject as title, issue_type as detail, status, null as amount
				from `tabIssue`
				where customer = %(customer)s and not exists (select 1 from `tabCustomer Interaction` ci
					where ci.reference_doctype = 'Issue' and ci.reference_name = `tabIssue`.name)""",
		},
	]
	for doctype, date_field, title_field, detail_field in HISTORY_SOURCES:
		meta = frappe.db.exists("DocType", doctype) and frappe.get_meta(doctype)
		if not meta or not all(
			meta.has_field(f) for f in ("customer", date_field, title_field, detail_field)
		):
			continue  # tolerate the history DocType's absence, or a different shape
		sources.append(
			{
				"kind": doctype,
				"doctype": doctype,
				"sql": f"""select %(history_kind)s as kind, name, `{date_field}` as at, 1 as timed,
					`{title_field}` as title, `{detail_field}` as detail, '' as status, null as amount
					from `tab{doctype}` where customer = %(customer)s""",
				"params": {"history_kind": doctype},
			}
		)
	kinds = FILTERS.get(show)
	if kinds and "Complaint" in kinds:
		kinds = (*kinds, "Interaction")
		sources[0]["sql"] += " and interaction_type = 'Complaint'"  # sources[0] is the interactions
	if kinds:
		sources = [s for s in sources if s["kind"] in kinds]
	readable = []
	for source in sources:
		condition = row_condition(source["doctype"])
		if condition is None:
			continue  # no read on this doctype at all
		if condition:
			source["sql"] += f" and ({escaped(condition)})"
		readable.append(source)
	return readable


def _sources_kinds() -> list[dict]:
	return [
		{"kind": "Interaction", "doctype": "Customer Interaction"},
		{"kind": "Sales Order", "doctype": "Sales Order"},
		{"kind": "Issue", "doctype": "Issue"},
		*({"kind": dt, "doctype": dt} for dt, *_ in HISTORY_SOURCES),
	]


# Sources differ in column collations (and literals have the connection's); UNION needs one.
_COLUMNS = ", ".join(
	[f"convert({c} using utf8mb4) collate utf8mb4_unicode_ci as {c}" for c in ("kind", "name")]
	+ ["at", "timed"]
	+ [f"convert({c} using utf8mb4) collate utf8mb4_unicode_ci as {c}" for c in ("title", "detail", "status")]
	+ ["amount"]
)


def encode_cursor(row: dict) -> str:
	raw = json.dumps([str(row["at"]), row["kind"], row["name"]])
	return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_cursor(cursor: str) -> tuple:
	try:
		at, kind, name = json.loads(base64.urlsafe_b64decode(cursor.encode()).decode())
		return get_datetime(at), str(kind), str(name)
	except Exception:
		frappe.throw(_("This timeline page link is not valid. Reload the profile."))


def _page_condition(source: dict, cursor: tuple | None) -> str:
	"""Rows strictly after the cursor in (at desc, kind desc, name desc) order."""
	if not cursor:
		return ""
	kind = cursor[1]
	if source["kind"] < kind:
		return " and at <= %(cursor_at)s"
	if source["kind"] > kind:
		return " and at < %(cursor_at)s"
	return " and (at < %(cursor_at)s or (at = %(cursor_at)s and name < %(cursor_name)s))"


def read_page(customer: str, cursor: str | None = None, limit: int = 20, show: str = "all") -> dict:
	"""One page of the customer's timeline and the cursor of the next page (None at the end).

	``timed`` says whether the source records a time of day (orders have only a date); ``amount`` is an
	order's grand total in its ``detail`` currency, for grouping runs of orders.
	"""
	limit = max(1, min(cint(limit) or 20, MAX_LIMIT))
	position = decode_cursor(cursor) if cursor else None
	params = {"customer": customer, "limit": limit + 1}
	if position:
		params.update({"cursor_at": position[0], "cursor_name": position[2]})
	parts = []
	for source in _sources(customer, show):
		params.update(source.get("params", {}))
		parts.append(
			f"(select {_COLUMNS} from ({source['sql']}) s where 1 = 1 {_page_condition(source, position)} "
			"order by at desc, name desc limit %(limit)s)"
		)
	rows = frappe.db.sql(
		" union all ".join(parts) + " order by at desc, kind desc, name desc limit %(limit)s",
		params,
		as_dict=True,
	)
	more = len(rows) > limit
	rows = rows[:limit]
	# has_permission per row, for rules that only a document's controller knows; the cursor still
	# moves past a dropped row.
	last = rows[-1] if more and rows else None
	kinds = {s["kind"]: s["doctype"] for s in _sources_kinds()}
	allowed = {
		(kind, name)
		for kind in {r.kind for r in rows}
		for name in readable_names(kinds.get(kind, kind), [r.name for r in rows if r.kind == kind])
	}
	rows = [r for r in rows if (r.kind, r.name) in allowed]
	return {
		"items": [
			{
				"kind": r.kind,
				"kind_label": _(r.kind),
				"name": r.name,
				"at": str(r.at),
				"timed": bool(r.timed),
				"amount": float(r.amount) if r.amount is not None else None,
				"currency": r.detail if r.kind == "Sales Order" else None,
				# A change's title is what changed (Tier, Lifecycle Stage): a label to translate, not data.
				"title": _(r.title) if r.title and r.kind in HISTORY_KINDS else r.title,
				"detail": _(r.detail) if r.detail else "",
				"status": _(r.status) if r.status else "",
			}
			for r in rows
		],
		"next_cursor": encode_cursor(last) if last else None,
	}


@frappe.whitelist(methods=["GET", "POST"])
@frappe.read_only()
def get_timeline(customer: str, cursor: str | None = None, limit: int = 20, show: str = "all") -> dict:
	"""The profile form's timeline: one page, newest first, with the server time it took.

	``show`` is the filter chip: all, interactions, orders, complaints or changes."""
	customer = args.name(customer, "customer")
	cursor = args.text(cursor, "cursor", max_length=1000) or None
	limit = args.integer(limit, "limit", minimum=1, maximum=MAX_LIMIT, default=20)
	show = args.choice(show, "show", FILTERS, default="all")
	require_profile_read(customer)
	start = time.perf_counter()
	page = read_page(customer, cursor, limit, show)
	page["server_ms"] = round((time.perf_counter() - start) * 1000, 2)
	return page
