"""The full refresh: chunks on the long queue that several workers share, then one scoring pass.

``full_refresh`` runs everything in this process (tests, the benchmark, ``bench execute``).
``enqueue_full_refresh`` (nightly, and the "Refresh Now" button) splits the profiles into name ranges,
enqueues one job per range (a *part*) on the ``long`` queue, and the job that finishes the last part
runs the scoring pass. Progress goes to the CRM Profile Settings form through ``frappe.publish_progress``.

A run survives faults. Its state is kept in Redis (parts, parts done, attempts, failures) and its status
on CRM Profile Settings (Running, Completed, Failed, with the reason):
- a part that raises (a deadlock, the database restarting) is queued again, up to ``MAX_ATTEMPTS``;
- ``check_refresh`` (every few minutes, and before each new run) finds parts whose job is gone: failed,
  or started by a worker that stopped beating (killed), and queues them again; after ``MAX_ATTEMPTS``
  the run is marked Failed with the reason, and the next run recomputes everything;
- the scoring pass runs exactly once per run, after every part is done, in one transaction, so every
  profile's R, F, M and segment come from one set of cut points.
"""

from __future__ import annotations

import json
import os
import time
from datetime import date, datetime, timezone

import frappe
from frappe import _
from frappe.utils import cint, now_datetime

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


MAX_ATTEMPTS = 3
# A started part whose job has not had a heartbeat for this long belongs to a worker that is gone
# (RQ's workers beat for their running job every ``job_monitoring_interval``, 30 s by default).
STALE_SECONDS = 180
STATE_SECONDS = 2 * 86400


def _redis():
	"""The queue's Redis (plain values; Frappe's cache wrapper pickles hashes and sets)."""
	from frappe.utils.background_jobs import get_redis_conn

	return get_redis_conn()


def _key(run: str, what: str) -> str:
	return f"{frappe.local.site}:crm_profiles:refresh:{run}:{what}"


def _job_id(run: str, index: int, attempt: int) -> str:
	return f"crm_profiles_refresh_{run}_{index}_{attempt}"


def enqueue_full_refresh(chunk_size: int = CHUNK_SIZE) -> str:
	"""Enqueue one long-queue job per range of profiles; returns the run id."""
	check_refresh()
	run = frappe.generate_hash(length=8)
	bounds = figures.chunk_bounds(chunk_size)
	today = str(figures.as_of(None))
	redis = _redis()
	redis.hset(_key(run, "parts"), mapping={i: json.dumps(b) for i, b in enumerate(bounds)})
	redis.set(_key(run, "total"), len(bounds), ex=STATE_SECONDS)
	redis.set(_key(run, "today"), today, ex=STATE_SECONDS)
	redis.expire(_key(run, "parts"), STATE_SECONDS)
	_set_status(run, "Running", error="")
	for index, (lo, hi) in enumerate(bounds):
		_enqueue_part(run, index, lo, hi, today, after_commit=True)
	_publish(0, 0, len(bounds))
	return run


def _enqueue_part(run: str, index: int, lo, hi, today: str, after_commit: bool = False) -> None:
	redis = _redis()
	attempt = redis.hincrby(_key(run, "attempts"), index, 1)
	redis.expire(_key(run, "attempts"), STATE_SECONDS)
	frappe.enqueue(
		"crm_profiles.analytics.refresh.run_chunk",
		queue="long",
		timeout=3600,
		job_id=_job_id(run, index, attempt),
		deduplicate=True,
		enqueue_after_commit=after_commit,
		run=run,
		lo=lo,
		hi=hi,
		today=today,
		index=index,
		attempt=attempt,
	)


def run_chunk(
	run: str, lo: str | None, hi: str | None, today: str, index: int = 0, attempt: int = MAX_ATTEMPTS
) -> None:
	"""One part of a run; the job that completes the last part also runs the scoring pass."""
	try:
		start_fresh_transaction()
		figures.refresh_range(figures.load_config(), figures.as_of(today), lo, hi)
		_pause_for_fault_tests()
		frappe.db.commit()
	except Exception as error:
		_rollback_quietly()
		_part_failed(run, index, attempt, error, lo, hi, today)
		raise  # the job shows as failed in RQ and the Error Log, and the run goes on without it
	_part_done(run, index)


def _pause_for_fault_tests() -> None:
	"""The fault tests hold a part here, its writes done and not committed, to kill its worker mid-part."""
	seconds = cint(os.environ.get("CRM_PROFILES_REFRESH_PART_PAUSE"))
	if seconds:
		time.sleep(seconds)


def _part_done(run: str, index: int) -> None:
	redis = _redis()
	redis.sadd(_key(run, "done"), index)
	redis.expire(_key(run, "done"), STATE_SECONDS)
	total = int(redis.get(_key(run, "total")) or 0)
	done = redis.scard(_key(run, "done"))
	_publish(int(done * 90 / max(total, 1)), done, total)
	if total and done >= total:
		_score(run)


def _score(run: str) -> None:
	"""The scoring pass, once per run: whoever completes the last part first takes it."""
	redis = _redis()
	if not redis.set(_key(run, "scoring"), 1, nx=True, ex=STATE_SECONDS):
		return
	try:
		figures.rescore(figures.load_config())
		frappe.db.set_single_value(SETTINGS, "last_full_refresh_on", now_datetime(), update_modified=False)
		_set_status(run, "Completed", error="")
		frappe.db.commit()
	except Exception:
		_rollback_quietly()
		redis.delete(_key(run, "scoring"))  # check_refresh runs it again
		raise
	total = int(redis.get(_key(run, "total")) or 0)
	_publish(100, total, total)


def _part_failed(run: str, index: int, attempt: int, error: Exception, lo, hi, today: str) -> None:
	"""Record why; queue the part again while attempts remain, else mark the run Failed."""
	reason = _("Part {0} failed on attempt {1}: {2}").format(index + 1, attempt, repr(error)[:300])
	redis = _redis()
	redis.hset(_key(run, "failures"), index, reason)
	redis.expire(_key(run, "failures"), STATE_SECONDS)
	if attempt < MAX_ATTEMPTS:
		_enqueue_part(run, index, lo, hi, today)
	else:
		_set_status_quietly(run, "Failed", reason)


def check_refresh() -> dict | None:
	"""Find the parts of the running refresh that no worker is doing, and queue them again.

	Every few minutes (scheduler) and before each new run. Returns what it found, for the settings form
	and tests. A run whose state Redis lost, or whose part failed ``MAX_ATTEMPTS`` times, is marked
	Failed with the reason; the next run recomputes every profile.
	"""
	run, status = (
		frappe.db.get_single_value(SETTINGS, "refresh_run"),
		frappe.db.get_single_value(SETTINGS, "refresh_status"),
	)
	if status != "Running" or not run:
		return None
	redis = _redis()
	parts = {int(i): json.loads(b) for i, b in (redis.hgetall(_key(run, "parts")) or {}).items()}
	today = redis.get(_key(run, "today"))
	if not parts or not today:
		_set_status(
			run,
			"Failed",
			_("The run's progress was lost (Redis restarted). The next refresh recomputes every profile."),
		)
		return {"run": run, "status": "Failed"}
	today = frappe.safe_decode(today)
	done = {int(i) for i in redis.smembers(_key(run, "done"))}
	attempts = {int(i): int(n) for i, n in (redis.hgetall(_key(run, "attempts")) or {}).items()}
	failures = {
		int(i): frappe.safe_decode(r) for i, r in (redis.hgetall(_key(run, "failures")) or {}).items()
	}
	requeued = []
	for index, (lo, hi) in sorted(parts.items()):
		attempt = attempts.get(index, 0)
		if index in done or _job_alive(_job_id(run, index, attempt)):
			continue
		if attempt >= MAX_ATTEMPTS:
			reason = failures.get(index) or _(
				"Part {0} stopped {1} times without finishing (worker killed)."
			).format(index + 1, attempt)
			_set_status(run, "Failed", reason)
			return {"run": run, "status": "Failed", "reason": reason}
		_enqueue_part(run, index, lo, hi, today)
		requeued.append(index)
	if len(done) >= len(parts) and not redis.get(_key(run, "scoring")):
		_score(run)
	return {"run": run, "status": "Running", "done": len(done), "total": len(parts), "requeued": requeued}


def _job_alive(job_id: str) -> bool:
	"""Queued, or started by a worker that still beats for it."""
	from frappe.utils.background_jobs import get_job

	job = get_job(job_id)
	if not job:
		return False
	status = job.get_status(refresh=False)
	if status in ("queued", "deferred", "scheduled"):
		return True
	if status != "started":
		return False
	beat = job.last_heartbeat or job.started_at
	if not beat:
		return True
	beat = beat if beat.tzinfo else beat.replace(tzinfo=timezone.utc)
	return (datetime.now(timezone.utc) - beat).total_seconds() < STALE_SECONDS


def _set_status(run: str, status: str, error: str | None = None) -> None:
	"""The run's status on CRM Profile Settings, unless a newer run has taken its place."""
	current = frappe.db.get_single_value(SETTINGS, "refresh_run")
	if status != "Running" and current and current != run:
		return
	values = {"refresh_run": run, "refresh_status": status}
	if error is not None:
		values["refresh_error"] = error
	for field, value in values.items():
		frappe.db.set_single_value(SETTINGS, field, value, update_modified=False)
	frappe.db.commit()


def _set_status_quietly(run: str, status: str, error: str) -> None:
	"""As ``_set_status``, when the database may be what failed; ``check_refresh`` repeats it later."""
	try:
		_set_status(run, status, error)
	except Exception:
		_rollback_quietly()


def _rollback_quietly() -> None:
	try:
		frappe.db.rollback()
	except Exception:  # the connection itself is gone (database restarting): nothing to undo
		pass


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
