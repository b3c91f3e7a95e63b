"""RFM scoring and the segment map (pure, no site)."""

import random
from collections import Counter

import pytest

from crm_profiles.analytics import rfm


def test_quintile_cut_points_use_nearest_rank():
	assert rfm.quintile_cut_points(list(range(1, 11))) == (2.0, 4.0, 6.0, 8.0)
	assert rfm.quintile_cut_points([7]) == (7.0, 7.0, 7.0, 7.0)
	assert rfm.quintile_cut_points([]) == ()


def test_cut_points_from_counted_values_equal_those_from_the_values():
	rng = random.Random(11)
	for n in [0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 37, 100, 101]:
		for _ in range(20):
			values = [rng.choice([0, 1, 1, 2, 3, 7, 30, 200]) for _ in range(n)]
			counted = sorted(Counter(values).items())
			assert rfm.quintile_cut_points_counted(counted) == rfm.quintile_cut_points(values), values


def test_scores_split_ten_customers_into_five_equal_groups():
	values = list(range(1, 11))
	cuts = rfm.quintile_cut_points(values)
	assert [rfm.score_higher_is_better(v, cuts) for v in values] == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
	assert [rfm.score_lower_is_better(v, cuts) for v in values] == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]


def test_ties_share_a_score_whatever_the_row_order():
	values = [5, 1, 5, 5, 5, 9, 5]
	cuts = rfm.quintile_cut_points(values)
	scores = {v: rfm.score_higher_is_better(v, cuts) for v in values}
	assert rfm.quintile_cut_points(list(reversed(values))) == cuts
	assert len({rfm.score_higher_is_better(5, cuts) for _ in values}) == 1
	assert scores[1] <= scores[5] <= scores[9]


def test_a_customer_without_orders_or_without_cut_points_is_unscored():
	cuts = rfm.DEFAULT_THRESHOLDS
	assert rfm.rfm_scores(0, 0, 0, cuts) == (0, 0, 0)
	assert rfm.rfm_scores(3, 10, 100, {}) == (0, 0, 0)
	assert rfm.segment(0, 0, 0) == ""


def test_fixed_thresholds_are_upper_bounds_of_scores():
	cuts = {"recency": (30, 90, 180, 365), "frequency": (1, 2, 4, 8), "monetary": (1000, 5000, 20000, 50000)}
	assert rfm.rfm_scores(1, 30, 1000, cuts) == (5, 1, 1)
	assert rfm.rfm_scores(2, 31, 1000.01, cuts) == (4, 2, 2)
	assert rfm.rfm_scores(9, 366, 50001, cuts) == (1, 5, 5)


@pytest.mark.parametrize(
	"r, f, m, expected",
	[
		(5, 5, 5, "Champions"),
		(5, 1, 1, "Recent Customers"),
		(4, 1, 1, "Promising"),
		(5, 2, 2, "Potential Loyalist"),
		(4, 3, 3, "Loyal Customers"),
		(3, 2, 3, "Need Attention"),
		(2, 1, 2, "About to Sleep"),
		(2, 3, 4, "Slipping Away"),
		(1, 5, 5, "Cannot Lose"),
		(1, 2, 2, "Hibernating"),
		(1, 1, 1, "Lost"),
	],
)
def test_segment_map(r, f, m, expected):
	assert rfm.segment(r, f, m) == expected


def test_the_map_uses_every_segment_and_only_those():
	used = {label for row in rfm.SEGMENT_MAP.values() for label in row}
	assert used == set(rfm.SEGMENTS)
	assert all(len(row) == 5 for row in rfm.SEGMENT_MAP.values())


def test_segments_never_share_a_name_with_a_lifecycle_stage():
	from crm_profiles.analytics.lifecycle import STAGES

	assert not set(rfm.SEGMENTS) & set(STAGES)
	assert set(rfm.RENAMED_SEGMENTS.values()) <= set(rfm.SEGMENTS)
	assert not set(rfm.RENAMED_SEGMENTS) & set(rfm.SEGMENTS)


def test_parse_thresholds():
	assert rfm.parse_thresholds(" 30, 90 ,180,365", (0, 1, 2, 3)) == (30, 90, 180, 365)
	assert rfm.parse_thresholds("", (1, 2, 3, 4)) == (1, 2, 3, 4)
	for bad in ("1,2,3", "4,3,2,1", "1,1,2,3", "a,b,c,d"):
		with pytest.raises(rfm.ThresholdError):
			rfm.parse_thresholds(bad, (0, 1, 2, 3))


def test_decimal_and_float_values_score_alike():
	from decimal import Decimal

	cuts = {
		"recency": (30, 90, 180, 365),
		"frequency": (1, 2, 4, 8),
		"monetary": (1234.56, 5000, 20000, 50000),
	}
	assert (
		rfm.rfm_scores(1, 10, Decimal("1234.560000000"), cuts)
		== rfm.rfm_scores(1, 10, 1234.56, cuts)
		== (5, 1, 1)
	)
