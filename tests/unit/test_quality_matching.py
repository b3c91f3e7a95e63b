"""Pure parts of duplicate matching and completeness: normalisation, blocking keys, scores."""

import pytest

# crm_profiles.quality imports frappe at module level: without a bench these run in the bench suite only.
pytest.importorskip("frappe", reason="crm_profiles.quality needs frappe: run with the bench's Python")


from crm_profiles.quality.completeness import DEFAULT_WEIGHTS, parse_weights, score
from crm_profiles.quality.matching import (
	name_blocking_keys,
	normalise_name,
	normalise_tax_id,
	phone_digits,
	similarity,
)


def test_names_normalise_case_punctuation_legal_form_and_word_order():
	assert normalise_name("ACME Trading Co., Ltd.") == normalise_name("acme trading")
	assert normalise_name("Trading Acme") == normalise_name("Acme Trading")
	assert normalise_name("Café Müller GmbH") == "cafe muller"
	assert normalise_name("上海华为有限公司") == "上海华为"
	assert normalise_name(None) == ""


def test_blocking_keys_share_a_key_despite_a_typo_at_either_end():
	a, b = normalise_name("Zorvatek Mibu Trading"), normalise_name("Xorvatek Mibu Trading")
	c = normalise_name("Zorvatek Mibu Tradinx")
	assert name_blocking_keys(a) & name_blocking_keys(b)
	assert name_blocking_keys(a) & name_blocking_keys(c)
	assert name_blocking_keys("") == set()


def test_similarity_ranks_typos_high_and_strangers_low():
	assert similarity(normalise_name("Zorvatek Mibu"), normalise_name("Zorvatec Mibu")) >= 90
	assert similarity(normalise_name("Zorvatek Mibu"), normalise_name("Halumo Pesa")) < 50
	assert similarity("", "x") == 0


def test_tax_ids_and_phones_compare_on_their_characters_only():
	assert normalise_tax_id(" gb 123-456.789 ") == "GB123456789"
	assert phone_digits("+86 138-0013 8000") == "8613800138000"


def test_completeness_is_the_share_of_weight_filled():
	weights = {"email_id": 60, "mobile_no": 40}
	assert score({"email_id": "a@b.cn", "mobile_no": ""}, weights) == 60
	assert score({"email_id": "a@b.cn", "mobile_no": "+8613800138000"}, weights) == 100
	assert score({}, weights) == 0
	assert score({"email_id": "x"}, {}) == 0


def test_weights_from_settings_fall_back_on_bad_json():
	assert parse_weights("not json") == DEFAULT_WEIGHTS
	assert parse_weights('{"email_id": "10", "mobile_no": -5, "x": "y"}') == {"email_id": 10}
	assert parse_weights("[1, 2]") == DEFAULT_WEIGHTS
