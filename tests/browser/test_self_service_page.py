"""A customer opens their self-service link on a phone or a desktop, in English or Chinese, withdraws a
consent, saves, and sees the thanks page; the ledger has the withdrawal.

Set CRM_PROFILES_SCREENSHOTS to a folder (docs/screenshots) to keep the screenshots.
"""

from __future__ import annotations

import os
from pathlib import Path

import frappe
import pytest
from support.factories import TEST_PASSWORD, make_customer, make_user, unique

from crm_profiles.compat import DESK_PATH, desk_url
from crm_profiles.privacy import self_service
from crm_profiles.privacy.consent import can_contact, record_consent

READY_TIMEOUT = 30_000
HEADINGS = {"en": ("Your details", "Thank you. Your details have been updated."), "zh": ("我的资料", "谢谢")}


@pytest.fixture
def customer():
	"""Committed, since the browser reads through the server's own connections; removed after."""
	name = make_customer(unique("_CRM 自助 Self")).name
	profile = frappe.get_doc("Customer Profile", name)
	profile.email_id = f"{frappe.generate_hash(length=8)}@selfservice.crm-profiles.test"
	profile.mobile_no = "+8613912345678"
	profile.append("preferences", {"category": "Delivery", "preference": "Mornings only / 只在上午送货"})
	profile.save()
	record_consent(name, "Marketing Email", "Granted", channel="Any", source="Paper Form")
	frappe.db.commit()
	frappe.cache.delete(frappe.cache.make_key(f"crm_profiles:rl:{self_service.PURPOSE}:127.0.0.1"))
	yield name, profile.email_id
	frappe.db.rollback()
	for doctype in ("Customer Consent", "Customer Profile Change", "Customer Self-service Link"):
		frappe.db.delete(doctype, {"customer": name})
	frappe.db.delete("Email Unsubscribe", {"email": profile.email_id})
	frappe.delete_doc("Customer", name, force=True)
	frappe.db.commit()


def _shots(tmp_path) -> Path:
	folder = os.environ.get("CRM_PROFILES_SCREENSHOTS")
	return Path(folder) if folder else tmp_path


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize(
	"viewport", [{"width": 390, "height": 844}, {"width": 1280, "height": 800}], ids=["phone", "desktop"]
)
def test_withdraw_a_consent_from_the_link(browser, site_url, customer, viewport, lang, tmp_path):
	name, _email = customer
	_link, token = self_service.mint_link(name)
	frappe.db.commit()
	device = "phone" if viewport["width"] < 600 else "desktop"
	suffix = f"{device}{'-zh' if lang == 'zh' else ''}"
	shots = _shots(tmp_path)
	context = browser.new_context(viewport=viewport, locale="zh-CN" if lang == "zh" else "en-US")
	page = context.new_page()
	try:
		response = page.goto(f"{site_url}/crm_self_service?token={token}")
		assert response.status == 200
		page.locator('form[data-state="form"]').wait_for(timeout=READY_TIMEOUT)
		assert page.locator("h1").first.inner_text().strip() == HEADINGS[lang][0]
		# phone-first: nothing wider than the screen
		assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
		page.screenshot(path=str(shots / f"self-service-{suffix}.png"), full_page=True)

		row = page.locator('[data-consent="consent_marketing_email"]')
		assert row.locator('input[value="granted"]').is_checked()
		row.locator('label:has(input[value="withdrawn"])').click()
		assert row.locator('input[value="withdrawn"]').is_checked()
		page.locator('button[type="submit"]').click()
		page.locator('[data-state="thanks"]').wait_for(timeout=READY_TIMEOUT)
		assert HEADINGS[lang][1] in page.locator('[data-state="thanks"] h1').inner_text()
		page.screenshot(path=str(shots / f"self-service-thanks-{suffix}.png"), full_page=True)

		if device == "phone":
			page.goto(f"{site_url}/crm_self_service?token={token[:-3]}abc")
			page.locator('[data-state="refused"]').wait_for(timeout=READY_TIMEOUT)
			page.screenshot(path=str(shots / f"self-service-refused-{suffix}.png"), full_page=True)
	finally:
		context.close()
	frappe.db.rollback()
	assert not can_contact(name, "Marketing Email")
	assert frappe.db.get_value(
		"Customer Consent",
		{"customer": name, "purpose": "Marketing Email", "source": "Self-service"},
		["status", "ip_address"],
	) == ("Withdrawn", "127.0.0.1")


USER = "crm.selfservice@crm-profiles.test"


@pytest.mark.parametrize(
	"viewport", [{"width": 390, "height": 844}, {"width": 1280, "height": 800}], ids=["phone", "desktop"]
)
def test_the_account_owner_sends_the_link_from_the_profile(browser, site_url, customer, viewport, tmp_path):
	name, email = customer
	make_user(USER, ["CRM User", "Sales User"])
	user = frappe.get_doc("User", USER)
	user.new_password = TEST_PASSWORD
	user.language = "en"
	user.save(ignore_permissions=True)
	frappe.db.set_value("Customer Profile", name, "account_owner", USER)
	frappe.db.commit()
	device = "phone" if viewport["width"] < 600 else "desktop"
	context = browser.new_context(viewport=viewport)
	page = context.new_page()
	try:
		page.goto(site_url + "/login")
		page.fill("#login_email", USER)
		page.fill("#login_password", TEST_PASSWORD)
		page.click(".btn-login")
		page.wait_for_url(f"**{DESK_PATH}**", timeout=READY_TIMEOUT)
		page.goto(f"{site_url}{desk_url('customer-profile')}/{name}")
		page.locator(".crm-log-interaction").wait_for(timeout=READY_TIMEOUT)
		if device == "phone":  # the toolbar's groups fold into the "..." menu on a phone
			page.locator(".page-actions .menu-btn-group > button:visible").first.click()
			page.locator(".dropdown-menu.show .dropdown-item", has_text="Send Self-service Link").click()
		else:
			page.locator('.inner-group-button[data-label="Actions"] > button:visible').first.click()
			page.locator(".dropdown-menu.show .dropdown-item", has_text="Send Self-service Link").click()
		dialog = page.locator(".modal.show")
		dialog.get_by_text("crm_self_service?token=").first.wait_for(timeout=READY_TIMEOUT)
		assert email in dialog.inner_text()
		page.wait_for_timeout(400)  # let the dialog's fade-in finish before the screenshot
		page.screenshot(path=str(_shots(tmp_path) / f"self-service-send-{device}.png"))
	finally:
		context.close()
	frappe.db.rollback()
	assert frappe.db.get_value("Customer Self-service Link", {"customer": name}, "sent_by") == USER
