"""Benchmark part ``workers``: the full refresh through the long queue, shared by 1 and by 2 RQ workers.

Real ``bench worker`` processes are started for the measurement and stopped after it. The clock runs
from the enqueue (workers already idle and listening) to the run's status Completed on CRM Profile
Settings, so it includes every part, the scoring pass and RQ's own overhead per job.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import frappe
from frappe.utils import get_bench_path

from crm_profiles.analytics import refresh

SETTINGS = "CRM Profile Settings"


def _start_workers(count: int) -> list[subprocess.Popen]:
	sites = os.path.join(get_bench_path(), "sites")
	command = [sys.executable, "-m", "frappe.utils.bench_helper", "frappe", "worker", "--queue", "long"]
	return [
		subprocess.Popen(
			command, cwd=sites, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
		)
		for _ in range(count)
	]


def _long_queue_workers() -> int:
	from frappe.utils.background_jobs import get_queue, get_workers

	# a killed worker stays registered until its key expires, with no queues and no heartbeat
	return len([w for w in get_workers(get_queue("long")) if w.queue_names() and w.last_heartbeat])


def _listening(count: int, seconds: int = 120) -> None:
	deadline = time.monotonic() + seconds
	while time.monotonic() < deadline:
		if _long_queue_workers() >= count:
			return
		time.sleep(0.5)
	raise RuntimeError(f"{count} workers did not start in {seconds} s")


def _stop(workers: list[subprocess.Popen]) -> None:
	for worker in workers:
		if worker.poll() is None:
			os.killpg(worker.pid, signal.SIGTERM)
	for worker in workers:
		try:
			worker.wait(30)
		except subprocess.TimeoutExpired:
			os.killpg(worker.pid, signal.SIGKILL)


def timed_refresh(count: int, chunk_size: int, timeout: int = 1800) -> tuple[float, int]:
	"""Seconds from enqueue to Completed with ``count`` workers, and the number of parts."""
	from frappe.utils.background_jobs import get_queue

	if _long_queue_workers():
		raise RuntimeError("stop the bench's workers first: this part starts and counts its own")
	get_queue("long").empty()
	workers = _start_workers(count)
	try:
		_listening(count)
		started = time.perf_counter()
		run = refresh.enqueue_full_refresh(chunk_size=chunk_size)
		frappe.db.commit()  # the parts are queued after the commit
		deadline = time.monotonic() + timeout
		while time.monotonic() < deadline:
			frappe.db.rollback()  # read what the workers committed
			status = frappe.db.get_single_value(SETTINGS, "refresh_status")
			if frappe.db.get_single_value(SETTINGS, "refresh_run") == run and status in (
				"Completed",
				"Failed",
			):
				break
			time.sleep(0.2)
		elapsed = time.perf_counter() - started
		if status != "Completed":
			raise RuntimeError(f"the refresh with {count} worker(s) ended {status or 'unfinished'}")
		parts = int(refresh._redis().get(refresh._key(run, "total")) or 0)
		return elapsed, parts
	finally:
		_stop(workers)


def run(echo=print, counts: tuple[int, ...] = (1, 2), chunk_size: int = refresh.CHUNK_SIZE) -> list[tuple]:
	profiles = frappe.db.count("Customer Profile")
	echo(f"workers: full refresh of {profiles} profiles through the long queue, parts of {chunk_size}")
	timed_refresh(1, chunk_size)  # warm-up, not counted: caches, buffer pool, the workers' first imports
	rows = []
	for count in counts:
		seconds, parts = timed_refresh(count, chunk_size)
		rows.append((count, seconds, parts))
		echo(f"{count} worker(s): {seconds:.2f} s")
	base = rows[0][1]
	echo("")
	echo("| RQ workers on the long queue | Parts | Seconds | Speed-up |")
	echo("|---:|---:|---:|---:|")
	for count, seconds, parts in rows:
		echo(f"| {count} | {parts} | {seconds:.2f} | {base / seconds:.2f}x |")
	return rows
