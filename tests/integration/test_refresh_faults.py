"""A full refresh survives a worker killed in the middle of a part: real RQ workers on the test site.

The refresh's parts run in worker processes started here (``bench worker --burst``). The first worker
holds its part after the writes and before the commit (``CRM_PROFILES_REFRESH_PART_PAUSE``) and is
killed there with SIGKILL, worker and work horse together. ``check_refresh`` then finds the part whose
worker stopped beating, queues it again, a second worker finishes the run, and every profile's figures
and scores equal those of a clean run. Committed data; the figures are restored at the end.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time

import frappe
import pytest
from frappe.utils import add_days, nowdate
from support.bench import SITES, bench_python
from support.factories import make_customer
from support.sales import make_order

from crm_profiles.analytics import figures, refresh
from crm_profiles.analytics.refresh import full_refresh

SETTINGS = "CRM Profile Settings"
FIELDS = (
	"order_count",
	"lifetime_value",
	"last_order_date",
	"tier",
	"lifecycle_stage",
	*figures.SCORE_FIELDS,
)


def _snapshot() -> dict:
	rows = frappe.get_all("Customer Profile", fields=["name", *FIELDS], order_by="name")
	return {r.name: tuple(r[f] for f in FIELDS) for r in rows}


def _worker(log, pause: int = 0) -> subprocess.Popen:
	env = dict(os.environ, CRM_PROFILES_REFRESH_PART_PAUSE=str(pause))
	return subprocess.Popen(
		[bench_python(), "-m", "frappe.utils.bench_helper", "frappe", "worker", "--queue", "long", "--burst"],
		cwd=SITES,
		env=env,
		stdout=log,
		stderr=subprocess.STDOUT,
		start_new_session=True,  # its own process group: worker and work horse are killed together
	)


def _started(run: str) -> str | None:
	"""The id of the run's first-attempt part that a worker has started, if any."""
	from frappe.utils.background_jobs import get_job

	for index in range(100):
		job = get_job(f"crm_profiles_refresh_{run}_{index}_1")
		if job is None:
			return None
		if job.get_status() == "started":
			return job.id
	return None


def _wait(condition, seconds: int, what: str):
	deadline = time.monotonic() + seconds
	while time.monotonic() < deadline:
		frappe.db.rollback()  # read what the workers committed
		value = condition()
		if value:
			return value
		time.sleep(0.5)
	raise AssertionError(f"timed out after {seconds} s waiting for {what}")


def _ensure_profiles(count: int) -> None:
	"""A new test site may hold no committed profiles yet: add customers with an order each (committed,
	as the rest of this test's data is) until it has ``count``."""
	for i in range(count - frappe.db.count("Customer Profile")):
		make_order(make_customer().name, add_days(nowdate(), -30 * (i + 1)), 100 * (i + 1))
	frappe.db.commit()


def _alive(worker) -> bool:
	"""A registered worker whose process still runs (a killed one stays registered for minutes, and an
	expired registration has no process at all)."""
	import socket

	if not worker.pid:
		return False
	if worker.hostname != socket.gethostname():
		return True
	try:
		os.kill(worker.pid, 0)
	except ProcessLookupError:
		return False
	return True


def _no_other_long_worker() -> None:
	"""The test's own workers must be the ones that take the parts: a bench worker already serving the
	long queue (a running ``bench start``, or ``scripts/bootstrap``'s servers) would take them first."""
	from frappe.utils.background_jobs import get_queue, get_workers

	others = [w.name for w in get_workers(get_queue("long")) if _alive(w)]
	assert not others, (
		f"workers already serve this bench's long queue ({', '.join(others)}); stop them first "
		"(scripts/bootstrap --stop)"
	)


@pytest.fixture
def committed_site(site, tmp_path):
	from frappe.utils.background_jobs import get_queue

	_no_other_long_worker()
	frappe.db.rollback()
	_ensure_profiles(6)
	get_queue("long").empty()  # jobs left queued by other tests' commits are not this test's
	full_refresh()
	frappe.db.commit()
	expected = _snapshot()
	frappe.db.sql("update `tabCustomer Profile` set order_count = 0, lifetime_value = 0, recency_score = 0")
	frappe.db.commit()
	try:
		yield frappe._dict(expected=expected, log=open(tmp_path / "workers.log", "w+"))
	finally:
		frappe.db.rollback()
		full_refresh()
		frappe.db.commit()


def test_a_refresh_survives_a_worker_killed_in_the_middle_of_a_part(committed_site, monkeypatch):
	assert len(committed_site.expected) >= 6, "the test site needs a few profiles"
	run = refresh.enqueue_full_refresh(chunk_size=max(2, len(committed_site.expected) // 3))
	frappe.db.commit()  # the parts are queued after the commit
	doomed = _worker(committed_site.log, pause=120)
	try:
		job = _wait(lambda: _started(run), 120, "the first worker to start a part")
		time.sleep(2)  # its writes are done; it is holding before the commit
	finally:
		os.killpg(doomed.pid, signal.SIGKILL)
		doomed.wait(30)
	assert frappe.db.get_single_value(SETTINGS, "refresh_status") == "Running"

	# the killed job still says "started"; its heartbeat stops, which the check reads as a dead worker
	monkeypatch.setattr(refresh, "STALE_SECONDS", 0)
	found = refresh.check_refresh()
	assert found["requeued"], (found, job)
	frappe.db.commit()

	survivor = _worker(committed_site.log)
	try:
		_wait(lambda: frappe.db.get_single_value(SETTINGS, "refresh_status") == "Completed", 300, "the run")
	finally:
		survivor.wait(120)
	committed_site.log.seek(0)
	assert _snapshot() == committed_site.expected, committed_site.log.read()[-3000:]


def _database_up() -> bool:
	return subprocess.run(["mysqladmin", "ping"], capture_output=True).returncode == 0


@pytest.mark.slow  # restarts the machine's MariaDB: every other connection drops too
def test_a_refresh_survives_the_database_restarting_in_the_middle_of_a_part(committed_site):
	run = refresh.enqueue_full_refresh(chunk_size=max(2, len(committed_site.expected) // 3))
	frappe.db.commit()
	worker, survivor = _worker(committed_site.log, pause=15), None
	try:
		_wait(lambda: _started(run), 120, "a worker to start a part")
		time.sleep(2)  # its writes are done; it is holding before the commit
		frappe.db.close()
		subprocess.run(["service", "mariadb", "restart"], check=True, capture_output=True)
		deadline = time.monotonic() + 60
		while not _database_up() and time.monotonic() < deadline:
			time.sleep(1)
		frappe.db.connect()

		def completed() -> bool:
			if frappe.db.get_single_value(SETTINGS, "refresh_status") == "Completed":
				return True
			refresh.check_refresh()  # as the scheduler does every five minutes
			frappe.db.commit()
			return False

		deadline = time.monotonic() + 300
		while not completed():
			assert time.monotonic() < deadline, "the run did not complete"
			if worker.poll() is not None and (survivor is None or survivor.poll() is not None):
				survivor = _worker(committed_site.log)  # the burst worker ended with parts left
			time.sleep(2)
	finally:
		for process in (worker, survivor):
			if process and process.poll() is None:
				os.killpg(process.pid, signal.SIGKILL)
	committed_site.log.seek(0)
	assert _snapshot() == committed_site.expected, committed_site.log.read()[-3000:]
