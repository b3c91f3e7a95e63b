"""One vocabulary: RFM segments have names of their own, and sites upgraded from the old names move."""

from __future__ import annotations

import json

import frappe
from frappe.translate import get_all_translations
from support.factories import make_customer, unique

from crm_profiles.analytics.lifecycle import STAGES
from crm_profiles.analytics.rfm import RENAMED_SEGMENTS, SEGMENTS
from crm_profiles.patches import rename_rfm_segments

PROFILE = "Customer Profile"


def test_the_patch_moves_stored_segments_and_saved_segment_filters():
	old = {}
	for old_name in RENAMED_SEGMENTS:
		customer = make_customer(unique("_CRM Vocab Co")).name
		frappe.db.sql(
			"update `tabCustomer Profile` set rfm_segment = %s where name = %s", (old_name, customer)
		)
		old[customer] = old_name
	kept = make_customer(unique("_CRM Vocab Co")).name
	frappe.db.set_value(PROFILE, kept, "rfm_segment", "Champions", update_modified=False)
	segment = frappe.get_doc(
		{
			"doctype": "Customer Segment",
			"segment_name": unique("_CRM Vocab Segment"),
			"filters_json": json.dumps(
				[
					[PROFILE, "rfm_segment", "in", ["Loyal", "Champions"], False],
					[PROFILE, "lifecycle_stage", "=", "At Risk", False],
					[PROFILE, "rfm_segment", "=", "At Risk"],
				]
			),
		}
	).insert()

	rename_rfm_segments.execute()
	rename_rfm_segments.execute()  # idempotent

	for customer, old_name in old.items():
		assert frappe.db.get_value(PROFILE, customer, "rfm_segment") == RENAMED_SEGMENTS[old_name]
	assert frappe.db.get_value(PROFILE, kept, "rfm_segment") == "Champions"
	filters = json.loads(frappe.db.get_value("Customer Segment", segment.name, "filters_json"))
	assert [f[:4] for f in filters] == [
		[PROFILE, "rfm_segment", "in", ["Loyal Customers", "Champions"]],
		[PROFILE, "lifecycle_stage", "=", "At Risk"],  # the stage keeps its name
		[PROFILE, "rfm_segment", "=", "Slipping Away"],
	]


def test_the_field_offers_exactly_the_segments():
	options = frappe.get_meta(PROFILE).get_field("rfm_segment").options.split("\n")
	assert [o for o in options if o] == list(SEGMENTS)
	stage_options = frappe.get_meta(PROFILE).get_field("lifecycle_stage").options.split("\n")
	assert not set(options) & set(stage_options)


def test_the_site_serves_stages_and_segments_in_distinct_chinese():
	frappe.translate.clear_cache()
	served = get_all_translations("zh")
	stages = {served[s] for s in STAGES}
	segments = {served[s] for s in SEGMENTS}
	assert len(stages) == len(STAGES) and len(segments) == len(SEGMENTS)
	assert not stages & segments
	assert "Customer Tier" in frappe.get_hooks("translated_doctypes", []) or frappe.db.get_value(
		"DocType", "Customer Tier", "translated_doctype"
	), "tier names show translated wherever a Link to Customer Tier is shown"
