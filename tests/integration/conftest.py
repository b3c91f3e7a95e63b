"""Integration tests run on a real ERPNext site; each test rolls back.

When no bench is found every test here is skipped from one place, so pytest prints one line with the
reason and how to enable them.
"""

from __future__ import annotations

import pytest
from support.bench import connect, prepare_site, skip_reason

_REASON = skip_reason()

# Without a bench the test modules cannot even import frappe: collect only test_site.py, whose one
# test is then skipped from the `site` fixture below, so pytest prints the reason on a single line.
collect_ignore_glob = ["test_[!s]*.py", "test_s[!i]*.py"] if _REASON else []


@pytest.fixture(scope="session", autouse=True)
def site():
	if _REASON:
		pytest.skip(_REASON)
	import frappe

	name = prepare_site()
	connect()
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
	frappe.db.value_cache.clear()  # Single values cached in this connection outlive the rollback
	frappe.set_user("Administrator")
	frappe.local.lang = "en"


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
