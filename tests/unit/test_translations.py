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
