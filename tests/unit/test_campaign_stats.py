"""Wilson and Newcombe intervals against published figures (Newcombe 1998, tables I and II)."""

import pytest

from crm_profiles.campaigns.stats import newcombe_difference, wilson


def test_wilson_matches_newcombe_table_one():
	assert wilson(81, 263) == pytest.approx((0.2553, 0.3662), abs=5e-5)
	assert wilson(15, 148) == pytest.approx((0.0624, 0.1605), abs=5e-5)
	assert wilson(0, 20) == pytest.approx((0.0, 0.1611), abs=5e-5)
	assert wilson(1, 29) == pytest.approx((0.0061, 0.1718), abs=5e-5)


def test_newcombe_hybrid_score_matches_table_two():
	d = newcombe_difference(56, 70, 48, 80)
	assert d.difference == pytest.approx(0.2)
	assert (d.low, d.high) == pytest.approx((0.0524, 0.3339), abs=5e-5)
	d = newcombe_difference(9, 10, 3, 10)
	assert (d.low, d.high) == pytest.approx((0.1705, 0.8090), abs=5e-5)
	d = newcombe_difference(6, 7, 2, 7)
	assert (d.low, d.high) == pytest.approx((0.0582, 0.8062), abs=5e-5)
	d = newcombe_difference(0, 10, 0, 20)
	assert (d.low, d.high) == pytest.approx((-0.1611, 0.2775), abs=5e-5)


def test_relative_uplift_and_empty_groups():
	d = newcombe_difference(30, 100, 20, 100)
	assert d.relative == pytest.approx(0.5)
	assert newcombe_difference(3, 10, 0, 10).relative is None
	assert newcombe_difference(1, 0, 1, 10) is None
	assert wilson(0, 0) == (0.0, 1.0)
