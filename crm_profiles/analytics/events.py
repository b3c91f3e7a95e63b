"""doc_events: order events update one profile; profile saves log manual tier changes.

Fields the engine owns are kept on every write by ``crm_profiles.utils.document.AppDocument``.

An order event recomputes its customer's profile from source (``figures.recompute_customer``) right
after the order's transaction commits, in a fresh READ COMMITTED transaction that first locks the
profile row. Concurrent submits for one customer therefore serialise on that row, and the last one
reads every committed order: totals are never wrong. The cost to the submit is one indexed grouped
query over that customer's orders and one single-row UPDATE. In tests (one rolled-back transaction)
the recompute runs inline instead.
"""

from __future__ import annotations

from functools import partial

import frappe

from crm_profiles.analytics import figures


def on_order_event(doc, method=None) -> None:
	"""Sales Order / Sales Invoice on_submit and on_cancel."""
	if not doc.get("customer") or frappe.flags.get("crm_profiles_defer_figures"):
		return  # demo seeding runs one full refresh at the end instead
	settings = dict(
		frappe.db.sql(
			"select field, value from `tabSingles` where doctype = %s and field in ('figures_source', 'update_on_order_events')",
			figures.SETTINGS,
		)
	)
	if (
		settings.get("update_on_order_events") in ("0", 0)
		or (settings.get("figures_source") or "Sales Order") != doc.doctype
	):
		return
	schedule_recompute(doc.customer)


def schedule_recompute(customer: str) -> None:
	if frappe.flags.in_test:
		figures.recompute_customer(customer)
		return
	pending = frappe.local.flags.setdefault("crm_profiles_pending_customers", set())
	if customer in pending:
		return
	pending.add(customer)
	frappe.db.after_commit.add(partial(recompute_after_commit, customer))


def recompute_after_commit(customer: str) -> None:
	frappe.local.flags.get("crm_profiles_pending_customers", set()).discard(customer)
	try:
		from crm_profiles.analytics.refresh import start_fresh_transaction

		start_fresh_transaction()
		figures.recompute_customer(customer)
		frappe.db.sql("commit")
		frappe.db.begin()
	except Exception:
		frappe.db.sql("rollback")
		frappe.db.begin()
		frappe.log_error(title="crm_profiles: profile figures update failed")
		frappe.enqueue(
			"crm_profiles.analytics.events.recompute_job",
			queue="long",
			job_id=f"crm_profiles_recompute_{customer}",
			deduplicate=True,
			customer=customer,
		)


def recompute_job(customer: str) -> None:
	"""Retry of a failed after-commit update, on the long queue."""
	from crm_profiles.analytics.refresh import start_fresh_transaction

	start_fresh_transaction()
	figures.recompute_customer(customer)
	frappe.db.commit()


# ---------------------------------------------------------------------------------------------
# Customer Profile
# ---------------------------------------------------------------------------------------------


def log_manual_tier_change(doc, method=None) -> None:
	"""on_update: a user changed the tier on the profile."""
	before = doc.get_doc_before_save()
	if not before or (before.tier or "") == (doc.tier or ""):
		return
	figures.log_changes([(doc.name, "Tier", before.tier or "", doc.tier or "")], reason="Manual")


def delete_changes(doc, method=None) -> None:
	"""on_trash: the change log of a deleted profile goes with it."""
	frappe.db.delete(figures.CHANGE, {"customer_profile": doc.name})
