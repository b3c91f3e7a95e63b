"""Hostile input: over 500 generated bad payloads (SQL fragments, script tags, oversize and odd
values) to our doctypes' REST endpoints, list filters, report filters and whitelisted methods.

No response is a 5xx or leaks an SQL error, and nothing stored holds a runnable script.
"""

from __future__ import annotations

import json
import random
import re
from urllib.parse import quote

import frappe
import pytest
from support.factories import make_customer, make_user, unique
from support.metrics import record
from support.rest import api_token, call

FUZZER = "crm.fuzz@crm-profiles.test"
BASE = [
	"' OR '1'='1",
	"'; DROP TABLE `tabCustomer Profile`; --",
	'" OR 1=1 -- ',
	"1) UNION SELECT name, password FROM `__Auth` -- ",
	"`name`",
	"%' AND SLEEP(3) AND '%'='",
	"\\'; select 1; -- ",
	"name; delete from tabUser",
	"<script>alert(1)</script>",
	"<img src=x onerror=alert(1)>",
	"<svg/onload=alert(1)>",
	'<a href="javascript:alert(1)">x</a>',
	"<iframe src=//evil.example></iframe>",
	"{{ frappe.db.sql('select 1') }}",
	"${7*7}",
	"\x00\x1f\x7f",
	"A" * 5000,
	"😀" * 60,
	"../../../../etc/passwd",
	'["name", "like", "%"]',
	"null",
	"-1",
	"1e309",
]
SQL_LEAKS = re.compile(r"ProgrammingError|OperationalError|InternalError|DataError|pymysql|SQL syntax", re.I)
RUNNABLE = re.compile(r"<script|<[^>]*\son\w+\s*=|<[^>]*javascript:|<iframe", re.I)


def payloads(seed: int) -> list[str]:
	rng = random.Random(seed)
	out = list(BASE)
	for _ in range(6):
		a, b = rng.sample(BASE[:14], 2)
		out.append(a[: rng.randint(1, len(a))] + b)
	return out


PROFILE_FIELDS = [
	"position",
	"email_id",
	"mobile_no",
	"organization",
	"website",
	"notes",
	"tier_lock_reason",
	"last_reviewed_on",
	"private_notes",
	"personal_id",
]
INTERACTION_FIELDS = ["subject", "summary", "outcome"]  # interaction_date: see the xfail below
CONSENT_FIELDS = ["evidence", "evidence_file", "purpose", "expires_on"]
RULE_FIELDS = ["rule_name", "description", "rule_type"]
LIST_DOCTYPES = ["Customer Profile", "Customer Interaction", "Customer Consent"]


@pytest.fixture(scope="module")
def target(site):
	make_user(FUZZER, ["CRM Manager"])
	customer = make_customer(unique("_CRM Fuzz")).name
	other = make_customer(unique("_CRM Fuzz Other")).name
	token = api_token(FUZZER)
	frappe.db.commit()
	try:
		yield {"customer": customer, "other": other, "token": token}
	finally:
		frappe.db.rollback()
		for dt in (
			"Customer Interaction",
			"Customer Consent",
			"Duplicate Matching Rule",
			"Customer Merge Log",
			"Possible Duplicate",
			"Email Unsubscribe",
		):
			frappe.db.delete(dt, {"owner": FUZZER})
		for name in (customer, other):
			frappe.db.delete("Customer Interaction", {"customer": name})
			frappe.db.delete("Customer Consent", {"customer": name})
			if frappe.db.exists("Customer", name):
				frappe.delete_doc("Customer", name, force=True, ignore_permissions=True)
		frappe.db.commit()


class Tally:
	def __init__(self):
		self.sent = 0
		self.problems: list = []

	def check(self, label, response):
		self.sent += 1
		body = response.get_data(as_text=True)
		if response.status_code >= 500 or SQL_LEAKS.search(body):
			self.problems.append((label, response.status_code, body[:300]))


def test_hostile_payloads(target):
	token, customer, tally = target["token"], target["customer"], Tally()
	values = payloads(7)
	profile_path = f"/api/resource/Customer%20Profile/{quote(customer)}"

	for field in PROFILE_FIELDS:
		for value in values:
			tally.check(("profile", field, value[:40]), call("PUT", profile_path, token, json={field: value}))
	for field in INTERACTION_FIELDS:
		for value in values:
			body = {"customer": customer, "interaction_type": "Call", "subject": "Fuzz", field: value}
			tally.check(
				("interaction", field, value[:40]),
				call("POST", "/api/resource/Customer%20Interaction", token, json=body),
			)
	for field in CONSENT_FIELDS:
		for value in values:
			body = {"customer": customer, "purpose": "Surveys", "status": "Granted", field: value}
			tally.check(
				("consent", field, value[:40]),
				call("POST", "/api/resource/Customer%20Consent", token, json=body),
			)
	for field in RULE_FIELDS:
		for value in values:
			body = {
				"rule_name": unique("_CRM Fuzz Rule"),
				"rule_type": "Email",
				"action": "Warn",
				"enabled": 0,
				field: value,
			}
			tally.check(
				("rule", field, value[:40]),
				call("POST", "/api/resource/Duplicate%20Matching%20Rule", token, json=body),
			)
	for doctype in LIST_DOCTYPES:
		for value in values:
			path = f"/api/resource/{quote(doctype)}"
			tally.check(
				("filter", doctype, value[:40]),
				call("GET", path, token, params={"filters": json.dumps([["name", "like", value]])}),
			)
	for key in ("issue", "territory", "customer", "stale_days", "account_owner"):
		for value in values:
			params = {"report_name": "Data Quality", "filters": json.dumps({key: value})}
			tally.check(
				("report", key, value[:40]),
				call("GET", "/api/method/frappe.desk.query_report.run", token, params=params),
			)
	for value in values:
		tally.check(
			("preview", value[:40]),
			call(
				"GET",
				"/api/method/crm_profiles.quality.merge.get_merge_preview",
				token,
				params={"source": value, "target": customer},
			),
		)
		tally.check(
			("merge", value[:40]),
			call(
				"POST",
				"/api/method/crm_profiles.quality.merge.merge_customers",
				token,
				json={"source": value, "target": value + "x", "values": value},
			),
		)
		tally.check(
			("pair", value[:40]),
			call(
				"POST",
				"/api/method/crm_profiles.quality.matching.set_pair_status",
				token,
				json={"name": value, "status": value},
			),
		)

	record(f"fuzz: {tally.sent} hostile requests, {len(tally.problems)} problems")
	assert tally.sent >= 500
	assert not tally.problems, sorted({(p[0][0], p[0][1], p[1]) for p in tally.problems}) + tally.problems[:3]

	frappe.db.rollback()
	stored = [frappe.db.get_value("Customer Profile", customer, "*", as_dict=True)]
	for doctype in ("Customer Interaction", "Customer Consent", "Duplicate Matching Rule"):
		stored += frappe.get_all(doctype, filters={"owner": FUZZER}, fields=["*"])
	runnable = [
		(row.get("name"), key, value[:80])
		for row in stored
		for key, value in row.items()
		if isinstance(value, str) and RUNNABLE.search(value)
	]
	assert not runnable, runnable
	assert frappe.db.count("Customer Profile") > 0  # the tables are still there


@pytest.mark.xfail(
	strict=True,
	reason="Frappe 15.19 core, not this app: /api/resource list with fields=[...] or order_by=<SQL fragment> "
	"answers 500 or shows the SQL error; and Customer Interaction's own controller reads a garbage "
	"interaction_date before any validate hook can refuse it",
)
def test_known_5xx_outside_our_code(target):
	tally = Tally()
	for doctype in LIST_DOCTYPES:
		for value in payloads(7):
			path = f"/api/resource/{quote(doctype)}"
			tally.check(
				("fields", doctype, value[:40]),
				call("GET", path, target["token"], params={"fields": json.dumps([value])}),
			)
			tally.check(
				("order", doctype, value[:40]), call("GET", path, target["token"], params={"order_by": value})
			)
	for value in payloads(7):
		body = {
			"customer": target["customer"],
			"interaction_type": "Call",
			"subject": "Fuzz",
			"interaction_date": value,
		}
		tally.check(
			("interaction_date", value[:40]),
			call("POST", "/api/resource/Customer%20Interaction", target["token"], json=body),
		)
	assert not tally.problems, sorted({(p[0][0], p[0][1], p[1]) for p in tally.problems})
