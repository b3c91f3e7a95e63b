"""doc_events: order events update one profile; profile saves log manual tier changes.

Fields the engine owns are kept on every write by ``crm_profiles.utils.document.AppDocument``.

A submitted order is added to its customer's figures inside the submit's transaction
(``figures.add_submitted_order``): one read of the settings and, locked, the profile row and the order;
the new figures, tier, stage and scores computed in memory; one single-row UPDATE. That is exact when the
profile's stored figures were computed against today's basis (the nightly refresh or an earlier recompute wrote them today, with
the same settings): sums and counts just grow by one order. Concurrent submits for one customer
serialise on the profile row, and each adds its order to figures that hold every other committed order.

Otherwise (a cancel, a profile whose basis is not today's, Sales Invoices as the source, converted
currencies) the profile is recomputed from every order right after the order's transaction commits
(``figures.recompute_customer``), in a READ COMMITTED transaction of its own that first locks the
profile row and then reads the customer's committed orders. In tests (one rolled-back transaction)
that recompute runs inline instead.
"""

from __future__ import annotations

from functools import partial

import frappe

from crm_profiles.analytics import figures


def on_order_event(doc, method=None) -> None:
	"""Sales Order / Sales Invoice on_submit and on_cancel."""
	if not doc.get("customer") or frappe.flags.get("crm_profiles_defer_figures"):
		return  # demo seeding runs one full refresh at the end instead
	if method == "on_submit":
		config, added = figures.add_submitted_order(doc.doctype, doc.name, doc.customer)
	else:
		config, added = figures.load_config(), False
	if added or config.source != doc.doctype:
		return
	if not config.update_on_events:
		# Left to the nightly refresh: no later order may be added to these figures meanwhile.
		figures.forget_basis(doc.customer)
		return
	schedule_recompute(doc.customer, doc.doctype)


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


def recompute_if_followed(customer: str, source: str, lock_orders: bool = True) -> bool:
	"""Recompute the customer's profile when the profiles follow ``source``'s events; True if it did."""
	config = figures.load_config()
	if not figures.follows(config, source):
		return False
	figures.recompute_customer(customer, config, lock_orders=lock_orders)
	return True


def recompute_after_commit(customer: str, source: str = "Sales Order") -> None:
	from crm_profiles.analytics.refresh import start_fresh_transaction

	frappe.local.flags.get("crm_profiles_pending_customers", set()).discard((customer, source))
	try:
		# READ COMMITTED, and a plain read of the orders once the profile is locked: it sees every
		# committed order, and never waits for the order of a submit that is waiting for this profile.
		start_fresh_transaction()
		if not recompute_if_followed(customer, source, lock_orders=False):
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
