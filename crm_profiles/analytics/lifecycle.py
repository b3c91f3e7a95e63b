"""Lifecycle stages after the sale. Pure functions: no site needed.

In order of precedence:

1. Prospect: no orders.
2. Churned: more than Y days since the last order.
3. At Risk: more than X days since the last order.
4. Loyal: at least K orders in the trailing window, or a tier flagged "Counts as Loyal".
5. New: the first order is at most N days old.
6. Active: everyone else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

STAGES = ("Prospect", "New", "Active", "Loyal", "At Risk", "Churned")


@dataclass(frozen=True)
class StageRules:
	new_days: int = 90  # N
	loyal_orders: int = 5  # K
	at_risk_days: int = 90  # X
	churned_days: int = 365  # Y


def lifecycle_stage(figures: dict, rules: StageRules, today: date, tier_is_loyal: bool = False) -> str:
	if not figures.get("order_count"):
		return "Prospect"
	days = int(figures["days_since_last_order"])
	if days > rules.churned_days:
		return "Churned"
	if days > rules.at_risk_days:
		return "At Risk"
	if tier_is_loyal or (
		rules.loyal_orders and int(figures.get("window_order_count") or 0) >= rules.loyal_orders
	):
		return "Loyal"
	if (today - figures["first_order_date"]).days <= rules.new_days:
		return "New"
	return "Active"
