"""A user whose language is zh reads tiers, lifecycle stages and RFM segments in Chinese wherever the
desk shows them: the profile list (its indicator and Tier column), the profile form and Customer 360."""

from __future__ import annotations

import urllib.parse

import frappe
import pytest
from support.factories import TEST_PASSWORD, make_customer, make_user, unique

from crm_profiles.analytics.lifecycle import STAGES
from crm_profiles.analytics.rfm import SEGMENTS
from crm_profiles.compat import DESK_PATH, desk_url
from crm_profiles.setup.defaults import DEFAULT_TIERS, create_default_tiers

USER = "crm.zh@crm-profiles.test"
ENGLISH = {*STAGES, *SEGMENTS, *(t[0] for t in DEFAULT_TIERS)}
READY_TIMEOUT = 30_000


@pytest.fixture(scope="module")
def customer(site_url):
	"""Committed, since the browser reads through the server's own connections; removed after."""
	create_default_tiers()
	make_user(USER, ["CRM Manager", "Sales User"])
	user = frappe.get_doc("User", USER)
	user.new_password = TEST_PASSWORD
	user.language = "zh"
	user.save(ignore_permissions=True)
	name = make_customer(unique("_CRM 中文 Co")).name
	frappe.db.set_value(
		"Customer Profile",
		name,
		{
			"tier": "Platinum",
			"lifecycle_stage": "At Risk",
			"rfm_segment": "Slipping Away",
			"lifetime_value": 130000,
			"order_count": 9,
		},
		update_modified=False,
	)
	frappe.db.commit()
	yield name
	frappe.db.rollback()
	frappe.delete_doc("Customer", name, force=True)
	frappe.db.commit()


def login(browser, site_url, viewport):
	context = browser.new_context(viewport=viewport)
	page = context.new_page()
	page.goto(site_url + "/login")
	page.fill("#login_email", USER)
	page.fill("#login_password", TEST_PASSWORD)
	page.click(".btn-login")
	page.wait_for_url(f"**{DESK_PATH}**", timeout=READY_TIMEOUT)
	return context, page


def settle(page):
	page.wait_for_function("() => !frappe.request || frappe.request.ajax_count === 0", timeout=READY_TIMEOUT)
	page.wait_for_timeout(500)


def english_in(texts: list[str]) -> list[str]:
	return [t for t in texts if t.strip() in ENGLISH]


@pytest.mark.parametrize(
	"viewport", [{"width": 1280, "height": 800}, {"width": 390, "height": 844}], ids=["desktop", "phone"]
)
def test_profile_list_reads_in_chinese(browser, site_url, customer, viewport):
	context, page = login(browser, site_url, viewport)
	try:
		query = urllib.parse.urlencode({"customer_name": customer})
		page.goto(site_url + desk_url("customer-profile") + "?" + query)
		row = page.locator(".list-row-container .list-row").first
		row.wait_for(timeout=READY_TIMEOUT)
		settle(page)
		pills = page.locator(".list-row .indicator-pill >> visible=true")
		assert [t.strip() for t in pills.all_inner_texts()] == ["流失风险"]
		texts = page.locator(".list-row-container .list-row-col >> visible=true").all_inner_texts()
		assert not english_in(texts), texts
		if viewport["width"] > 800:
			assert "白金" in [t.strip() for t in texts], texts
			header = page.locator(".list-row-head").inner_text()
			assert "生命周期阶段" in header and "状态" not in header, header
			assert texts.count(customer) == 1, texts  # the name once, not also as the ID
		filters = page.locator(".standard-filter-section .frappe-control[data-fieldname]")
		assert filters.count() <= 5
	finally:
		context.close()


def test_profile_form_and_customer_360_read_in_chinese(browser, site_url, customer):
	context, page = login(browser, site_url, {"width": 1280, "height": 800})
	try:
		page.goto(site_url + desk_url(f"customer-profile/{urllib.parse.quote(customer)}"))
		page.locator(".crm-log-interaction").wait_for(timeout=READY_TIMEOUT)
		settle(page)
		shown = page.evaluate(
			"""() => ["tier", "lifecycle_stage", "rfm_segment"].map((f) => {
				const $w = cur_frm.fields_dict[f].$wrapper;
				return ($w.find("input:visible, select:visible").val() || $w.find(".control-value").text()).trim();
			})"""
		)
		assert shown == ["白金", "流失风险", "渐行渐远"], shown

		query = urllib.parse.urlencode({"tier": "Platinum"})
		page.goto(site_url + desk_url("query-report/Customer 360") + "?" + query)
		page.locator(".dt-scrollable .dt-cell__content").first.wait_for(timeout=READY_TIMEOUT)
		settle(page)
		cells = page.locator(".dt-scrollable .dt-cell__content").all_inner_texts()
		assert {"白金", "流失风险", "渐行渐远"} <= {c.strip() for c in cells}, cells
		assert not english_in(cells), english_in(cells)
		headers = page.locator(".dt-header .dt-cell__content").all_inner_texts()
		assert "生命周期阶段" in [h.strip() for h in headers], headers
	finally:
		context.close()
