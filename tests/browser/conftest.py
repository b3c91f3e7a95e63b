"""Browser tests: Debian's headless Chromium, driven by Playwright, against the test site served here.

Without a bench, /usr/bin/chromium or the playwright package they fail with the reason, or are skipped
with one line when CRM_PROFILES_UNIT_ONLY=1.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request

import pytest
from support.bench import SITE, SITES, bench_python, connect, prepare_site, skip_or_fail, skip_reason

CHROMIUM = os.environ.get("CRM_PROFILES_CHROMIUM", "/usr/bin/chromium")


def _browser_skip_reason() -> str | None:
	reason = skip_reason()
	if reason:
		return reason
	if not shutil.which(CHROMIUM):
		return f"no Chromium at {CHROMIUM}: apt-get install chromium to run the browser tests"
	try:
		import playwright.sync_api  # noqa: F401
	except ImportError:
		return "playwright is not installed in the bench's Python: pip install playwright (no browser download needed)"
	return None


_REASON = _browser_skip_reason()

# Without frappe the browser test modules cannot import; the integration suite reports why.
collect_ignore_glob = ["test_*.py"] if skip_reason() else []


def _free_port() -> int:
	with socket.socket() as s:
		s.bind(("127.0.0.1", 0))
		return s.getsockname()[1]


@pytest.fixture(scope="session")
def site_url():
	"""Serve the test site on a free loopback port for the session."""
	if _REASON:
		skip_or_fail(_REASON)
	import frappe

	if not getattr(frappe.local, "db", None):  # the integration suite may already be connected
		prepare_site()
		connect()
	port = _free_port()
	log = open(os.path.join(SITES, "..", "logs", f"crm_profiles_browser_{port}.log"), "w")
	server = subprocess.Popen(
		[
			bench_python(),
			"-m",
			"frappe.utils.bench_helper",
			"frappe",
			"--site",
			SITE,
			"serve",
			"--port",
			str(port),
			"--noreload",
		],
		cwd=SITES,
		stdout=log,
		stderr=subprocess.STDOUT,
	)
	url = f"http://127.0.0.1:{port}"
	for _ in range(120):
		try:
			urllib.request.urlopen(url + "/api/method/ping", timeout=2)
			break
		except OSError:
			time.sleep(0.5)
	else:
		server.terminate()
		pytest.fail(f"the test site did not start on {url}")
	yield url
	server.terminate()
	server.wait(timeout=20)
	log.close()
	if getattr(frappe.local, "db", None):  # the integration tests' session may have closed it already
		frappe.db.rollback()


@pytest.fixture(scope="session")
def browser(site_url):
	from playwright.sync_api import sync_playwright

	with sync_playwright() as p:
		browser = p.chromium.launch(
			executable_path=CHROMIUM,
			args=[
				"--no-sandbox",
				"--disable-gpu",
				"--disable-quic",
				"--no-first-run",
				"--disable-background-networking",
				"--disable-component-update",
				"--disable-sync",
			],
		)
		yield browser
		browser.close()
