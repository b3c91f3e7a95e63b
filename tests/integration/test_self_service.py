"""Customers' own answers: a signed, expiring self-service link, used through real HTTP as Guest.

The site runs behind Frappe's development server (support.webserver); what the tests commit is removed
after each of them.
"""

from __future__ import annotations

import re

import frappe
import pytest
import requests
from freezegun import freeze_time
from support.factories import make_customer, make_territory, make_user, unique
from support.rest import api_token
from support.webserver import SiteServer

from crm_profiles.interactions.surveys import make_token as survey_token
from crm_profiles.privacy import self_service
from crm_profiles.privacy.consent import can_contact, record_consent
from crm_profiles.utils import signed_links
from crm_profiles.utils.signed_links import LinkTokenError

PROFILE, LINK, CONSENT, CHANGE = (
	"Customer Profile",
	"Customer Self-service Link",
	"Customer Consent",
	"Customer Profile Change",
)
OLD_EMAIL_DOMAIN = "@old.crm-profiles.test"
API = "/api/method/crm_profiles.privacy.self_service"


def _tamper(token: str) -> str:
	payload, signature = token.split(".")
	return f"{payload[:-2]}{'A' if payload[-2] != 'A' else 'B'}{payload[-1]}.{signature}"


@pytest.fixture(scope="module")
def server(site):
	running = SiteServer().start()
	yield running
	running.stop()


def _cleanup(customers: list[str], emails: list[str]) -> None:
	frappe.db.rollback()
	frappe.set_user("Administrator")
	for name in customers:
		for doctype in (CONSENT, CHANGE, LINK):
			frappe.db.delete(doctype, {"customer": name})
		for contact in frappe.get_all(
			"Dynamic Link", {"parenttype": "Contact", "link_name": name}, pluck="parent"
		):
			frappe.delete_doc("Contact", contact, force=True, ignore_permissions=True)
		frappe.db.delete("Email Queue", {"reference_doctype": PROFILE, "reference_name": name})
		frappe.delete_doc("Customer", name, force=True, ignore_permissions=True)
	for email in emails:
		frappe.db.delete("Email Unsubscribe", {"email": email})
	frappe.db.commit()


@pytest.fixture
def customer():
	"""A committed customer whose profile has a primary Contact, an email, a mobile, one preference and a
	marketing email grant."""
	name = make_customer(unique("_CRM SelfService")).name
	email = f"{frappe.generate_hash(length=8)}{OLD_EMAIL_DOMAIN}"
	contact = frappe.get_doc(
		{
			"doctype": "Contact",
			"first_name": "Lin",
			"email_ids": [{"email_id": email, "is_primary": 1}],
			"phone_nos": [{"phone": "+8613912345678", "is_primary_mobile_no": 1}],
			"links": [{"link_doctype": "Customer", "link_name": name}],
		}
	).insert(ignore_permissions=True)
	profile = frappe.get_doc(PROFILE, name)
	profile.primary_contact = contact.name
	profile.email_id = email
	profile.mobile_no = "+8613912345678"
	profile.append("preferences", {"category": "Delivery", "preference": "Mornings only"})
	profile.save()
	record_consent(name, "Marketing Email", "Granted", channel="Any", source="Paper Form")
	frappe.db.commit()
	made = {"emails": [email]}
	try:
		yield frappe._dict(name=name, email=email, contact=contact.name, made=made)
	finally:
		_cleanup([name], made["emails"])


def _page(server, token: str, **params) -> requests.Response:
	return requests.get(f"{server.url}/crm_self_service", params={"token": token, **params}, timeout=30)


def _form_fields(html: str) -> dict:
	return {
		"csrf_token": re.search(r'name="csrf_token" value="([^"]*)"', html).group(1),
		"_lang": re.search(r'name="_lang" value="([^"]*)"', html).group(1),
	}


def test_a_link_updates_contact_preferences_and_consent_with_evidence(server, customer):
	link, token = self_service.mint_link(customer.name, customer.email)
	frappe.db.commit()
	_reset_rate_limit()
	session = requests.Session()
	form = session.get(f"{server.url}/crm_self_service", params={"token": token}, timeout=30)
	assert form.status_code == 200, form.text[-500:]
	assert 'data-state="form"' in form.text and customer.email in form.text
	assert 'name="consent_marketing_email" value="granted" checked' in form.text
	new_email = f"new.{customer.email}"
	customer.made["emails"].append(new_email)

	saved = session.post(
		f"{server.url}/crm_self_service",
		data={
			"token": token,
			**_form_fields(form.text),
			"email_id": new_email.upper(),
			"mobile_no": "+86 138 0013 8000",
			"remove_preference_1": "1",
			"preference_category": "Communication",
			"preference": "WeChat messages, please",
			"consent_marketing_email": "withdrawn",
			"consent_profiling": "granted",
			"consent_surveys": "granted",  # unchanged: allowed by default, no ledger row
			"customer": "someone else",  # not offered by the page: ignored
		},
		timeout=30,
	)
	assert saved.status_code == 200, saved.text[-800:]
	assert 'data-state="thanks"' in saved.text

	frappe.db.rollback()  # read what the server committed
	profile = frappe.get_doc(PROFILE, customer.name)
	assert (profile.email_id, profile.mobile_no) == (new_email, "+8613800138000")
	assert [(p.category, p.preference, p.source) for p in profile.preferences] == [
		("Communication", "WeChat messages, please", "Self-service")
	]
	contact = frappe.get_doc("Contact", customer.contact)
	assert (contact.email_id, contact.mobile_no) == (new_email, "+8613800138000")

	rows = frappe.get_all(
		CONSENT,
		{"customer": customer.name, "source": "Self-service"},
		["purpose", "status", "channel", "ip_address", "self_service_link", "evidence", "consent_on"],
		order_by="purpose",
	)
	assert [(r.purpose, r.status, r.channel) for r in rows] == [
		("Marketing Email", "Withdrawn", "Any"),
		("Profiling", "Granted", "Any"),
	]
	for row in rows:
		assert row.ip_address == "127.0.0.1" and row.self_service_link == link and row.consent_on
		assert link in row.evidence and "127.0.0.1" in row.evidence
	# the withdrawal has the desk's effects: automations refuse, the address is globally unsubscribed
	assert not can_contact(customer.name, "Marketing Email")
	assert can_contact(customer.name, "Profiling")
	assert frappe.db.exists("Email Unsubscribe", {"email": new_email, "global_unsubscribe": 1})
	assert "Marketing Email: Withdrawn" in frappe.db.get_value(PROFILE, customer.name, "consent_summary")

	changes = frappe.get_all(
		CHANGE,
		{"customer_profile": customer.name},
		["change_type", "detail", "from_value", "to_value", "reason", "self_service_link"],
	)
	assert {c.reason for c in changes} == {"Self-service"}
	assert {c.self_service_link for c in changes} == {link}
	assert sorted((c.change_type, c.detail or "", c.from_value or "", c.to_value or "") for c in changes) == [
		("Consent", "Marketing Email", "Granted", "Withdrawn"),
		("Consent", "Profiling", "Withdrawn", "Granted"),
		("Email", "", customer.email, new_email),
		("Mobile", "", "+8613912345678", "+8613800138000"),
		("Preference", "Communication", "", "WeChat messages, please"),
		("Preference", "Delivery", "Mornings only", ""),
	]
	used = frappe.db.get_value(LINK, link, ["submission_count", "last_ip_address"], as_dict=True)
	assert (used.submission_count, used.last_ip_address) == (1, "127.0.0.1")

	# the link stays usable until it expires; every submission is counted, unchanged values log nothing
	again = session.get(f"{server.url}/crm_self_service", params={"token": token}, timeout=30)
	resent = session.post(
		f"{server.url}/crm_self_service",
		data={"token": token, **_form_fields(again.text), "email_id": new_email},
		timeout=30,
	)
	assert resent.status_code == 200 and 'data-state="thanks"' in resent.text
	frappe.db.rollback()
	assert frappe.db.get_value(LINK, link, "submission_count") == 2
	assert frappe.db.count(CHANGE, {"customer_profile": customer.name}) == 6


def test_expired_revoked_tampered_and_wrong_type_tokens_are_refused(server, customer):
	with freeze_time("2026-01-01 10:00:00"):
		_old, expired = self_service.mint_link(customer.name)
	revoked_link, revoked = self_service.mint_link(customer.name)
	frappe.db.set_value(LINK, revoked_link, "revoked", 1)
	_link, good = self_service.mint_link(customer.name)
	frappe.db.commit()
	_reset_rate_limit()

	for token, status, reason in (
		(expired, 410, "expired"),
		(revoked, 410, "revoked"),
		(_tamper(good), 403, "tampered"),
		(good + "x", 403, "tampered"),
		(survey_token(customer.name), 403, "tampered"),  # another purpose's signature
		("not-a-token", 403, "tampered"),
		("", 403, "tampered"),
		("A" * 5000, 403, "tampered"),
	):
		page = _page(server, token)
		assert page.status_code == status, (token[:30], page.status_code)
		assert f'data-reason="{reason}"' in page.text
		assert "Traceback" not in page.text
		posted = requests.post(
			f"{server.url}/crm_self_service", data={"token": token, "email_id": "x@example.com"}, timeout=30
		)
		assert posted.status_code == status

	# a token that is a list or an object, to the page (JSON body) and to the API
	for token in ([good, good], {"l": good}, 12):
		page = requests.post(f"{server.url}/crm_self_service", json={"token": token}, timeout=30)
		assert page.status_code == 403 and 'data-reason="tampered"' in page.text
		api = requests.post(f"{server.url}{API}.submit", json={"token": token}, timeout=30)
		assert 400 <= api.status_code < 500, api.text[-300:]
	api = requests.post(f"{server.url}{API}.submit", json={"token": expired}, timeout=30)
	assert 400 <= api.status_code < 500
	assert "expired" in api.json()["_server_messages"]

	# the refusal reads in Chinese for a Chinese browser
	zh = requests.get(
		f"{server.url}/crm_self_service",
		params={"token": expired},
		headers={"Accept-Language": "zh-CN,zh;q=0.9"},
		timeout=30,
	)
	assert zh.status_code == 410 and "此链接已过期" in zh.text
	frappe.db.rollback()
	assert frappe.db.count(CONSENT, {"customer": customer.name, "source": "Self-service"}) == 0


HOSTILE = [
	({"email_id": ["a@example.com", "b@example.com"]}, "Email"),
	({"email_id": {"$ne": 1}}, "Email"),
	({"email_id": "a" * 10_000 + "@example.com"}, "Email"),
	({"email_id": "not an email"}, "Email"),
	({"email_id": ""}, "Email"),
	({"mobile_no": "12"}, "Mobile"),
	({"mobile_no": ["+8613800138000"]}, "Mobile"),
	({"consent_marketing_email": "maybe"}, "Marketing Email"),
	({"consent_profiling": ["granted"]}, "Profiling"),
	({"preference": "x" * 141}, "Preference"),
	({"preference": {"a": 1}}, "Preference"),
	# Frappe 16 strips a guest's <script> before the app sees it; the rest is still not a category
	({"preference_category": "Gifts <script>alert(1)</script>", "preference": "x"}, "Category"),
	({"remove_preference_1": "yes"}, "Preference"),
]


def _reset_rate_limit() -> None:
	frappe.cache.delete(frappe.cache.make_key(f"crm_profiles:rl:{self_service.PURPOSE}:127.0.0.1"))


def test_hostile_payloads_are_refused_with_a_4xx_and_change_nothing(server, customer):
	_link, token = self_service.mint_link(customer.name)
	frappe.db.commit()
	for payload, field in HOSTILE:
		_reset_rate_limit()  # each refusal counts towards the limit, which is tested on its own
		api = requests.post(f"{server.url}{API}.submit", json={"token": token, **payload}, timeout=30)
		assert api.status_code == 417, (payload, api.status_code, api.text[-300:])
		assert f"<strong>{field}</strong>" in api.text, (payload, api.text[-300:])
		page = requests.post(f"{server.url}/crm_self_service", json={"token": token, **payload}, timeout=30)
		assert page.status_code == 417, (payload, page.status_code)
		assert 'data-state="error"' in page.text and "Traceback" not in page.text
		assert f"{field}:" in page.text
	# a whole body that is not an object
	assert requests.post(f"{server.url}{API}.submit", json=[token], timeout=30).status_code < 500
	frappe.db.rollback()
	assert frappe.db.get_value(PROFILE, customer.name, "email_id") == customer.email
	assert frappe.db.count(CHANGE, {"customer_profile": customer.name}) == 0
	assert frappe.db.count(CONSENT, {"customer": customer.name, "source": "Self-service"}) == 0


def test_submissions_are_rate_limited_per_address(server, customer):
	_link, token = self_service.mint_link(customer.name)
	frappe.db.commit()
	key = frappe.cache.make_key(f"crm_profiles:rl:{self_service.PURPOSE}:127.0.0.1")
	frappe.cache.setex(key, 60, self_service.RATE_LIMIT)  # as if this address had used its budget
	try:
		api = requests.post(f"{server.url}{API}.submit", json={"token": token}, timeout=30)
		page = requests.post(f"{server.url}/crm_self_service", data={"token": token}, timeout=30)
	finally:
		_reset_rate_limit()
	assert api.status_code == 429
	assert page.status_code == 429 and 'data-reason="rate-limited"' in page.text
	fresh = requests.post(f"{server.url}{API}.submit", json={"token": token}, timeout=30)
	assert fresh.status_code == 200, fresh.text[-300:]


def test_only_users_who_may_write_the_profile_mint_a_link(server, customer):
	north, south = make_territory(), make_territory()
	frappe.db.set_value("Customer", customer.name, "territory", south)
	frappe.db.set_value(PROFILE, customer.name, "territory", south)
	outsider = make_user(f"ss.out.{frappe.generate_hash(length=6)}@crm-profiles.test", ["CRM User"], north)
	owner = make_user(f"ss.own.{frappe.generate_hash(length=6)}@crm-profiles.test", ["CRM User"], south)
	frappe.db.set_value(PROFILE, customer.name, "account_owner", owner)
	account = _outgoing_account()
	frappe.db.commit()
	try:
		tokens = {user: api_token(user) for user in (outsider, owner)}
		refused = requests.post(
			f"{server.url}{API}.send_link",
			data={"customer": customer.name},
			headers={"Authorization": f"token {tokens[outsider]}"},
			timeout=30,
		)
		assert refused.status_code == 403, refused.text[-400:]
		sent = requests.post(
			f"{server.url}{API}.send_link",
			data={"customer": customer.name},
			headers={"Authorization": f"token {tokens[owner]}"},
			timeout=30,
		)
		assert sent.status_code == 200, sent.text[-400:]
		sent = sent.json()["message"]
		assert sent["email"] == customer.email and sent["emailed"] and sent["url"].startswith("http")
		token = sent["url"].split("token=", 1)[1]
		frappe.db.rollback()
		assert self_service.read_link(token).customer == customer.name
		assert frappe.db.get_value(LINK, sent["link"], ["customer", "sent_by", "sent_to"]) == (
			customer.name,
			owner,
			customer.email,
		)
		assert frappe.db.count(LINK, {"customer": customer.name}) == 1  # the outsider minted nothing
		assert (
			frappe.db.count("Email Queue", {"reference_doctype": PROFILE, "reference_name": customer.name})
			== 1
		)
		# bad arguments are a 4xx naming the argument; a guest is not let in at all
		bad = requests.post(
			f"{server.url}{API}.send_link",
			json={"customer": ["a", "b"]},
			headers={"Authorization": f"token {tokens[owner]}"},
			timeout=30,
		)
		assert bad.status_code == 417 and "Customer" in bad.text
		guest = requests.post(f"{server.url}{API}.send_link", data={"customer": customer.name}, timeout=30)
		assert guest.status_code == 403
	finally:
		frappe.db.rollback()
		frappe.delete_doc("Email Account", account, force=True, ignore_permissions=True)
		for user in (outsider, owner):
			frappe.delete_doc("User", user, force=True, ignore_permissions=True)
		frappe.db.set_value("Customer", customer.name, "territory", "All Territories")
		frappe.db.set_value(PROFILE, customer.name, "territory", "All Territories")
		for territory in (north, south):
			frappe.delete_doc("Territory", territory, force=True, ignore_permissions=True)
		frappe.db.commit()


def _outgoing_account() -> str:
	"""A default outgoing Email Account, so that frappe.sendmail queues the mail (nothing is sent)."""
	account = frappe.get_doc(
		{
			"doctype": "Email Account",
			"email_account_name": unique("_CRM Outgoing"),
			"email_id": "crm-outgoing@crm-profiles.test",
			"enable_incoming": 0,
			"enable_outgoing": 1,
			"default_outgoing": 1,
			"smtp_server": "localhost",
			"awaiting_password": 0,
			"password": "x",
		}
	)
	account.flags.ignore_validate = True
	account.insert(ignore_permissions=True)
	return account.name


def test_without_an_outgoing_account_the_link_is_still_made_to_copy(customer):
	if frappe.db.exists("Email Account", {"default_outgoing": 1, "enable_outgoing": 1}):
		pytest.skip("this site has an outgoing email account")
	sent = self_service.send_link(customer.name)
	assert not sent["emailed"] and sent["email"] == customer.email
	assert self_service.read_link(sent["url"].split("token=", 1)[1]).link == sent["link"]


def test_tokens_are_bound_to_their_link_and_its_expiry(customer):
	link, token = self_service.mint_link(customer.name)
	assert self_service.read_link(token) == {
		"link": link,
		"customer": customer.name,
		"expires": frappe.db.get_value(LINK, link, "expires_on"),
	}
	# a validly signed token naming another customer than its link row is refused
	expires = frappe.db.get_value(LINK, link, "expires_on")
	forged = signed_links.make(self_service.PURPOSE, {"l": link, "c": make_customer().name}, expires)
	with pytest.raises(LinkTokenError) as refused:
		self_service.read_link(forged)
	assert refused.value.reason == "tampered"
	# shortening the row's expiry expires the token at once
	frappe.db.set_value(LINK, link, "expires_on", "2020-01-01 00:00:00")
	with pytest.raises(LinkTokenError) as expired:
		self_service.read_link(token)
	assert expired.value.reason == "expired"
