"""The Customer 360 header of a profile: who, worth, when and how happy, in one read.

``get_profile_header`` is the one call behind the header at the top of the profile form (and the
summary on ERPNext's Customer form). The profile's own fields answer who, when and how happy; the
purchase figures are read live from the orders with the same grouped query the nightly refresh uses
(``figures.aggregate``), plus the window before the trailing one for the trends, but only when the user
may read every one of the customer's orders (``analytics.api.order_scope``, the check the purchase
history uses). Otherwise the stored figures stand, without trends or order names, and ``restricted``
says why.
"""

from __future__ import annotations

import time
from decimal import Decimal

import frappe
from frappe import _
from frappe.utils import get_fullname, getdate

from crm_profiles.analytics import figures
from crm_profiles.analytics.api import order_scope
from crm_profiles.privacy.permissions import readable_names, require_profile_read
from crm_profiles.utils import args

PROFILE = "Customer Profile"
FIELDS = (
	"name",
	"customer",
	"customer_name",
	"tier",
	"lifecycle_stage",
	"rfm_segment",
	"account_owner",
	"primary_contact",
	"contact_person_name",
	"email_id",
	"mobile_no",
	"wechat_id",
	"do_not_contact",
	"figures_currency",
	"figures_updated_on",
	"first_order_date",
	"last_order_date",
	"order_count",
	"lifetime_value",
	"average_order_value",
	"window_order_count",
	"window_value",
	"last_interaction_on",
	"interaction_count",
	"next_follow_up_date",
	"follow_up_overdue",
	"open_complaints",
	"average_csat",
	"last_nps",
)


@frappe.whitelist(methods=["GET", "POST"])
@frappe.read_only()
def get_profile_header(name: str) -> dict:
	"""Everything the header shows for one profile, with the server time it took."""
	name = args.name(name, "name")
	require_profile_read(name)
	start = time.perf_counter()
	header = build_header(name)
	header["server_ms"] = round((time.perf_counter() - start) * 1000, 2)
	return header


def build_header(name: str) -> dict:
	profile = frappe.db.get_value(PROFILE, name, FIELDS, as_dict=True)
	if not profile:
		frappe.throw(_("Customer Profile {0} not found.").format(frappe.bold(name)), frappe.DoesNotExistError)
	config = figures.load_config()
	return {
		"who": who(profile),
		"worth": worth(profile, config),
		"when": when(profile),
		"happy": happy(profile),
	}


def who(p: frappe._dict) -> dict:
	return {
		"customer": p.customer,
		"customer_name": p.customer_name or p.customer,
		"tier": p.tier,
		"tier_label": _(p.tier) if p.tier else "",
		"stage": p.lifecycle_stage or "Prospect",
		"stage_label": _(p.lifecycle_stage or "Prospect"),
		"segment_label": _(p.rfm_segment) if p.rfm_segment else "",
		"account_owner": p.account_owner,
		"account_owner_name": get_fullname(p.account_owner) if p.account_owner else "",
		"contact": {
			"name": p.primary_contact,
			"person": p.contact_person_name,
			"phone": p.mobile_no,
			"email": p.email_id,
			"wechat": p.wechat_id,
		},
		"do_not_contact": bool(p.do_not_contact),
	}


def trend(current, previous) -> dict:
	"""This window against the previous one: direction and percent change (None from zero)."""
	current, previous = float(current or 0), float(previous or 0)
	direction = "up" if current > previous else "down" if current < previous else "flat"
	percent = round((current - previous) / previous * 100) if previous else None
	return {"current": current, "previous": previous, "direction": direction, "percent": percent}


def worth(p: frappe._dict, config: figures.Config) -> dict:
	stored = {
		"live": False,
		"currency": p.figures_currency or config.currency or frappe.db.get_default("currency"),
		"window_months": config.window_months,
		"lifetime_value": float(p.lifetime_value or 0),
		"order_count": int(p.order_count or 0),
		"average_order_value": float(p.average_order_value or 0),
		"window_value": float(p.window_value or 0),
		"window_order_count": int(p.window_order_count or 0),
		"last_order_date": str(p.last_order_date) if p.last_order_date else None,
		"last_order": None,
		"trends": {},
		"figures_updated_on": str(p.figures_updated_on) if p.figures_updated_on else None,
		"restricted": "",
	}
	scope = order_scope(p.name, config)
	if scope.condition is None or scope.hidden:
		stored["restricted"] = scope.restricted
		return stored
	today = getdate()
	row = figures.aggregate(config, today, customer=p.name, previous=True).get(p.name)
	live = figures.compute_figures(row, today)
	window_count, previous_count = (
		live["window_order_count"],
		int((row or {}).get("previous_order_count") or 0),
	)
	window_value = live["window_value"]
	previous_value = Decimal(str((row or {}).get("previous_value") or 0))
	stored.update(
		live=True,
		lifetime_value=float(live["lifetime_value"]),
		order_count=live["order_count"],
		average_order_value=float(live["average_order_value"]),
		window_value=float(window_value),
		window_order_count=window_count,
		last_order_date=str(live["last_order_date"]) if live["last_order_date"] else None,
		last_order=last_order(p.name, config),
		trends={
			"lifetime_value": trend(window_value, previous_value),
			"order_count": trend(window_count, previous_count),
			"average_order_value": trend(
				window_value / window_count if window_count else 0,
				previous_value / previous_count if previous_count else 0,
			),
			"window_value": trend(window_value, previous_value),
		},
	)
	return stored


def last_order(customer: str, config: figures.Config) -> str | None:
	"""The name of the customer's latest submitted order, when the user may open it."""
	src = figures.SOURCES[config.source]
	company = "and company = %(company)s" if config.company else ""
	rows = frappe.db.sql(
		f"""select name from {src["table"]} where customer = %(customer)s and docstatus = 1 {company}
		order by {src["date"]} desc, creation desc limit 1""",
		{"customer": customer, "company": config.company},
	)
	if not rows or not readable_names(config.source, [rows[0][0]]):
		return None
	return rows[0][0]


def when(p: frappe._dict) -> dict:
	return {
		"last_interaction_on": str(p.last_interaction_on) if p.last_interaction_on else None,
		"interaction_count": int(p.interaction_count or 0),
		"next_follow_up_date": str(p.next_follow_up_date) if p.next_follow_up_date else None,
		"follow_up_overdue": bool(p.follow_up_overdue),
		"open_complaints": int(p.open_complaints or 0),
	}


def happy(p: frappe._dict) -> dict:
	nps = (p.last_nps or "").strip()
	return {
		"average_csat": round(float(p.average_csat), 1) if p.average_csat else None,
		"last_nps": int(nps) if nps.lstrip("-").isdigit() else None,
	}
