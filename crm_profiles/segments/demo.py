"""Demo data for segments, a campaign with a control group, and recommendations.

``make_segment_demo()`` runs after ``crm_profiles.demo.make()`` on a demo site: it records Marketing
Email consent for most demo customers, makes three segments and refreshes them, runs a toner campaign
from one segment with a 20 % control group (sent 30 days ago, with demo orders in the weeks after), and
computes recommendations. It is idempotent: what exists is left alone.
"""

from __future__ import annotations

import json
import random

import frappe
from frappe.utils import add_days, nowdate

from crm_profiles.campaigns import audience
from crm_profiles.privacy.consent import record_consent
from crm_profiles.recommendations import engine
from crm_profiles.segments import membership

SEED = 13
PROFILE = "Customer Profile"
PAPER, TONER = "DEMO-PAPER-A4", "DEMO-TONER"
CAMPAIGN_NAME = "硒鼓促销 / Toner Promotion"
SEGMENTS = [
	{
		"segment_name": "高价值客户 / High Value",
		"description": "Lifetime value of 20,000 or more",
		"filters_json": json.dumps([[PROFILE, "lifetime_value", ">=", 20000]]),
		"rules": [],
	},
	{
		"segment_name": "流失风险且可邮件联系 / At Risk, Emailable",
		"description": "At Risk or Churned, with a current Marketing Email consent",
		"filters_json": json.dumps([[PROFILE, "lifecycle_stage", "in", ["At Risk", "Churned"]]]),
		"rules": [{"rule_type": "Has Current Consent", "purpose": "Marketing Email"}],
	},
	{
		"segment_name": "买纸未买硒鼓 / Paper, No Toner",
		"description": "Bought A4 copy paper in the last two years but never toner",
		"filters_json": "[]",
		"rules": [
			{"rule_type": "Bought", "item_code": PAPER, "last_days": 730},
			{"rule_type": "Never Bought", "item_code": TONER},
		],
	},
]


def demo_customers() -> list[str]:
	from crm_profiles.demo import DEMO_MARK

	return frappe.get_all("Customer", filters={"customer_details": DEMO_MARK}, pluck="name", order_by="name")


def grant_consents(customers: list[str], rng: random.Random) -> None:
	have = set(
		frappe.get_all(
			"Customer Consent",
			filters={"purpose": "Marketing Email", "customer": ("in", customers)},
			pluck="customer",
		)
	)
	for customer in customers:
		if customer not in have and rng.random() < 0.8:
			record_consent(
				customer,
				"Marketing Email",
				"Granted",
				source="Web Form",
				consent_on=f"{add_days(nowdate(), -rng.randint(60, 600))} 10:00:00",
			)


def make_segments() -> list[str]:
	names = []
	for values in SEGMENTS:
		if not frappe.db.exists("Customer Segment", values["segment_name"]):
			frappe.get_doc({"doctype": "Customer Segment", **values}).insert()
		membership.refresh(values["segment_name"])
		names.append(values["segment_name"])
	return names


def make_campaign(segment: str, company: str, rng: random.Random) -> str | None:
	if frappe.db.exists(audience.CAMPAIGN, CAMPAIGN_NAME):
		return None
	if not frappe.db.exists("Campaign", "Toner Promotion"):
		frappe.get_doc({"doctype": "Campaign", "campaign_name": "Toner Promotion"}).insert()
	frappe.get_doc(
		{
			"doctype": audience.CAMPAIGN,
			"campaign_name": CAMPAIGN_NAME,
			"segment": segment,
			"campaign": "Toner Promotion",
			"control_percent": 20,
			"effect_days": 30,
		}
	).insert()
	audience.prepare(CAMPAIGN_NAME)
	sent_on = add_days(nowdate(), -30)
	audience.mark_sent(CAMPAIGN_NAME, sent_on)
	# Demo responses in the 30 days after sending: contacted members order toner more often.
	members = frappe.get_all(
		audience.MEMBER,
		filters={"customer_campaign": CAMPAIGN_NAME},
		fields=["customer", "arm"],
		order_by="customer",
	)
	for m in members:
		if rng.random() < (0.35 if m.arm == audience.CONTACTED else 0.12):
			date = add_days(sent_on, rng.randint(1, 25))
			so = frappe.get_doc(
				{
					"doctype": "Sales Order",
					"customer": m.customer,
					"company": company,
					"transaction_date": date,
					"delivery_date": add_days(date, 7),
					"items": [
						{
							"item_code": TONER,
							"qty": rng.randint(1, 6),
							"rate": 85,
							"delivery_date": add_days(date, 7),
						}
					],
				}
			)
			so.insert()
			so.submit()
	return CAMPAIGN_NAME


def make_segment_demo(commit: bool = True) -> dict:
	"""Segments, a campaign with its effect, and recommendations on the demo customers."""
	from crm_profiles.demo import default_company

	frappe.only_for(("System Manager", "Administrator"))
	rng = random.Random(SEED)
	customers = demo_customers()
	grant_consents(customers, rng)
	segments = make_segments()
	campaign = make_campaign(segments[2], default_company(), rng)
	for name in segments:  # the campaign's orders move customers between segments
		membership.refresh(name)
	result = engine.recompute()
	if commit:
		frappe.db.commit()
	return {"segments": segments, "campaign": campaign, "recommendations": result}
