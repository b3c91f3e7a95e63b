"""Pure statistics for campaign effect: Wilson score intervals and Newcombe's interval for a difference.

Newcombe (1998), "Interval estimation for the difference between independent proportions", method 10
(the hybrid score interval): it stays inside [-1, 1] and behaves at 0 % and 100 %, unlike the Wald
interval, which collapses to zero width when a group has no conversions.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import sqrt

Z95 = 1.959963984540054


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
	"""Wilson score interval for one proportion; (0, 1) when n is 0."""
	if n <= 0:
		return 0.0, 1.0
	p = successes / n
	denominator = 1 + z * z / n
	centre = (p + z * z / (2 * n)) / denominator
	half = z * sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
	return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Difference:
	"""p1 - p2 with its confidence interval; ``relative`` is p1 / p2 - 1 (None when p2 is 0)."""

	p1: float
	p2: float
	difference: float
	low: float
	high: float
	relative: float | None


def newcombe_difference(x1: int, n1: int, x2: int, n2: int, z: float = Z95) -> Difference | None:
	"""Difference of two proportions x1/n1 - x2/n2 with Newcombe's hybrid score interval."""
	if n1 <= 0 or n2 <= 0:
		return None
	p1, p2 = x1 / n1, x2 / n2
	l1, u1 = wilson(x1, n1, z)
	l2, u2 = wilson(x2, n2, z)
	d = p1 - p2
	low = d - sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
	high = d + sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
	return Difference(p1, p2, d, low, high, (p1 / p2 - 1) if p2 else None)
