"""RFM scoring and the segment map. Pure functions: no site needed.

Scores run from 1 (worst) to 5 (best); a customer without orders scores 0 and has no segment.

- R is read from the days since the last order (fewer days, higher score).
- F is the lifetime order count, M the lifetime value in company currency.

Both modes score a value against four ascending cut points, so ties always share a score and the result
does not depend on row order (a full refresh run twice gives identical scores):

- quintiles: the cut points are the 20th, 40th, 60th and 80th percentiles (nearest rank) over every
  customer with orders, recomputed by each full refresh;
- fixed thresholds: the cut points come from CRM Profile Settings.

A value at or below the first cut point scores 1 (for recency: 5), above the fourth scores 5 (recency: 1).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import pairwise

# Segment names never reuse a lifecycle stage's name (``lifecycle.STAGES``), in English or in Chinese:
# a customer can be in the stage "At Risk" and the segment "Champions", and a reader must tell them apart.
SEGMENTS = (
	"Champions",
	"Loyal Customers",
	"Potential Loyalist",
	"Recent Customers",
	"Promising",
	"Need Attention",
	"About to Sleep",
	"Slipping Away",
	"Cannot Lose",
	"Hibernating",
	"Lost",
)

# Names of segments before they were told apart from the stages; ``patches/rename_rfm_segments`` moves them.
RENAMED_SEGMENTS = {"New": "Recent Customers", "Loyal": "Loyal Customers", "At Risk": "Slipping Away"}

# The standard RFM segment map on a 5 x 5 grid: rows are R (5 = ordered most recently), columns are
# FM = the rounded-up mean of F and M (1 = fewest and smallest orders, 5 = most and largest).
SEGMENT_MAP: dict[int, tuple[str, str, str, str, str]] = {
	#    FM=1                FM=2                  FM=3                  FM=4               FM=5
	5: ("Recent Customers", "Potential Loyalist", "Potential Loyalist", "Champions", "Champions"),
	4: ("Promising", "Potential Loyalist", "Loyal Customers", "Loyal Customers", "Champions"),
	3: ("Promising", "Need Attention", "Need Attention", "Loyal Customers", "Loyal Customers"),
	2: ("About to Sleep", "About to Sleep", "Slipping Away", "Slipping Away", "Cannot Lose"),
	1: ("Lost", "Hibernating", "Hibernating", "Slipping Away", "Cannot Lose"),
}

DEFAULT_THRESHOLDS = {
	"recency": (30.0, 90.0, 180.0, 365.0),
	"frequency": (1.0, 2.0, 4.0, 8.0),
	"monetary": (1000.0, 5000.0, 20000.0, 50000.0),
}


class ThresholdError(ValueError):
	pass


def parse_thresholds(text: str | None, default: Sequence[float]) -> tuple[float, ...]:
	"""Read "30, 90, 180, 365" into four ascending numbers; empty text gives the default."""
	if not (text or "").strip():
		return tuple(float(v) for v in default)
	try:
		values = tuple(float(part) for part in text.replace(";", ",").split(",") if part.strip())
	except ValueError as exc:
		raise ThresholdError(text) from exc
	if len(values) != 4 or any(b <= a for a, b in pairwise(values)):
		raise ThresholdError(text)
	return values


def quintile_ranks(n: int) -> tuple[int, ...]:
	"""The nearest ranks (1-based) of the 20th, 40th, 60th and 80th percentiles of ``n`` values."""
	return tuple(max(math.ceil(k * n / 5), 1) for k in (1, 2, 3, 4))


def quintile_cut_points(values: Sequence[float]) -> tuple[float, ...]:
	"""The 20th, 40th, 60th and 80th percentiles (nearest rank) of ``values``; () when empty."""
	ordered = sorted(values)
	if not ordered:
		return ()
	return tuple(float(ordered[rank - 1]) for rank in quintile_ranks(len(ordered)))


def quintile_cut_points_counted(counted: Sequence[tuple[float, int]]) -> tuple[float, ...]:
	"""``quintile_cut_points`` of the values that ``counted`` gives as (value, how many times), in
	ascending order of value: the value at each rank is the first whose running count reaches it."""
	ranks = quintile_ranks(sum(int(times) for _value, times in counted))
	if not counted:
		return ()
	cuts, seen, i = [], 0, 0
	for rank in ranks:  # ascending, each within the total
		while seen + int(counted[i][1]) < rank:
			seen += int(counted[i][1])
			i += 1
		cuts.append(float(counted[i][0]))
	return tuple(cuts)


def score_higher_is_better(value: float, cuts: Sequence[float]) -> int:
	return 1 + sum(1 for c in cuts if value > c)


def score_lower_is_better(value: float, cuts: Sequence[float]) -> int:
	return 5 - sum(1 for c in cuts if value > c)


def rfm_scores(
	order_count: int, days_since_last_order: int, lifetime_value: float, cuts: dict[str, Sequence[float]]
) -> tuple[int, int, int]:
	"""(R, F, M) for one customer; (0, 0, 0) without orders or without cut points."""
	if not order_count or not all(cuts.get(k) for k in ("recency", "frequency", "monetary")):
		return 0, 0, 0
	# Floats throughout: a Decimal compares exactly with a float cut point, so 1234.56 (Decimal) would
	# score above the cut point 1234.56 (float) and a full refresh and an incremental update could differ.
	return (
		score_lower_is_better(int(days_since_last_order), cuts["recency"]),
		score_higher_is_better(int(order_count), cuts["frequency"]),
		score_higher_is_better(float(lifetime_value), cuts["monetary"]),
	)


def segment(r: int, f: int, m: int) -> str:
	"""The segment label for scores 1..5, or "" when the customer is unscored."""
	if not (r and f and m):
		return ""
	fm = (f + m + 1) // 2
	return SEGMENT_MAP[r][fm - 1]


def cut_points_from(rows: Sequence[tuple[int, int, float]]) -> dict[str, tuple[float, ...]]:
	"""Quintile cut points from (order_count, days_since_last_order, lifetime_value) of customers with orders."""
	rows = [r for r in rows if r[0]]
	return {
		"frequency": quintile_cut_points([r[0] for r in rows]),
		"recency": quintile_cut_points([r[1] for r in rows]),
		"monetary": quintile_cut_points([float(r[2]) for r in rows]),
	}
