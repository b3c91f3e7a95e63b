"""Campaigns: the consenting audience split into contacted and control, the Email Group, and the
measured effect on crafted orders, with exact figures."""

from __future__ import annotations

import json

import frappe
import pytest
from frappe.utils import add_days, getdate
from support.factories import make_customer, make_territory, unique
from support.sales import make_order

from crm_profiles.campaigns import api, audience
from crm_profiles.campaigns.stats import newcombe_difference
from crm_profiles.crm_profiles.report.campaign_effect.campaign_effect import execute
from crm_profiles.privacy.consent import record_consent

PROFILE = "Customer Profile"
SENT = getdate("2026-03-02")


def make_campaign(control_percent=30):
	area = make_territory()
	customers = [make_customer(territory=area).name for _ in range(10)]
	for c in customers:
		frappe.db.set_value(PROFILE, c, "email_id", f"{frappe.scrub(c)}@camp.example.com")
		record_consent(c, "Marketing Email", "Granted", consent_on="2026-01-01 10:00:00")
	no_consent = make_customer(territory=area).name
	frappe.db.set_value(PROFILE, no_consent, "email_id", "no.consent@camp.example.com")
	dnc = make_customer(territory=area).name
	frappe.db.set_value(PROFILE, dnc, {"email_id": "dnc@camp.example.com", "do_not_contact": 1})
	record_consent(dnc, "Marketing Email", "Granted", consent_on="2026-01-01 10:00:00")
	segment = frappe.get_doc(
		{
			"doctype": "Customer Segment",
			"segment_name": unique("_CRM Camp Segment"),
			"filters_json": json.dumps([[PROFILE, "territory", "=", area]]),
		}
	).insert()
	campaign = frappe.get_doc(
		{
			"doctype": audience.CAMPAIGN,
			"campaign_name": unique("_CRM Campaign"),
			"segment": segment.name,
			"control_percent": control_percent,
			"effect_days": 30,
		}
	).insert()
	return campaign, customers


def arms(campaign: str) -> dict[str, list[str]]:
	rows = frappe.get_all(
		audience.MEMBER,
		filters={"customer_campaign": campaign},
		fields=["customer", "arm"],
		order_by="customer",
	)
	return {arm: [r.customer for r in rows if r.arm == arm] for arm in (audience.CONTACTED, audience.CONTROL)}


def test_audience_holds_out_a_control_group_from_consenting_members_only():
	campaign, customers = make_campaign()
	result = api.prepare_audience(campaign.name)
	assert (result["contacted"], result["control"]) == (7, 3)
	assert result["excluded"]["Do Not Contact"] == 1
	assert result["excluded"]["No Current Marketing Email Consent"] == 1
	groups = arms(campaign.name)
	assert sorted(groups[audience.CONTACTED] + groups[audience.CONTROL]) == sorted(customers)
	doc = frappe.get_doc(audience.CAMPAIGN, campaign.name)
	assert (doc.status, doc.contacted_count, doc.control_count) == ("Audience Ready", 7, 3)
	subscribed = frappe.get_all(
		"Email Group Member", filters={"email_group": doc.email_group, "unsubscribed": 0}, pluck="email"
	)
	assert sorted(subscribed) == sorted(
		f"{frappe.scrub(c)}@camp.example.com" for c in groups[audience.CONTACTED]
	)
	# Preparing again draws the same groups (seeded by the campaign)
	api.prepare_audience(campaign.name)
	assert arms(campaign.name) == groups


def test_effect_report_with_exact_control_and_uplift_figures():
	campaign, _customers = make_campaign()
	api.prepare_audience(campaign.name)
	api.mark_as_sent(campaign.name, str(SENT))
	groups = arms(campaign.name)
	c, k = groups[audience.CONTACTED], groups[audience.CONTROL]
	make_order(c[0], SENT, 100)
	make_order(c[0], add_days(SENT, 12), 50)
	make_order(c[1], add_days(SENT, 5), 200)
	make_order(c[2], add_days(SENT, 29), 10)  # last day of the 30-day window
	make_order(c[3], add_days(SENT, 10), 70)
	make_order(c[4], add_days(SENT, 30), 999)  # the day after the window
	make_order(c[5], add_days(SENT, -1), 999)  # before sending
	cancelled = make_order(c[6], add_days(SENT, 3), 999)
	cancelled.cancel()
	make_order(k[0], add_days(SENT, 3), 300)
	columns, data, message, chart, summary = execute({"customer_campaign": campaign.name})
	assert "Conversion Rate" in [c["label"] for c in columns]
	assert message.endswith("for 30 days after sending.")
	contacted, control = data
	assert (contacted["members"], contacted["converted"], contacted["orders"]) == (7, 4, 5)
	assert contacted["order_value"] == pytest.approx(430)
	assert contacted["conversion_rate"] == pytest.approx(100 * 4 / 7)
	assert contacted["value_per_member"] == pytest.approx(430 / 7)
	assert (control["members"], control["converted"], control["orders"]) == (3, 1, 1)
	assert control["order_value"] == pytest.approx(300)
	expected = newcombe_difference(4, 7, 1, 3)
	by_label = {s["label"]: s["value"] for s in summary}
	assert by_label["Uplift (percentage points)"] == pytest.approx(round(100 * (4 / 7 - 1 / 3), 1))
	assert by_label["95% Confidence Interval"] == (
		f"{round(100 * expected.low, 1)} … {round(100 * expected.high, 1)}"
	)
	assert by_label["Relative Uplift"] == f"{round(100 * (4 / 7 / (1 / 3) - 1), 1)}%"
	assert by_label["Extra Value per Member"] == pytest.approx(430 / 7 - 100)
	assert chart["data"]["datasets"][0]["values"] == [round(100 * 4 / 7, 2), round(100 / 3, 2)]
	# A shorter window: only orders on the sending day and the four days after
	_c, data, *_ = execute({"customer_campaign": campaign.name, "days": 5})
	assert (data[0]["converted"], data[0]["orders"], data[0]["order_value"]) == (1, 1, 100)
	assert (data[1]["converted"], data[1]["order_value"]) == (1, 300)


def test_campaign_rules_and_bad_input():
	campaign, _ = make_campaign(control_percent=0)
	with pytest.raises(frappe.ValidationError, match="Prepare the audience"):
		api.mark_as_sent(campaign.name)
	with pytest.raises(frappe.ValidationError, match="no Sent On"):
		execute({"customer_campaign": campaign.name})
	with pytest.raises(frappe.ValidationError, match="is required"):
		execute({})
	assert api.prepare_audience(campaign.name)["control"] == 0
	with pytest.raises(frappe.ValidationError, match="must be a date"):
		api.mark_as_sent(campaign.name, "not-a-date")
	api.mark_as_sent(campaign.name, "2026-03-02")
	with pytest.raises(frappe.ValidationError, match="sent already"):
		api.prepare_audience(campaign.name)
	bad = frappe.get_doc(audience.CAMPAIGN, campaign.name)
	bad.control_percent = 100
	with pytest.raises(frappe.ValidationError, match="between 0 and 99"):
		bad.save()


def test_control_size_rounds_half_up():
	assert [audience.control_size(n, 10) for n in (0, 4, 5, 14, 15, 100)] == [0, 0, 1, 1, 2, 10]
	assert audience.control_size(10, 30) == 3


def test_newsletter_link_follows_whether_the_site_has_newsletter():
	"""Frappe 15 ships Newsletter; Frappe 16 has it only with the separate Newsletter app. Without it a
	campaign refuses a Newsletter with a message that says why, and the desk hides the field."""
	from crm_profiles import compat
	from crm_profiles.boot import extend_bootinfo

	available = bool(frappe.db.exists("DocType", "Newsletter"))
	assert compat.has_newsletter() is available
	assert available or compat.V16
	bootinfo = frappe._dict()
	extend_bootinfo(bootinfo)
	assert bootinfo.crm_profiles == {"newsletter_available": available}

	field = frappe.get_meta(audience.CAMPAIGN).get_field("newsletter")
	campaign, _ = make_campaign()
	campaign.newsletter = "_CRM Spring Newsletter"
	if available:
		assert (field.fieldtype, field.options, field.hidden) == ("Link", "Newsletter", 0)
		campaign.validate_newsletter()  # the Link itself is checked by Frappe on save
		return
	# Install and migrate made the link a hidden Data field: Frappe cannot check a link to nothing.
	assert (field.fieldtype, field.hidden) == ("Data", 1)
	with pytest.raises(frappe.ValidationError, match="Frappe 16 moved it to the separate Newsletter app"):
		campaign.save()
	# A Newsletter a Frappe 15 site left on the campaign does not block other changes.
	frappe.db.set_value(audience.CAMPAIGN, campaign.name, "newsletter", "_CRM Old Newsletter")
	doc = frappe.get_doc(audience.CAMPAIGN, campaign.name)
	doc.effect_days = 14
	doc.save()
	assert frappe.db.get_value(audience.CAMPAIGN, campaign.name, "effect_days") == 14
