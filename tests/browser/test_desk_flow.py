"""A sales user on a phone logs an interaction from a profile and sees it on the profile's timeline."""

from __future__ import annotations

import frappe
import pytest
from support.factories import TEST_PASSWORD, make_customer, make_user, unique

from crm_profiles.compat import DESK_PATH, desk_url

USER = "crm.browser@crm-profiles.test"


@pytest.fixture
def customer():
	"""The browser talks to the server in other connections, so this data is committed and removed."""
	make_user(USER, ["CRM User", "Sales User"])
	user = frappe.get_doc("User", USER)
	user.new_password = TEST_PASSWORD
	user.save(ignore_permissions=True)
	name = make_customer(unique("_CRM Browser Co")).name
	frappe.db.commit()
	yield name
	frappe.db.rollback()
	frappe.db.delete("Customer Interaction", {"customer": name})
	frappe.delete_doc("Customer", name, force=True)
	frappe.db.commit()


@pytest.mark.parametrize(
	"viewport", [{"width": 390, "height": 844}, {"width": 1280, "height": 800}], ids=["phone", "desktop"]
)
def test_log_an_interaction_and_see_it_on_the_timeline(browser, site_url, customer, viewport):
	context = browser.new_context(viewport=viewport)
	page = context.new_page()
	try:
		page.goto(site_url + "/login")
		page.fill("#login_email", USER)
		page.fill("#login_password", TEST_PASSWORD)
		page.click(".btn-login")
		page.wait_for_url(f"**{DESK_PATH}**", timeout=30_000)

		page.goto(f"{site_url}{desk_url('customer-profile')}/{customer}")
		page.locator(".crm-log-interaction").click(timeout=30_000)

		dialog = page.locator(".modal.show")
		dialog.wait_for(timeout=15_000)
		subject = unique("Called about the spring order")
		dialog.locator('input[data-fieldname="subject"]').fill(subject)
		dialog.locator(".btn-primary", has_text="Save").click()
		page.wait_for_function("() => !document.querySelector('.modal.show')", timeout=15_000)

		page.goto(f"{site_url}{desk_url('customer-profile')}/{customer}")
		page.locator(".crm-log-interaction").wait_for(timeout=30_000)
		# The timeline is on the first tab, under the header.
		page.locator('[data-fieldname="timeline_html"]').get_by_text(subject).wait_for(timeout=20_000)
	finally:
		context.close()
	frappe.db.rollback()
	assert frappe.db.count("Customer Interaction", {"customer": customer, "subject": subject}) == 1


def test_profile_prints_as_a_one_page_pdf(site_url):
	"""wkhtmltopdf loads the print styles from the site, so this runs where the site is served."""
	import io

	from pypdf import PdfReader
	from support.factories import make_customer as new_customer

	frappe.local.conf.host_name = site_url
	name = new_customer().name
	profile = frappe.get_doc("Customer Profile", name)
	profile.email_id = "buyer@example.com"
	profile.position = "Purchasing Manager"
	for i in range(4):
		profile.append(
			"preferences", {"category": "Product", "preference": f"Preference {i}", "source": "Interview"}
		)
	profile.save()
	html = frappe.get_print("Customer Profile", name, print_format="Customer Profile")
	assert profile.customer_name in html and "buyer@example.com" in html and "Preference 3" in html
	pdf = frappe.get_print("Customer Profile", name, print_format="Customer Profile", as_pdf=True)
	assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
	frappe.db.rollback()
