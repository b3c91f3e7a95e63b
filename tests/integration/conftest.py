"""Integration tests run on a real ERPNext site; each test rolls back.

When no bench is found the run fails from one place with the reason (or, with CRM_PROFILES_UNIT_ONLY=1,
every test here is skipped with one line), so a missing bench never passes silently.
"""

from __future__ import annotations

import pytest
from support.bench import connect, prepare_site, skip_or_fail, skip_reason

_REASON = skip_reason()

# Without a bench the test modules cannot even import frappe: collect only test_site.py, whose one
# test then fails (or is skipped) from the `site` fixture below, so pytest prints the reason on a single line.
collect_ignore_glob = ["test_[!s]*.py", "test_s[!i]*.py"] if _REASON else []


@pytest.fixture(scope="session", autouse=True)
def site():
	if _REASON:
		skip_or_fail(_REASON)
	import frappe

	name = prepare_site()
	connect()
	remove_schema_left_by_a_killed_run()
	drop_jobs_no_worker_will_run(name)
	yield name
	frappe.db.rollback()
	frappe.destroy()


@pytest.fixture(autouse=True)
def rollback(site, monkeypatch):
	"""Run each test as Administrator in a transaction that is rolled back afterwards."""
	import frappe

	_keep_contact_inserts_in_the_transaction(monkeypatch)
	frappe.set_user("Administrator")
	frappe.local.lang = "en"
	yield
	frappe.db.rollback()
	forget_caches_of_rolled_back_rows()
	frappe.set_user("Administrator")
	frappe.local.lang = "en"


# Redis hashes Frappe fills from configuration rows (Notification, Workflow, Assignment Rule, Server
# Script, Webhook) the first time a document event reads them. A test that inserts such a row and then
# inserts a document fills them with a row that the rollback removes; every later test would then fail
# with "Notification ... not found". They are rebuilt from the database on the next read.
CONFIG_CACHES = ("notifications", "workflow", "assignment_rule", "server_script_map", "webhooks")


@pytest.fixture
def made(site):
	"""Records a test commits (for REST calls), removed at its end: ``support.committed.Made``."""
	from support.committed import Made  # imports frappe: only once a bench is there

	m = Made()
	try:
		yield m
	finally:
		m.undo()


def forget_caches_of_rolled_back_rows() -> None:
	import frappe

	frappe.db.value_cache.clear()  # Single values cached in this connection outlive the rollback
	frappe.cache.delete_value(list(CONFIG_CACHES))
	if isinstance(getattr(frappe.local, "request_cache", None), dict):
		frappe.local.request_cache.clear()  # a real request starts with an empty one, so does each test


# What test_desk.py and test_reports.py add with DDL (so it commits) and remove when they end; a run
# killed in between leaves it behind, and an active workflow on Customer Profile then breaks every later run.
LEFT_CUSTOM_FIELDS = (
	"Customer Profile-crm_review_state",
	"Customer Profile-line_id",
	"Customer Profile-loyalty_card_no",
	"Customer Interaction-campaign_code",
)


def drop_jobs_no_worker_will_run(site: str) -> None:
	"""The test site has no worker: jobs that bench subprocesses enqueued in earlier runs (an uninstall
	queues one dynamic-links job per deleted record) would pile up until Frappe refuses every enqueue
	(QueueOverloaded, at 600). Drop this site's queued jobs, as `bench purge-jobs --site` does."""
	from frappe.utils.doctor import purge_pending_jobs

	purge_pending_jobs(site=site)


def remove_schema_left_by_a_killed_run() -> None:
	import frappe

	# a parameter, not get_all: Frappe escapes a filter's backslash, so "\\_" would match nothing
	left = frappe.db.sql_list("select name from `tabWorkflow` where workflow_name like %s", "\\_CRM %")
	for name in left:
		frappe.delete_doc("Workflow", name, force=True)
	for name in LEFT_CUSTOM_FIELDS:
		frappe.delete_doc("Custom Field", name, force=True, ignore_missing=True)
	frappe.db.commit()


def _keep_contact_inserts_in_the_transaction(monkeypatch) -> None:
	"""ERPNext's Contact after_insert hook (link_existing_conversations) calls frappe.db.commit().

	That would commit a test's half-made records; run the hook with commit turned off instead.
	"""
	from unittest.mock import patch

	import frappe
	from erpnext.telephony.doctype.call_log import call_log

	original = call_log.link_existing_conversations

	def without_commit(doc, state):
		with patch.object(frappe.db, "commit", lambda *args, **kwargs: None):
			return original(doc, state)

	monkeypatch.setattr(call_log, "link_existing_conversations", without_commit)


def pytest_collection_modifyitems(config, items):
	"""Run the install/uninstall tests first, before other tests have opened extra connections to the
	site: bench's DROP TABLE in a subprocess waits on any of this process's open transactions."""
	items.sort(key=lambda item: 0 if item.path.name == "test_install.py" else 1)
