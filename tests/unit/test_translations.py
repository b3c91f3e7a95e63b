"""Every user-facing string of the app has a Simplified Chinese translation."""

import re

from support.strings import app_strings, zh_translations


def test_every_string_has_a_zh_translation():
	missing = sorted(app_strings() - set(zh_translations()))
	assert not missing, "missing from crm_profiles/translations/zh.csv:\n" + "\n".join(missing)


def test_translations_keep_their_placeholders():
	for source, target in zh_translations().items():
		assert sorted(re.findall(r"\{\d*\}", source)) == sorted(re.findall(r"\{\d*\}", target)), source
		assert target.strip(), source


def test_extraction_finds_strings_from_every_kind_of_file():
	strings = app_strings()
	assert "Customer Profile" in strings  # DocType name
	assert "Lifecycle Stage" in strings  # field label
	assert "At Risk" in strings  # Select option
	assert "Log Interaction" in strings  # JavaScript
	assert "{0} is not a valid phone number" in strings  # pure-module message


def _doctype_select_options() -> dict[str, set[str]]:
	"""{DocType.field: its Select option values} for every DocType of the app."""
	import json

	from support.strings import APP

	options = {}
	for path in APP.glob("crm_profiles/doctype/*/*.json"):
		doc = json.loads(path.read_text(encoding="utf-8"))
		if doc.get("doctype") != "DocType":
			continue
		for field in doc.get("fields", []):
			if (
				field.get("fieldtype") == "Select"
				and field.get("options")
				and field["fieldname"] != "naming_series"
			):
				# numbers (ratings, NPS 0-10) read the same in every language
				values = {o for o in field["options"].split("\n") if not re.fullmatch(r"[\W\d_]*", o)}
				options[f"{doc['name']}.{field['fieldname']}"] = values
	return options


def test_every_select_option_of_our_doctypes_is_translated():
	zh = zh_translations()
	options = _doctype_select_options()
	assert "Customer Profile.rfm_segment" in options and "Customer Profile.lifecycle_stage" in options
	missing = sorted(
		f"{field}: {value}" for field, values in options.items() for value in values if value not in zh
	)
	assert not missing, "Select options without a zh translation:\n" + "\n".join(missing)


def test_every_tier_stage_and_segment_is_translated():
	from crm_profiles.analytics.lifecycle import STAGES
	from crm_profiles.analytics.rfm import SEGMENTS
	from crm_profiles.setup.defaults import DEFAULT_TIERS

	zh = zh_translations()
	values = [*STAGES, *SEGMENTS, *(tier[0] for tier in DEFAULT_TIERS)]
	missing = [v for v in values if not zh.get(v) or zh[v] == v]
	assert not missing, missing
	# the labels the desk shows beside these values: form fields, list filters, Version timeline entries
	for label in ("Tier", "Lifecycle Stage", "RFM Segment"):
		assert zh.get(label), label


def test_stages_and_segments_read_differently_in_chinese():
	"""A stage and a segment never share words: 忠诚 (stage Loyal) appears in no segment's name."""
	from crm_profiles.analytics.lifecycle import STAGES
	from crm_profiles.analytics.rfm import SEGMENTS

	zh = zh_translations()
	clashes = [
		(stage, segment)
		for stage in STAGES
		for segment in SEGMENTS
		if zh[stage] in zh[segment] or zh[segment] in zh[stage]
	]
	assert not clashes, clashes


def test_the_desk_lists_the_same_stages_and_segments():
	from support.strings import APP

	from crm_profiles.analytics.lifecycle import STAGES
	from crm_profiles.analytics.rfm import SEGMENTS

	js = (APP / "public" / "js" / "crm_profiles.js").read_text(encoding="utf-8")
	for name, values in (("STAGES", STAGES), ("SEGMENTS", SEGMENTS)):
		listed = re.search(rf"crm_profiles\.{name} = \[(.*?)\];", js, re.S).group(1)
		assert re.findall(r'"([^"]+)"', listed) == list(values), name
