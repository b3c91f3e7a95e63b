"""Find the Frappe bench, put this checkout on it, and prepare the integration test site.

Integration tests reach a bench only through ``FRAPPE_BENCH`` (default ``~/frappe-bench``) and a site
through ``CRM_PROFILES_TEST_SITE`` (default ``crm-test.localhost``). The site is created on first use.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))
import checkout_sync  # noqa: E402  (shared with scripts/bootstrap)

BENCH = Path(os.environ.get("FRAPPE_BENCH") or "~/frappe-bench").expanduser()
SITE = os.environ.get("CRM_PROFILES_TEST_SITE") or "crm-test.localhost"
APP = "crm_profiles"
APP_DIR = BENCH / "apps" / APP
SITES = BENCH / "sites"
ENABLE_HINT = "scripts/test builds one with scripts/bootstrap and runs pytest with the bench's Python"


def unit_only() -> bool:
	"""The user asked for the unit and schema tests only (``CRM_PROFILES_UNIT_ONLY=1``)."""
	return os.environ.get("CRM_PROFILES_UNIT_ONLY") == "1"


def skip_or_fail(reason: str) -> None:
	"""Integration and browser tests are skipped only when the user asked for it; otherwise a missing
	bench, browser or package fails the run with the reason, so a green run always tested for real."""
	import pytest

	if unit_only():
		pytest.skip(f"CRM_PROFILES_UNIT_ONLY=1: {reason}")
	pytest.fail(
		f"{reason}\n(run scripts/test, which builds the bench; or set CRM_PROFILES_UNIT_ONLY=1)",
		pytrace=False,
	)


def skip_reason() -> str | None:
	"""Why integration tests cannot run here, or None when they can."""
	if not (SITES / "apps.txt").is_file():
		return f"no Frappe bench at {BENCH}: {ENABLE_HINT}"
	try:
		import frappe  # noqa: F401
	except ImportError:
		return f"frappe is not importable by {sys.executable}: run {BENCH}/env/bin/python -m pytest"
	return None


def bench_python() -> str:
	return str(BENCH / "env" / "bin" / "python")


def run_bench(*args: str, check: bool = True, timeout: int = 1800) -> subprocess.CompletedProcess:
	"""Run a bench command (``frappe --site ... <cmd>``) the way the bench CLI does, without needing it."""
	cmd = [bench_python(), "-m", "frappe.utils.bench_helper", "frappe", *args]
	proc = subprocess.run(cmd, cwd=SITES, capture_output=True, text=True, timeout=timeout)
	if check and proc.returncode != 0:
		out = "\n".join(
			line for line in proc.stdout.splitlines() if "[===" not in line and "[   " not in line
		)
		raise RuntimeError(
			f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-6000:]}\n{out[-3000:]}"
		)
	return proc


app_fingerprint = checkout_sync.app_fingerprint


def sync_checkout_to_bench() -> None:
	"""Copy this checkout into ``apps/crm_profiles`` so the site runs exactly the code under test."""
	checkout_sync.sync_checkout(BENCH, bench_python(), REPO)


def _root_password() -> str | None:
	if os.environ.get("CRM_PROFILES_DB_ROOT_PASSWORD"):
		return os.environ["CRM_PROFILES_DB_ROOT_PASSWORD"]
	config = SITES / "common_site_config.json"
	if config.is_file():
		return json.loads(config.read_text()).get("root_password")
	return None


def _installed_apps() -> list[str] | None:
	"""The site's installed apps, or None when the site's database does not exist (a half-made site)."""
	proc = run_bench("--site", SITE, "list-apps", "--format", "json", check=False)
	if proc.returncode != 0:
		output = proc.stdout + proc.stderr
		if any(sign in output for sign in ("Unknown database", "(1049", "(1146")):  # no database or no tables
			return None
		raise RuntimeError(
			f"list-apps failed for {SITE}; is MariaDB running? (bash .ci/services)\n{proc.stderr[-3000:]}"
		)
	return json.loads(proc.stdout)[SITE]


def prepare_site() -> str:
	"""Create the test site if missing, then install or migrate crm_profiles from this checkout."""
	sync_checkout_to_bench()
	site_exists = (SITES / SITE / "site_config.json").is_file()
	if not site_exists or _installed_apps() is None:
		password = _root_password()
		if not password:
			raise RuntimeError(
				f"Test site {SITE} does not exist and no MariaDB root password is known: set "
				"CRM_PROFILES_DB_ROOT_PASSWORD or root_password in common_site_config.json"
			)
		run_bench(
			"new-site",
			SITE,
			"--db-root-username",
			"root",
			"--db-root-password",
			password,
			"--admin-password",
			"admin",
			"--install-app",
			"erpnext",
			*(["--force"] if site_exists else []),  # a half-made test site from an interrupted run
		)
		run_bench("--site", SITE, "execute", "erpnext.setup.utils.before_tests")
	_ensure_encryption_key()
	marker = SITES / SITE / "crm_profiles_test_fingerprint"
	fingerprint = app_fingerprint(REPO)
	if APP not in (_installed_apps() or []):
		run_bench("--site", SITE, "install-app", APP)
		marker.write_text(fingerprint)
	elif not marker.is_file() or marker.read_text() != fingerprint:
		run_bench("--site", SITE, "migrate", "--skip-search-index")
		marker.write_text(fingerprint)
	return SITE


def _ensure_encryption_key() -> None:
	"""A new test site has no ``encryption_key`` until something is encrypted. The test process and the
	browser tests' web server would then each write a key of their own (a signed link minted by one
	would fail in the other, and API secrets saved by one could not be read by the other): write it
	once, before either starts."""
	config = json.loads((SITES / SITE / "site_config.json").read_text())
	if not config.get("encryption_key"):
		run_bench("--site", SITE, "execute", "frappe.utils.password.get_encryption_key")


def connect() -> None:
	import frappe

	from crm_profiles.compat import enter_test_mode

	os.chdir(SITES)
	frappe.init(site=SITE, sites_path=str(SITES))
	frappe.connect()
	enter_test_mode()
	frappe.set_user("Administrator")


def has_rsync() -> bool:
	return shutil.which("rsync") is not None
