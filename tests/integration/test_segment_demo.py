"""The segment demo (crm_profiles.segments.demo) on a few crafted demo customers, rolled back."""

from __future__ import annotations

import frappe
from frappe.utils import add_days, nowdate
from support.factories import make_customer
from support.sales import COMPANY, make_order

from crm_profiles import demo
from crm_profiles.privacy.consent import record_consent
from crm_profiles.segments import demo as segment_demo


def test_segment_demo_makes_segments_a_sent_campaign_and_recommendations(monkeypatch):
	monkeypatch.setattr(demo, "default_company", lambda: COMPANY)
	demo.ensure_masters(COMPANY)
	customers = []
	for i in range(12):
		customer = make_customer(customer_details=demo.DEMO_MARK).name
		frappe.db.set_value("Customer Profile", customer, "email_id", f"demo{i}@segdemo.example.com")
		together = [(segment_demo.PAPER, 2, 28), ("DEMO-CHAIR", 1, 420)]
		if i % 2:
			together = [("DEMO-DESK", 1, 760), ("DEMO-MONITOR", 1, 260)]
		make_order(customer, add_days(nowdate(), -200), 0, items=together)
		# Consent up front: the demo grants it to 80 % at random, and customer names differ per run,
		# so without this the audience (and its 20 % control group) could round down to nobody.
		record_consent(customer, "Marketing Email", "Granted", source="Web Form")
		customers.append(customer)
	result = segment_demo.make_segment_demo(commit=False)
	assert len(result["segments"]) == 3 and result["campaign"] == segment_demo.CAMPAIGN_NAME
	campaign = frappe.get_doc("Customer Campaign", segment_demo.CAMPAIGN_NAME)
	assert campaign.status == "Sent" and campaign.control_count >= 1 and campaign.contacted_count >= 1
	paper_no_toner = result["segments"][2]
	assert frappe.db.count("Customer Segment Member", {"segment": paper_no_toner}) >= 1
	from crm_profiles.crm_profiles.report.campaign_effect.campaign_effect import execute

	_columns, data, *_ = execute({"customer_campaign": campaign.name})
	assert sum(row["members"] for row in data) == campaign.contacted_count + campaign.control_count
	assert result["recommendations"]["pairs"] >= 2  # paper with chair, desk with monitor
	# Idempotent: a second run keeps the one campaign and the three segments
	again = segment_demo.make_segment_demo(commit=False)
	assert again["campaign"] is None
	assert frappe.db.count("Customer Campaign", {"name": segment_demo.CAMPAIGN_NAME}) == 1
