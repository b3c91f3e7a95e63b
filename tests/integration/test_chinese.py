"""A user whose language is zh sees the app in Chinese: the site loads our zh.csv for every string."""

from __future__ import annotations

import frappe
from frappe.translate import get_all_translations
from support.strings import app_strings, zh_translations


def test_site_serves_every_app_string_in_chinese():
	frappe.translate.clear_cache()
	served = get_all_translations("zh")
	ours = zh_translations()
	for source in app_strings():
		assert source in ours, f"missing from zh.csv: {source}"
		assert served.get(source) == ours[source], source


def test_a_zh_user_gets_chinese_messages_and_labels():
	frappe.local.lang = "zh"
	assert frappe._("Customer Profile") == "客户档案"
	assert frappe._("Lifecycle Stage") == "生命周期阶段"
	assert frappe._("{0} is not a valid phone number").format("123") == "123 不是有效的电话号码"
	columns = frappe.get_attr(
		"crm_profiles.crm_profiles.report.lifecycle_funnel.lifecycle_funnel.get_columns"
	)()
	assert columns[0]["label"] == "生命周期阶段"
