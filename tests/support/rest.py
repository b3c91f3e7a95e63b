"""REST calls to the test site through Frappe's own WSGI app, in a thread with its own connection.

The request runs in another database connection, so the data it reads must be committed first;
tests that use it clean up what they commit.
"""

from __future__ import annotations

from threading import Thread
from unittest.mock import patch

import frappe
from frappe.utils import random_string

from support.bench import SITE


def api_token(user: str) -> str:
	"""Give the user an API key and secret (committed) and return the ``key:secret`` token."""
	doc = frappe.get_doc("User", user)
	if not doc.api_key:
		doc.api_key = random_string(15)
	secret = random_string(15)
	doc.api_secret = secret
	doc.save(ignore_permissions=True)
	frappe.db.commit()
	return f"{doc.api_key}:{secret}"


def call(method: str, path: str, token: str | None = None, json=None, params=None, data=None):
	"""Make one HTTP request to the site and return werkzeug's TestResponse."""
	result = {}

	def target():
		from frappe.utils import get_test_client

		with patch("frappe.app.get_site_name", return_value=SITE):
			client = get_test_client(use_cookies=False)
			headers = {"Authorization": f"token {token}"} if token else {}
			result["response"] = client.open(
				path, method=method, json=json, query_string=params, data=data, headers=headers
			)

	thread = Thread(target=target)
	thread.start()
	thread.join()
	return result["response"]
