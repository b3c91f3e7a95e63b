"""Everything the app puts in the desk opens in a real browser on this Frappe version (15 or 16).

Each page is loaded as Administrator and must show its content with no script error, no failed
request (HTTP 5xx or 4xx other than 404 on optional assets) and no error dialog. Lists, new forms,
settings, every report, the workspace with its number cards, charts and onboarding, the print format,
the notifications and the complaint workflow are visited at desktop size; the pages a sales user opens
on a phone are visited at phone size too.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from pathlib import Path

import frappe
import pytest
from support.factories import make_customer, make_interaction, unique
from support.metrics import record

from crm_profiles.compat import DESK_PATH, V16, desk_url

MODULE = Path(__file__).resolve().parents[2] / "crm_profiles" / "crm_profiles"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
READY_TIMEOUT = 30_000


def _records(folder: str) -> list[dict]:
	return [json.loads(p.read_text()) for p in sorted(MODULE.glob(f"{folder}/*/*.json"))]


DOCTYPES = [d for d in _records("doctype") if not d.get("istable")]
LIST_DOCTYPES = [d["name"] for d in DOCTYPES if not d.get("issingle")]
SINGLE_DOCTYPES = [d["name"] for d in DOCTYPES if d.get("issingle")]
# DocTypes a user makes by hand (the others are made by the app: profiles, changes, logs, duplicates).
NEW_FORMS = [d["name"] for d in DOCTYPES if not d.get("issingle") and not d.get("in_create")]
REPORTS = [r["name"] for r in _records("report")]
NOTIFICATIONS = [n["name"] for n in _records("notification")]
NUMBER_CARDS = [c["name"] for c in _records("number_card")]
CHARTS = [c["name"] for c in _records("dashboard_chart")]
# Frappe 15 shows the module onboarding as a widget in the workspace; 16 as the sidebar's Getting Started
# panel (the Workspace Sidebar's module_onboarding).
ONBOARDING = ".user-onboarding .onb-panel" if V16 else ".widget.onboarding-widget-box"


def slug(doctype: str) -> str:
	return doctype.lower().replace(" ", "-")


class Desk:
	"""A logged-in browser tab that records script errors, failed requests and error dialogs."""

	def __init__(self, browser, site_url: str, viewport: dict):
		self.site_url = site_url
		self.context = browser.new_context(viewport=viewport)
		self.page = self.context.new_page()
		self.problems: list[str] = []
		self.page.on("pageerror", self._script_error)
		self.page.on("response", self._check_response)
		self.page.goto(site_url + "/login")
		self.page.fill("#login_email", "Administrator")
		self.page.fill("#login_password", "admin")
		self.page.click(".btn-login")
		self.page.wait_for_url(f"**{DESK_PATH}**", timeout=READY_TIMEOUT)

	def _check_response(self, response) -> None:
		if response.status >= 500 or (response.status >= 400 and "/api/" in response.url):
			self.problems.append(f"HTTP {response.status} from {response.url}")

	def _script_error(self, error) -> None:
		# Frappe's report view stops itself with `throw "Filter missing"` while a required filter is
		# empty (it shows "Please set filters"): that is the page working, not failing.
		if str(error) != "Filter missing":
			self.problems.append(f"script error: {error}")

	def open(self, path: str, ready: str) -> None:
		"""Go to ``path``, wait for ``ready`` and for every request the page started, then check it."""
		from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

		self.problems.clear()
		self.page.goto(self.site_url + path)
		try:
			self.page.locator(f"{ready} >> visible=true").first.wait_for(timeout=READY_TIMEOUT)
		except PlaywrightTimeoutError:
			# Seen once in a full run on the loaded 2-core machine (a new form that passed alone and in every
			# other run): one reload, which must then be ready; recorded in the run's measurements.
			record(f"{path}: not ready in {READY_TIMEOUT // 1000} s on first load; reloaded")
			self.problems.clear()
			self.page.reload()
			self.page.locator(f"{ready} >> visible=true").first.wait_for(timeout=READY_TIMEOUT)
		self.settle()
		self.assert_clean(path)

	def open_workspace(self, path: str, ready: str) -> None:
		"""``open``, with one reload when the only problem is the chart widget's ``removeChild`` race.

		On a cold cache, Frappe's dashboard chart widget (frappe-charts) sometimes redraws a chart while its
		first drawing is still in the DOM and throws "Failed to execute 'removeChild'"; it was seen on Group
		By and Report charts alike, about one first load in three on a loaded machine, and never on a
		reload. A reload must then be clean; it is recorded in the run's measurements, not hidden."""
		try:
			self.open(path, ready)
		except AssertionError:
			if not self.problems or not all("removeChild" in p for p in self.problems):
				raise
			record(
				f"{path}: the chart widget's removeChild race on first load ({self.problems[0][:80]}); reloaded"
			)
			self.open(path, ready)

	def settle(self) -> None:
		self.page.wait_for_function(
			# the print view is a web page without the desk's request counter
			"() => !window.frappe || !frappe.request || frappe.request.ajax_count === 0",
			timeout=READY_TIMEOUT,
		)
		self.page.wait_for_timeout(300)

	def assert_clean(self, what: str) -> None:
		dialogs = self.page.locator(".modal.show")
		messages = [dialogs.nth(i).inner_text() for i in range(dialogs.count())]
		assert not messages, f"{what}: a dialog is open: {messages}"
		assert not self.problems, f"{what}: {self.problems}"

	def close(self) -> None:
		self.context.close()


@pytest.fixture(scope="module")
def desk(browser, site_url):
	tab = Desk(browser, site_url, DESKTOP)
	yield tab
	tab.close()


@pytest.fixture(scope="module")
def phone(browser, site_url):
	tab = Desk(browser, site_url, PHONE)
	yield tab
	tab.close()


@pytest.fixture(scope="module")
def customer(site_url):
	"""A customer with a profile and an interaction, committed for the browser and removed after."""
	name = make_customer(unique("_CRM Page Co")).name
	make_interaction(name, subject="Asked for the new catalogue")
	frappe.db.commit()
	yield name
	frappe.db.rollback()
	frappe.db.delete("Customer Interaction", {"customer": name})
	frappe.delete_doc("Customer", name, force=True)
	frappe.db.commit()


def test_the_desk_is_where_this_version_keeps_it(desk):
	assert urllib.parse.urlparse(desk.page.url).path.startswith(DESK_PATH)


@pytest.mark.parametrize("doctype", LIST_DOCTYPES)
def test_list_view_loads(desk, doctype):
	desk.open(desk_url(slug(doctype)), ".frappe-list .result, .frappe-list .no-result")


@pytest.mark.parametrize("doctype", NEW_FORMS)
def test_new_form_loads(desk, doctype):
	desk.open(desk_url(f"{slug(doctype)}/new"), ".form-layout [data-fieldname]")


@pytest.mark.parametrize("doctype", SINGLE_DOCTYPES)
def test_settings_form_loads(desk, doctype):
	desk.open(desk_url(slug(doctype)), ".form-layout [data-fieldname]")


def test_profile_form_shows_its_customer_and_tabs(desk, customer):
	desk.open(desk_url(f"customer-profile/{urllib.parse.quote(customer)}"), ".crm-log-interaction")
	assert desk.page.locator(".form-tabs .nav-link", has_text="Engagement").count() == 1
	# The header and the timeline lead the first tab.
	desk.page.locator(".crm-360").wait_for(timeout=READY_TIMEOUT)
	desk.page.locator('[data-fieldname="timeline_html"]').get_by_text("Asked for the new catalogue").wait_for(
		timeout=READY_TIMEOUT
	)
	desk.settle()
	desk.assert_clean("profile engagement tab")


SAVED_PROFILE_SECTIONS = (
	"section_timeline",
	"section_purchase_history",
	"section_recommendations",
	"section_profile_changes",
)


def _hidden_sections(desk) -> dict[str, bool]:
	return {
		fieldname: "hide-control"
		in (desk.page.locator(f'.form-section[data-fieldname="{fieldname}"]').get_attribute("class") or "")
		for fieldname in SAVED_PROFILE_SECTIONS
	}


def test_a_new_profile_leaves_out_the_sections_only_a_saved_one_fills(desk, customer):
	# The timeline, purchase history, recommendations and tier history are drawn from a saved profile:
	# on a new one they would be headings over nothing.
	desk.open(desk_url("customer-profile/new"), ".form-layout [data-fieldname]")
	assert _hidden_sections(desk) == dict.fromkeys(SAVED_PROFILE_SECTIONS, True)
	desk.assert_clean("new profile")
	desk.open(desk_url(f"customer-profile/{urllib.parse.quote(customer)}"), ".crm-log-interaction")
	assert _hidden_sections(desk) == dict.fromkeys(SAVED_PROFILE_SECTIONS, False)


@pytest.mark.parametrize("report", REPORTS)
def test_report_runs(desk, report):
	# The report ran: its table (possibly empty) or its message (e.g. a filter to set) is on screen.
	# Frappe 15 says "Please set filters" (a required filter is empty) and "This is a background report"
	# (a prepared report not generated yet) in plain divs.
	desk.open(
		desk_url(f"query-report/{urllib.parse.quote(report)}"),
		'.dt-scrollable, .msg-box, div:text-is("Please set filters"), div:has-text("This is a background report")',
	)
	desk.assert_clean(report)


def test_workspace_shows_number_cards_charts_and_onboarding(desk, customer):
	desk.open_workspace(desk_url("customer-profiles"), ".widget.number-widget-box")
	cards = desk.page.locator(".widget.number-widget-box")
	assert cards.count() == len(NUMBER_CARDS)
	numbers = desk.page.locator(".widget.number-widget-box .number")
	numbers.first.wait_for(timeout=READY_TIMEOUT)
	values = [numbers.nth(i).inner_text().strip() for i in range(numbers.count())]
	assert len(values) == len(NUMBER_CARDS) and all(re.search(r"\d", v) for v in values), values
	charts = desk.page.locator(".widget.dashboard-widget-box")
	assert charts.count() == len(CHARTS)
	for i in range(charts.count()):
		# a drawn chart, or the empty state (Frappe 15: a visible "No Data" beside a hidden one)
		ready = ".widget-body svg, .chart-empty-state, .chart-loading-state:text-is('No Data')"
		charts.nth(i).scroll_into_view_if_needed()
		charts.nth(i).locator(f"{ready} >> visible=true").first.wait_for(timeout=READY_TIMEOUT)
	onboarding = desk.page.locator(ONBOARDING)
	onboarding.first.wait_for(timeout=READY_TIMEOUT)
	assert onboarding.count() == 1
	assert "Let's set up Customer Profiles." in onboarding.inner_text()
	desk.assert_clean("workspace")


def test_workspace_is_in_the_sidebar(desk):
	desk.open_workspace(desk_url("customer-profiles"), ".widget.number-widget-box")
	sidebar = desk.page.locator(".desk-sidebar, .body-sidebar")
	assert sidebar.get_by_text("Customer Profiles", exact=True).count() >= 1


def test_print_format_renders_the_profile(desk, customer):
	query = urllib.parse.urlencode(
		{"doctype": "Customer Profile", "name": customer, "format": "Customer Profile"}
	)
	desk.open(f"/printview?{query}", ".print-format")
	assert customer in desk.page.locator(".print-format").inner_text()


@pytest.mark.parametrize("notification", NOTIFICATIONS)
def test_notification_opens(desk, notification):
	desk.open(desk_url(f"notification/{urllib.parse.quote(notification)}"), ".form-layout [data-fieldname]")
	assert desk.page.locator(
		'[data-fieldname="document_type"] .control-value, [data-fieldname="document_type"] input'
	).count()


def test_complaint_workflow_opens_and_drives_an_interaction(desk, customer):
	desk.open(desk_url("workflow/Customer%20Complaint"), ".form-layout [data-fieldname]")
	complaint = make_interaction(customer, interaction_type="Complaint", subject="Parcel arrived damaged")
	frappe.db.commit()
	desk.open(desk_url(f"customer-interaction/{complaint.name}"), ".form-layout [data-fieldname]")
	# The workflow's actions are offered in the form's Actions menu.
	desk.page.locator(
		".page-actions .actions-btn-group, .page-actions .btn", has_text="Actions"
	).first.wait_for(timeout=READY_TIMEOUT)
	desk.assert_clean("complaint form")


@pytest.mark.skipif(not V16, reason="Frappe 15 shows the onboarding as a workspace widget, not over the page")
def test_getting_started_stays_off_the_profile_and_the_phone_until_asked_for(desk, phone, customer):
	"""Frappe 16 opens the Getting Started panel over every page at each load; it stays on the workspace
	of a desk, and elsewhere shows when asked for from the sidebar."""
	desk.open(desk_url(f"customer-profile/{urllib.parse.quote(customer)}"), ".crm-log-interaction")
	panel = desk.page.locator(".onb-panel")
	panel.wait_for(state="attached", timeout=READY_TIMEOUT)
	assert not panel.is_visible(), "the Getting Started panel covers the profile"
	phone.open_workspace(desk_url("customer-profiles"), ".widget.number-widget-box")
	panel = phone.page.locator(".onb-panel")
	panel.wait_for(state="attached", timeout=READY_TIMEOUT)
	assert not panel.is_visible(), "the Getting Started panel covers the workspace on a phone"
	phone.page.evaluate("() => document.querySelector('.onboarding-sidebar').click()")  # the drawer's entry
	phone.page.locator(".onb-panel >> visible=true").wait_for(timeout=READY_TIMEOUT)
	desk.assert_clean("profile")
	phone.assert_clean("workspace on a phone")


def test_onboarding_opens(desk):
	desk.open(desk_url("module-onboarding/CRM%20Profiles"), ".form-layout [data-fieldname]")


@pytest.mark.parametrize(
	"route", ["customer-profiles", "customer-profile", "query-report/Customer%20360"], ids=lambda r: r
)
def test_phone_pages_load(phone, customer, route):
	ready = ".widget.number-widget-box" if route == "customer-profiles" else ".frappe-list, .report-wrapper"
	phone.open(desk_url(route), ready)
	width = phone.page.evaluate("() => document.documentElement.scrollWidth")
	assert width <= PHONE["width"] + 1, f"{route} scrolls sideways on a phone ({width}px)"


def test_phone_profile_form_loads(phone, customer):
	phone.open(desk_url(f"customer-profile/{urllib.parse.quote(customer)}"), ".crm-log-interaction")
