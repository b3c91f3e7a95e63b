"""The full refresh: chunks on the long queue that several workers share, then one scoring pass.

``full_refresh`` runs everything in this process (tests, the benchmark, ``bench execute``).
``enqueue_full_refresh`` (nightly, and the "Refresh Now" button) splits the profiles into name ranges,
enqueues one job per range on the ``long`` queue, and the job that finishes the last range runs the
scoring pass. Progress goes to the CRM Profile Settings form through ``frappe.publish_progress``.
"""

from __future__ import annotations

from datetime import date

import frappe
from frappe import _
from frappe.utils import now_datetime

from crm_profiles.analytics import figures

CHUNK_SIZE = 5000
SETTINGS = figures.SETTINGS


def full_refresh(today: date | str | None = None, chunk_size: int | None = None) -> dict:
	"""Refresh figures, tiers, stages and RFM of every profile in this process; returns counts."""
	today = figures.as_of(today)
	config = figures.load_config()
	if not chunk_size:  # one range: figures and scores in one pass and one write
		profiles = figures.refresh_range(config, today, score=True)
		frappe.db.set_single_value(SETTINGS, "last_full_refresh_on", now_datetime(), update_modified=False)
		return {"profiles": profiles, "chunks": 1}
	profiles = 0
	bounds = figures.chunk_bounds(chunk_size)
	for lo, hi in bounds:
		profiles += figures.refresh_range(config, today, lo, hi)
	rescored = figures.rescore(config)
	frappe.db.set_single_value(SETTINGS, "last_full_refresh_on", now_datetime(), update_modified=False)
	return {"profiles": profiles, "rescored": rescored, "chunks": len(bounds)}


def nightly_refresh() -> None:
	"""scheduler_events daily_long."""
	enqueue_full_refresh()


def _progress_key(run: str, what: str) -> str:
	return f"crm_profiles:refresh:{run}:{what}"


def enqueue_full_refresh(chunk_size: int = CHUNK_SIZE) -> str:
	"""Enqueue one long-queue job per range of profiles; returns the run id."""
	run = frappe.generate_hash(length=8)
	bounds = figures.chunk_bounds(chunk_size)
	today = str(figures.as_of(None))
	cache = frappe.cache()
	cache.set_value(_progress_key(run, "total"), len(bounds), expires_in_sec=86400)
	for index, (lo, hi) in enumerate(bounds):
		frappe.enqueue(
			"crm_profiles.analytics.refresh.run_chunk",
			queue="long",
			timeout=3600,
			job_id=f"crm_profiles_refresh_{run}_{index}",
			deduplicate=True,
			enqueue_after_commit=True,
			run=run,
			lo=lo,
			hi=hi,
			today=today,
		)
	_publish(0, 0, len(bounds))
	return run


def run_chunk(run: str, lo: str | None, hi: str | None, today: str) -> None:
	"""One range of profiles; the job that completes the last range also runs the scoring pass."""
	start_fresh_transaction()
	config = figures.load_config()
	figures.refresh_range(config, figures.as_of(today), lo, hi)
	frappe.db.commit()
	cache = frappe.cache()
	total = int(cache.get_value(_progress_key(run, "total")) or 1)
	done = cache.incr(cache.make_key(_progress_key(run, "done")))
	cache.expire(cache.make_key(_progress_key(run, "done")), 86400)
	_publish(int(done * 90 / total), done, total)
	if done == total:
		figures.rescore(figures.load_config())
		frappe.db.set_single_value(SETTINGS, "last_full_refresh_on", now_datetime(), update_modified=False)
		frappe.db.commit()
		_publish(100, total, total)


def start_fresh_transaction() -> None:
	"""End whatever the worker read so far and read committed data from here on.

	Under REPEATABLE READ a transaction keeps the snapshot of its first read; the chunk must see every
	order committed before it took its row locks, so it starts a READ COMMITTED transaction.
	"""
	if frappe.flags.in_test:
		return
	frappe.db.sql("commit")
	frappe.db.sql("set transaction isolation level read committed")
	frappe.db.begin()


def _publish(percent: int, done: int, total: int) -> None:
	frappe.publish_progress(
		percent,
		title=_("Refreshing customer figures"),
		doctype=SETTINGS,
		docname=SETTINGS,
		description=_("{0} of {1} parts done").format(done, total),
	)


@frappe.whitelist(methods=["POST"])
def refresh_now() -> str:
	"""The "Refresh Now" button on CRM Profile Settings."""
	if not frappe.has_permission(SETTINGS, "write"):
		frappe.throw(_("Not permitted to refresh customer figures."), frappe.PermissionError)
	enqueue_full_refresh()
	return _("Refresh started. Figures update as the background jobs finish.")
