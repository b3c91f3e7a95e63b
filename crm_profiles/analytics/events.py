"""doc_events: order events update one profile; profile saves log manual tier changes.

Fields the engine owns are kept on every write by ``crm_profiles.utils.document.AppDocument``.

An order event recomputes its customer's profile from source (``figures.recompute_customer``) right
after the order's transaction commits, in a transaction of its own that first locks the profile row and
then reads the customer's orders with a locking read. Concurrent submits for one customer therefore
serialise on that row, and the last one reads every committed order: totals are never wrong. The cost
to the submit is one query for the configuration, one indexed grouped query over that customer's
orders, one single-row UPDATE and a commit. In tests (one rolled-back transaction) the recompute runs
inline instead.
"""

from __future__ import annotations

from functools import partial

import frappe

from crm_profiles.analytics import figures


def on_order_event(doc, method=None) -> None:
	"""Sales Order / Sales Invoice on_submit and on_cancel."""
	if not doc.get("customer") or frappe.flags.get("crm_profiles_defer_figures"):
		return  # demo seeding runs one full refresh at the end instead
	schedule_recompute(doc.customer, doc.doctype)


def follows(config: figures.Config, source: str) -> bool:
	"""Whether the profiles follow this document's events: updates on, and it is the figures' source."""
	return config.update_on_events and config.source == source


def schedule_recompute(customer: str, source: str = "Sales Order") -> None:
	# The settings are read after the commit, with the rest of the configuration in one query, rather
	# than inside the submit's transaction.
	if frappe.flags.in_test:
		recompute_if_followed(customer, source)
		return
	pending = frappe.local.flags.setdefault("crm_profiles_pending_customers", set())
	if (customer, source) in pending:
		return
	pending.add((customer, source))
	frappe.db.after_commit.add(partial(recompute_after_commit, customer, source))


def recompute_if_followed(customer: str, source: str) -> bool:
	"""Recompute the customer's profile when the profiles follow ``source``'s events; True if it did."""
	config = figures.load_config()
	if not follows(config, source):
		return False
	# Its reads of the profile and the orders are locking reads: no fresh READ COMMITTED transaction is
	# needed to see orders committed by others since this transaction's first read.
	figures.recompute_customer(customer, config)
	return True


def recompute_after_commit(customer: str, source: str = "Sales Order") -> None:
	frappe.local.flags.get("crm_profiles_pending_customers", set()).discard((customer, source))
	try:
		if not recompute_if_followed(customer, source):
			return
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
