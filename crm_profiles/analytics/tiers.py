"""Tier rules. Pure functions: no site needed.

A customer gets the highest-ranked tier whose criteria all hold; a criterion left at 0 is ignored.

- min_window_value: value in the trailing window is at least this;
- min_order_count: orders in the trailing window are at least this;
- min_tenure_months: whole months since the first order are at least this;
- max_days_since_last_order: days since the last order are at most this (a customer without orders fails).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class TierRule:
	name: str
	rank: int
	min_window_value: float = 0
	min_order_count: int = 0
	min_tenure_months: int = 0
	max_days_since_last_order: int = 0
	is_loyal: bool = False


def months_between(start: date, end: date) -> int:
	"""Whole months from ``start`` to ``end`` (0 when end is before start)."""
	months = (end.year - start.year) * 12 + (end.month - start.month)
	if end.day < start.day:
		months -= 1
	return max(months, 0)


def tier_holds(rule: TierRule, figures: dict, today: date) -> bool:
	if rule.min_window_value and float(figures.get("window_value") or 0) < float(rule.min_window_value):
		return False
	if rule.min_order_count and int(figures.get("window_order_count") or 0) < int(rule.min_order_count):
		return False
	first = figures.get("first_order_date")
	if rule.min_tenure_months and (not first or months_between(first, today) < rule.min_tenure_months):
		return False
	if rule.max_days_since_last_order and (
		not figures.get("order_count")
		or int(figures["days_since_last_order"]) > rule.max_days_since_last_order
	):
		return False
	return True


def sort_rules(rules: list[TierRule]) -> list[TierRule]:
	"""Highest rank first; equal ranks in name order, so the choice never depends on row order."""
	return sorted(rules, key=lambda r: (-int(r.rank or 0), r.name))


def assign_tier(figures: dict, rules: list[TierRule], today: date) -> str | None:
	"""The name of the highest-ranked tier whose criteria all hold, or None. ``rules`` come sorted."""
	for rule in rules:
		if tier_holds(rule, figures, today):
			return rule.name
	return None
