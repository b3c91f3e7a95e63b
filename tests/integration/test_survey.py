"""NPS and CSAT surveys from a signed, expiring, single-use link."""

from __future__ import annotations

import re

import frappe
import pytest
import requests
from freezegun import freeze_time
from support.factories import make_customer, unique
from support.webserver import SiteServer

from crm_profiles.interactions.surveys import (
	SurveyTokenError,
	make_token,
	read_token,
	record_answer,
	survey_url,
)

INTERACTION = "Customer Interaction"


def _tamper(token: str) -> str:
	payload, signature = token.split(".")
	return f"{payload[:-2]}{'A' if payload[-2] != 'A' else 'B'}{payload[-1]}.{signature}"


def test_answer_lands_as_feedback_on_the_right_profile():
	customer = make_customer().name
	make_customer()  # another customer, untouched
	name = record_answer(make_token(customer), 9, 4, "Fast delivery <script>x</script>")
	doc = frappe.get_doc(INTERACTION, name)
	assert (doc.customer, doc.interaction_type, doc.nps, doc.rating) == (customer, "Feedback", "9", 4)
	assert "<script>" not in doc.summary
	profile = frappe.db.get_value("Customer Profile", customer, ["last_nps", "average_csat"], as_dict=True)
	assert (profile.last_nps, profile.average_csat) == ("9", 4)


def test_expired_reused_and_tampered_tokens_are_refused():
	customer = make_customer().name
	with freeze_time("2026-05-01 10:00:00"):
		token = make_token(customer, valid_days=14)
	with freeze_time("2026-05-16 10:00:01"), pytest.raises(SurveyTokenError) as expired:
		read_token(token)
	assert expired.value.reason == "expired"

	token = make_token(customer)
	for bad in (_tamper(token), token + "x", "not-a-token", ""):
		with pytest.raises(SurveyTokenError) as tampered:
			read_token(bad)
		assert tampered.value.reason == "tampered"

	record_answer(token, 7, 3)
	with pytest.raises(SurveyTokenError) as used:
		record_answer(token, 10, 5)
	assert used.value.reason == "used"


def test_scores_out_of_range_are_refused():
	token = make_token(make_customer().name)
	with pytest.raises(frappe.ValidationError):
		record_answer(token, 11, 3)
	with pytest.raises(frappe.ValidationError):
		record_answer(token, 5, 0)


@pytest.fixture(scope="module")
def server(site):
	running = SiteServer().start()
	yield running
	running.stop()


@pytest.fixture
def committed_customer():
	name = make_customer(unique("_CRM Survey")).name
	frappe.db.commit()
	try:
		yield name
	finally:
		frappe.db.rollback()
		for interaction in frappe.get_all(INTERACTION, {"customer": name}, pluck="name"):
			frappe.delete_doc(INTERACTION, interaction, force=True, ignore_permissions=True)
		frappe.delete_doc("Customer", name, force=True, ignore_permissions=True)
		frappe.db.commit()


def test_survey_end_to_end_over_http(server, committed_customer):
	url = survey_url(committed_customer)
	token = url.split("token=", 1)[1]
	page_url = f"{server.url}/crm_survey"
	session = requests.Session()

	form = session.get(page_url, params={"token": token}, timeout=30)
	assert form.status_code == 200
	assert 'data-state="form"' in form.text and 'name="nps"' in form.text
	csrf = re.search(r'name="csrf_token" value="([^"]*)"', form.text).group(1)

	answered = session.post(
		page_url,
		data={"token": token, "nps": "10", "csat": "5", "comment": "Great", "csrf_token": csrf},
		timeout=30,
	)
	assert answered.status_code == 200, answered.text[-500:]
	assert 'data-state="thanks"' in answered.text

	frappe.db.rollback()  # see what the server committed
	[feedback] = frappe.get_all(
		INTERACTION,
		{"customer": committed_customer, "interaction_type": "Feedback"},
		["nps", "rating", "summary"],
	)
	assert (feedback.nps, feedback.rating, feedback.summary) == ("10", 5, "Great")

	reused = session.post(
		page_url, data={"token": token, "nps": "0", "csat": "1", "csrf_token": csrf}, timeout=30
	)
	assert reused.status_code == 410 and 'data-reason="used"' in reused.text
	again = requests.get(page_url, params={"token": token}, timeout=30)
	assert again.status_code == 410 and 'data-reason="used"' in again.text

	tampered = requests.get(page_url, params={"token": _tamper(make_token(committed_customer))}, timeout=30)
	assert tampered.status_code == 403 and 'data-reason="tampered"' in tampered.text

	api = requests.post(
		f"{server.url}/api/method/crm_profiles.interactions.surveys.submit",
		data={"token": token, "nps": 5, "csat": 3},
		timeout=30,
	)
	assert api.status_code >= 400
	assert frappe.db.count(INTERACTION, {"customer": committed_customer, "interaction_type": "Feedback"}) == 1


def test_guest_api_accepts_a_fresh_token(server, committed_customer):
	token = make_token(committed_customer)
	answered = requests.post(
		f"{server.url}/api/method/crm_profiles.interactions.surveys.submit",
		data={"token": token, "nps": 6, "csat": 2},
		timeout=30,
	)
	assert answered.status_code == 200, answered.text[-500:]
	frappe.db.rollback()
	assert (
		frappe.db.get_value(
			INTERACTION, {"customer": committed_customer, "interaction_type": "Feedback"}, "nps"
		)
		== "6"
	)
