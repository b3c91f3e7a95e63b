"""A CRM manager uploads a small customer sheet, previews it (a status per row) and imports it, in
English and in Chinese, on a desktop and on a phone.

The Start Import button queues the job; no worker runs beside the test site, so the test runs the job
function itself once the button has queued it, and the form (which polls while the job is queued)
shows the result. With CRM_PROFILES_SCREENSHOTS=<folder> it saves docs/screenshots/sheet-import-*.png.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import frappe
import pytest
from frappe.utils import random_string
from frappe.utils.xlsxutils import make_xlsx
from support.factories import TEST_PASSWORD, make_customer, make_user
from support.quality import clean_names

from crm_profiles.compat import DESK_PATH, desk_url
from crm_profiles.setup.defaults import create_default_tiers

USER = "crm.sheet@crm-profiles.test"
IMPORT = "Customer Sheet Import"
TIMEOUT = 30_000
HEADERS = {
	"en": ["Customer Name", "Contact", "Mobile", "Email", "City", "Address", "Tier", "Tags", "Preferences"],
	"zh": ["客户名称", "联系人", "手机", "邮箱", "城市", "地址", "客户等级", "标签", "偏好"],
}
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def made():
	"""What the test commits (the browser reads through the server's own connections), removed after."""
	create_default_tiers()
	made = frappe._dict(customers=[], imports=[])
	yield made
	frappe.db.rollback()
	for name in made.imports:
		made.customers += [
			r["customer"]
			for r in frappe.parse_json(frappe.db.get_value(IMPORT, name, "row_log") or "[]")
			if r.get("status") == "Created"
		]
		frappe.delete_doc(IMPORT, name, force=True)
	for customer in set(made.customers):
		for doctype in ("Contact", "Address"):
			for link in frappe.get_all(
				"Dynamic Link",
				filters={"parenttype": doctype, "link_doctype": "Customer", "link_name": customer},
				pluck="parent",
			):
				frappe.delete_doc(doctype, link, force=True)
		frappe.delete_doc("Customer", customer, force=True)
	frappe.db.commit()


def sheet(tmp_path: Path, lang: str, existing: str) -> Path:
	names = clean_names(2, seed=random.randrange(10**6))
	tag = random_string(5).lower()
	rows = [
		HEADERS[lang],
		[
			names[0],
			"王芳",
			"+86 139 1111 2222",
			f"wang.{tag}@example.com",
			"上海",
			"人民路 1 号",
			"Gold",
			"vip",
			"Delivery: mornings",
		],
		[
			names[1],
			"Li Lei",
			"+86 139 3333 4444",
			f"li.{tag}@example.com",
			"Beijing",
			"2 Main Road",
			"Silver",
			"",
			"",
		],
		[existing, "", "", "", "", "", "Gold", "key account", ""],
		[f"{names[0]} Bad", "", "12ab", "not-an-email", "", "", "Diamond X", "", ""],
	]
	path = tmp_path / f"customers-{lang}.xlsx"
	path.write_bytes(make_xlsx(rows, "Sheet1").getvalue())
	return path


def shoot(page, name: str, section: str) -> None:
	"""The rows' section in view, without the passing "Saved" alert."""
	folder = os.environ.get("CRM_PROFILES_SCREENSHOTS")
	if folder:
		page.evaluate("() => document.querySelectorAll('.desk-alert').forEach((e) => e.remove())")
		page.locator(f'[data-fieldname="{section}"]').scroll_into_view_if_needed()
		page.evaluate("() => window.scrollBy(0, -120)")  # keep the counts above the table in view
		page.wait_for_timeout(300)
		page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=False)


def run_the_queued_job(name: str) -> None:
	"""Run the job the button queued, as the worker would: its user, its method, its arguments (the
	user's language among them). It is taken off the queue, so a worker never runs it twice."""
	from frappe.utils.background_jobs import create_job_id, get_redis_conn
	from rq.job import Job

	job = Job.fetch(create_job_id(f"crm_profiles_sheet_import::{name}"), connection=get_redis_conn())
	if job.get_status() != "queued":
		return  # a worker of this bench took it
	queued = job.kwargs
	job.delete()
	assert (queued["method"], queued["user"]) == ("crm_profiles.sheets.importing.run_import", USER)
	frappe.set_user(queued["user"])
	try:
		frappe.call(queued["method"], **queued["kwargs"])  # it commits row by row
	finally:
		frappe.set_user("Administrator")
		frappe.local.lang = "en"


def click_action(page, device: str, css: str, label: str) -> None:
	"""A form button; on a phone Frappe moves it into the "..." menu."""
	if device == "desktop":
		page.locator(css).first.click(timeout=TIMEOUT)
		return
	page.locator(".page-actions .menu-btn-group > button").first.click(timeout=TIMEOUT)
	page.locator(".page-actions .menu-btn-group .dropdown-menu").get_by_text(label, exact=True).first.click(
		timeout=TIMEOUT
	)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_upload_preview_and_import_a_sheet(browser, site_url, made, tmp_path, lang, device):
	make_user(USER, ["CRM Manager", "Sales Manager", "Sales User"])
	user = frappe.get_doc("User", USER)
	user.new_password = TEST_PASSWORD
	user.language = lang
	user.save(ignore_permissions=True)
	existing = make_customer().customer_name
	made.customers.append(frappe.db.get_value("Customer", {"customer_name": existing}))
	frappe.db.commit()
	path = sheet(tmp_path, lang, existing)

	context = browser.new_context(viewport=VIEWPORTS[device])
	page = context.new_page()
	try:
		page.goto(site_url + "/login")
		page.fill("#login_email", USER)
		page.fill("#login_password", TEST_PASSWORD)
		page.click(".btn-login")
		page.wait_for_url(f"**{DESK_PATH}**", timeout=TIMEOUT)

		page.goto(f"{site_url}{desk_url('customer-sheet-import')}/new")
		page.locator('[data-fieldname="import_file"] button').first.click(timeout=TIMEOUT)
		dialog = page.locator(".modal.show")
		dialog.locator('input[type="file"]').set_input_files(str(path))
		dialog.locator(".btn-modal-primary").click()
		page.wait_for_function("() => !document.querySelector('.modal.show')", timeout=TIMEOUT)
		page.keyboard.press("Control+s")
		page.locator(".crm-sheet-preview").first.wait_for(state="attached", timeout=TIMEOUT)
		click_action(page, device, ".crm-sheet-preview", "预览" if lang == "zh" else "Preview")

		statuses = page.locator('[data-fieldname="preview_html"] .crm-sheet-status')
		statuses.first.wait_for(timeout=TIMEOUT)
		seen = sorted(statuses.evaluate_all("els => els.map(e => e.dataset.status)"))
		assert seen == ["Error", "New", "New", "Update"]
		error_text = page.locator(
			'[data-fieldname="preview_html"] .crm-sheet-row', has=page.locator('[data-status="Error"]')
		).inner_text()
		assert HEADERS[lang][3] in error_text and HEADERS[lang][6] in error_text  # the columns are named
		if lang == "zh":
			assert "错误" in page.locator('[data-fieldname="preview_html"]').inner_text()
			assert "不是有效的电子邮件地址" in error_text
		shoot(page, f"sheet-import-preview-{lang}-{device}", "preview_html")

		name = page.evaluate("() => cur_frm.doc.name")
		made.imports.append(name)
		click_action(page, device, ".crm-sheet-start", "开始导入" if lang == "zh" else "Start Import")
		page.wait_for_function("() => cur_frm.doc.status === 'Queued'", timeout=TIMEOUT)
		frappe.db.rollback()
		run_the_queued_job(name)
		results = page.locator('[data-fieldname="result_html"] .crm-sheet-status')
		results.first.wait_for(timeout=TIMEOUT)
		seen = sorted(results.evaluate_all("els => els.map(e => e.dataset.status)"))
		assert seen == ["Created", "Created", "Failed", "Updated"]
		if lang == "zh":  # the worker writes the row messages in the language of the user who started it
			assert "不是有效的电子邮件地址" in page.locator('[data-fieldname="result_html"]').inner_text()
		shoot(page, f"sheet-import-{lang}-{device}", "result_html")
	finally:
		context.close()
	frappe.db.rollback()
	assert frappe.db.get_value(IMPORT, name, ["created_rows", "updated_rows", "failed_rows"]) == (2, 1, 1)
