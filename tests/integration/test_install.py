"""install-app and uninstall-app on a real site, a 10,000-customer backfill, and an idempotent migrate.

These run bench commands in subprocesses, so they commit: they leave the site as they found it
(crm_profiles installed, no extra customers).
"""

from __future__ import annotations

import re
import time

import frappe
import pytest
from support.bench import APP, SITE, run_bench
from support.metrics import record

OUR_TABLES = (
	"Customer Profile",
	"Customer Interaction",
	"Customer Tier",
	"Customer Preference",
	"Customer Profile Tag",
)
BULK_PREFIX = "_CRM Bulk "


def _release_locks():
	"""Commit, then end the transaction that after-commit callbacks may have opened: a DROP TABLE in
	the bench subprocess waits on any table this connection has read in an open transaction."""
	frappe.db.commit()
	frappe.db.rollback()


def _refresh():
	"""Forget what this process cached while the app was (un)installed by another process: Frappe's
	clear_cache() leaves the per-process hook caches (doc_events and the request cache of hooks)."""
	_release_locks()
	frappe.clear_cache()
	frappe.local.meta_cache = {}  # tables were dropped and made by another process
	frappe.local.doc_events_hooks = None
	if isinstance(getattr(frappe.local, "request_cache", None), dict):
		frappe.local.request_cache.clear()


def _installed() -> bool:
	return APP in frappe.get_installed_apps()


def _uninstall():
	_release_locks()
	run_bench("--site", SITE, "uninstall-app", APP, "--yes", "--no-backup", "--force")
	_refresh()


def _install():
	_release_locks()
	proc = run_bench("--site", SITE, "install-app", APP)
	_refresh()
	return proc


def _bulk_customers(count: int) -> None:
	frappe.db.sql(
		f"""insert into `tabCustomer` (name, creation, modified, owner, modified_by, docstatus, idx,
			naming_series, customer_name, customer_type, customer_group, territory)
		select concat(%(prefix)s, lpad(seq, 5, '0')), now(), now(), 'Administrator', 'Administrator', 0, 0,
			'CUST-.YYYY.-', concat(%(prefix)s, lpad(seq, 5, '0')), 'Company', 'All Customer Groups', 'All Territories'
		from seq_1_to_{int(count)}""",
		{"prefix": BULK_PREFIX},
	)
	frappe.db.commit()


def _drop_bulk_customers() -> None:
	frappe.db.sql("delete from `tabCustomer Profile` where customer like %s", (BULK_PREFIX + "%",))
	frappe.db.sql("delete from `tabCustomer` where name like %s", (BULK_PREFIX + "%",))
	frappe.db.commit()


def _snapshot() -> dict:
	doctypes = frappe.db.sql(
		"select name, modified from tabDocType where module = 'CRM Profiles' order by name"
	)
	fields = frappe.db.sql(
		"""select parent, fieldname, fieldtype, modified from tabDocField
		where parent in (select name from tabDocType where module = 'CRM Profiles') order by parent, idx"""
	)
	perms = frappe.db.sql(
		"""select parent, role, permlevel, `read`, `write`, `create`, `delete`, modified from tabDocPerm
		where parent in (select name from tabDocType where module = 'CRM Profiles') order by parent, idx"""
	)
	roles = frappe.db.sql("select name, modified from tabRole where name in ('CRM Manager', 'CRM User')")
	settings = frappe.db.sql(
		"select field, value from tabSingles where doctype = 'CRM Profile Settings' order by field"
	)
	data = {t: frappe.db.sql(f"checksum table `tab{t}`")[0][1] for t in OUR_TABLES}
	return {
		"doctypes": doctypes,
		"fields": fields,
		"perms": perms,
		"roles": roles,
		"settings": settings,
		"data": data,
	}


@pytest.fixture
def leave_installed():
	yield
	frappe.db.rollback()
	_drop_bulk_customers()
	if not _installed():
		_install()


def test_uninstall_and_install_on_a_site_without_customers(leave_installed):
	# Usually none; a run that was killed half-way may have left a few, which the backfill then covers.
	customers = frappe.db.count("Customer")
	_uninstall()
	assert not _installed()
	for table in OUR_TABLES:
		assert not frappe.db.table_exists(table), table
	assert not frappe.db.exists("Module Def", "CRM Profiles")
	assert not frappe.db.exists("Role", "CRM User")
	# The complaint workflow goes with its doctype; the CRM roles' master read rows go with the roles.
	assert not frappe.db.exists("Workflow", "Customer Complaint")
	assert not frappe.db.exists("Custom DocPerm", {"role": ("in", ["CRM User", "CRM Manager"])})

	_install()
	assert _installed()
	for table in OUR_TABLES:
		assert frappe.db.table_exists(table), table
	assert frappe.db.exists("Role", "CRM Manager") and frappe.db.exists("Role", "CRM User")
	assert frappe.db.get_single_value("CRM Profile Settings", "auto_create_profiles") == 1
	assert frappe.db.count("Customer Profile") == customers
	assert_defaults_exist()
	assert_made_once_records_exist()


def assert_made_once_records_exist():
	from crm_profiles.setup.constraints import UNIQUE, has_constraint
	from crm_profiles.setup.role_permissions import READ_ON

	workflow = frappe.get_doc("Workflow", "Customer Complaint")
	assert [s.state for s in workflow.states] == ["Open", "In Progress", "Resolved", "Closed"]
	for doctype, (name, _columns) in UNIQUE.items():
		assert has_constraint(doctype, name), name
	for doctype in READ_ON:
		for role in ("CRM User", "CRM Manager"):
			assert frappe.db.exists("Custom DocPerm", {"parent": doctype, "role": role, "read": 1}), (
				doctype,
				role,
			)


def test_install_on_a_site_whose_module_map_was_cached_without_the_app(leave_installed):
	"""`bench get-app` on a site that was used before: Redis still holds Frappe's module map from when
	crm_profiles was not in apps.txt. Installing must still find our DocTypes and finish."""
	_uninstall()
	frappe.local.app_modules = None
	frappe.setup_module_map()
	stale = {app: modules for app, modules in frappe.local.app_modules.items() if app != APP}
	assert stale and "crm_profiles" not in {m for modules in stale.values() for m in modules}
	for key in ("app_modules", "installed_app_modules"):
		frappe.cache.set_value(key, stale)
	assert APP not in frappe.cache.get_value("app_modules")

	proc = _install()
	assert _installed(), proc.stdout[-2000:]
	for table in OUR_TABLES:
		assert frappe.db.table_exists(table), table
	assert frappe.db.get_single_value("CRM Profile Settings", "auto_create_profiles") == 1
	assert_defaults_exist()


def test_install_force_completes_an_install_that_stopped_half_way(leave_installed):
	"""The state a failed install can leave: crm_profiles listed as installed, without its tables.
	`install-app --force` (what the README tells the user to run) completes it."""
	import json

	_uninstall()
	apps = frappe.get_installed_apps()
	frappe.db.set_global("installed_apps", json.dumps([*apps, APP]))
	_refresh()
	assert _installed() and not frappe.db.table_exists("Customer Profile")

	plain = run_bench("--site", SITE, "install-app", APP, check=False)
	_refresh()
	assert not frappe.db.table_exists("Customer Profile"), "without --force Frappe says 'already installed'"
	assert "already installed" in (plain.stdout + plain.stderr)

	run_bench("--site", SITE, "install-app", APP, "--force")
	_refresh()
	for table in OUR_TABLES:
		assert frappe.db.table_exists(table), table
	assert frappe.db.exists("Role", "CRM Manager")
	assert_defaults_exist()


def assert_defaults_exist():
	from crm_profiles.setup.defaults import DEFAULT_TIERS

	ranks = dict(frappe.get_all("Customer Tier", fields=["name", "rank"], as_list=True))
	assert ranks == {name: rank for name, rank, *_rest in DEFAULT_TIERS}
	onboarding = frappe.get_doc("Module Onboarding", "CRM Profiles")
	assert [s.step for s in onboarding.steps] == [
		"Review Customer Tiers",
		"Choose Who Gets Follow-ups",
		"Refresh Customer Figures",
		"Open Customer 360",
	]
	workspace = frappe.get_doc("Workspace", "Customer Profiles")
	assert {c.number_card_name for c in workspace.number_cards} >= {"Customer Profiles", "Customers At Risk"}
	assert frappe.db.exists("Print Format", "Customer Profile")
	stored = {
		r[0] for r in frappe.db.sql("select field from tabSingles where doctype = 'CRM Profile Settings'")
	}
	for df in frappe.get_meta("CRM Profile Settings").fields:
		if df.default is not None and df.fieldtype not in frappe.model.no_value_fields:
			assert df.fieldname in stored, df.fieldname


def test_install_backfills_10000_customers(leave_installed):
	_uninstall()
	others = frappe.db.count("Customer")  # none, unless a killed run left some; the backfill covers them too
	_bulk_customers(10_000)
	started = time.monotonic()
	proc = _install()
	install_seconds = time.monotonic() - started
	match = re.search(r"created (\d+) customer profiles in ([\d.]+)s", proc.stdout)
	assert match, proc.stdout[-2000:]
	created, backfill_seconds = int(match.group(1)), float(match.group(2))
	assert created == 10_000 + others
	missing = frappe.db.sql(
		"""select count(*) from tabCustomer c left join `tabCustomer Profile` p on p.customer = c.name
		where c.name like %s and p.name is null""",
		(BULK_PREFIX + "%",),
	)[0][0]
	assert missing == 0
	assert frappe.db.count("Customer Profile", {"customer": ("like", BULK_PREFIX + "%")}) == 10_000
	record(
		f"install-app with 10,000 existing customers: backfill {backfill_seconds:.2f}s, "
		f"whole install-app {install_seconds:.1f}s"
	)


def test_second_migrate_changes_nothing_and_keeps_admin_edits(leave_installed):
	gold = frappe.get_doc("Customer Tier", "Gold")
	interval = gold.follow_up_interval_days
	gold.follow_up_interval_days = interval + 7
	gold.save()
	frappe.db.set_single_value("CRM Profile Settings", "auto_create_profiles", 0)
	_release_locks()
	try:
		run_bench("--site", SITE, "migrate", "--skip-search-index")
		_refresh()
		before = _snapshot()
		_release_locks()
		run_bench("--site", SITE, "migrate", "--skip-search-index")
		_refresh()
		assert _snapshot() == before
		assert frappe.db.get_value("Customer Tier", "Gold", "follow_up_interval_days") == interval + 7
		assert frappe.db.get_single_value("CRM Profile Settings", "auto_create_profiles", cache=False) == 0
	finally:
		frappe.db.set_value("Customer Tier", "Gold", "follow_up_interval_days", interval)
		frappe.db.set_single_value("CRM Profile Settings", "auto_create_profiles", 1)
		frappe.db.commit()
