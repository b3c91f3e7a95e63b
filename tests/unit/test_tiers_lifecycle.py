"""Tier rules and lifecycle stages (pure, no site)."""

from datetime import date

from crm_profiles.analytics.lifecycle import StageRules, lifecycle_stage
from crm_profiles.analytics.tiers import TierRule, assign_tier, months_between, sort_rules

TODAY = date(2026, 6, 15)


def figures(count=3, first=date(2025, 1, 1), days=10, window_count=3, window_value=1000):
	return {
		"order_count": count,
		"first_order_date": first if count else None,
		"days_since_last_order": days,
		"window_order_count": window_count,
		"window_value": window_value,
	}


def test_months_between_counts_whole_months():
	assert months_between(date(2026, 1, 31), date(2026, 2, 28)) == 0
	assert months_between(date(2026, 1, 15), date(2026, 2, 15)) == 1
	assert months_between(date(2026, 1, 15), date(2026, 2, 14)) == 0
	assert months_between(date(2026, 3, 1), date(2026, 1, 1)) == 0


def test_highest_ranked_tier_whose_criteria_all_hold():
	rules = sort_rules(
		[
			TierRule("Bronze", 10),
			TierRule("Gold", 30, min_window_value=5000),
			TierRule("Silver", 20, min_window_value=1000, min_order_count=3),
		]
	)
	assert assign_tier(figures(), rules, TODAY) == "Silver"
	assert assign_tier(figures(window_value=999.99), rules, TODAY) == "Bronze"
	assert assign_tier(figures(window_value=5000), rules, TODAY) == "Gold"


def test_each_criterion_on_its_own():
	value = [TierRule("T", 1, min_window_value=500)]
	assert assign_tier(figures(window_value=500), value, TODAY) == "T"
	assert assign_tier(figures(window_value=499), value, TODAY) is None
	count = [TierRule("T", 1, min_order_count=3)]
	assert assign_tier(figures(window_count=3), count, TODAY) == "T"
	assert assign_tier(figures(window_count=2), count, TODAY) is None
	tenure = [TierRule("T", 1, min_tenure_months=6)]
	assert assign_tier(figures(first=date(2025, 12, 15)), tenure, TODAY) == "T"
	assert assign_tier(figures(first=date(2025, 12, 16)), tenure, TODAY) is None
	assert assign_tier(figures(count=0), tenure, TODAY) is None
	recency = [TierRule("T", 1, max_days_since_last_order=30)]
	assert assign_tier(figures(days=30), recency, TODAY) == "T"
	assert assign_tier(figures(days=31), recency, TODAY) is None
	assert assign_tier(figures(count=0, days=0), recency, TODAY) is None


def test_equal_ranks_are_chosen_by_name():
	rules = sort_rules([TierRule("B", 5), TierRule("A", 5)])
	assert assign_tier(figures(), rules, TODAY) == "A"


RULES = StageRules(new_days=90, loyal_orders=5, at_risk_days=90, churned_days=365)


def test_stages_in_order_of_precedence():
	assert lifecycle_stage(figures(count=0), RULES, TODAY) == "Prospect"
	assert lifecycle_stage(figures(days=366), RULES, TODAY) == "Churned"
	assert lifecycle_stage(figures(days=365), RULES, TODAY) == "At Risk"
	assert lifecycle_stage(figures(days=91), RULES, TODAY) == "At Risk"
	assert lifecycle_stage(figures(days=90, window_count=5), RULES, TODAY) == "Loyal"
	assert lifecycle_stage(figures(days=10, window_count=1), RULES, TODAY, tier_is_loyal=True) == "Loyal"
	assert lifecycle_stage(figures(first=date(2026, 3, 17), days=0), RULES, TODAY) == "New"
	assert lifecycle_stage(figures(first=date(2026, 3, 16), days=0), RULES, TODAY) == "Active"
