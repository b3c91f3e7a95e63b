"""The refresh computes tiers, stages, RFM scores, segments and cut points in SQL; the pure functions of
``tiers``, ``lifecycle`` and ``rfm`` define them. These tests run the SQL on the site's MariaDB over
thousands of generated figures, boundary values included, and compare every answer with the pure one."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

import frappe
import pytest
from frappe.utils import add_months
from support.queries import statements_sent

from crm_profiles.analytics import figures, rfm
from crm_profiles.analytics.lifecycle import StageRules, lifecycle_stage
from crm_profiles.analytics.tiers import TierRule, assign_tier, sort_rules

TODAY = date(2026, 3, 31)  # a month's last day: whole months from the 29th to the 31st are the edge
TIERS = sort_rules(
	[
		TierRule("Platinum", 40, min_window_value=50000, min_order_count=12, min_tenure_months=24),
		TierRule("Gold", 30, min_window_value=20000, max_days_since_last_order=90, is_loyal=True),
		TierRule("Silver", 20, min_order_count=4, min_tenure_months=6),
		TierRule("Bronze", 10, max_days_since_last_order=365),
		TierRule("Aluminium", 10, min_order_count=12),  # equal rank: the name decides (``sort_rules``)
		TierRule("Anyone", 5),
	]
)
CUTS = {
	"recency": (30.0, 90.0, 180.0, 365.0),
	"frequency": (1.0, 2.0, 4.0, 8.0),
	"monetary": (999.99, 5000.0, 20000.005, 50000.0),
}


def _text_literal(value) -> str:
	return frappe.db.escape(str(value), percent=False)


def _decimal_text(value: Decimal) -> str:
	"""A Decimal as MariaDB prints a DECIMAL column: never with an exponent ("0E-9")."""
	return format(value, "f")


# How each type of value of the generated rows becomes an SQL literal. Numbers and dates are formatted
# directly (they cannot carry quotes); text goes through the driver's escaping.
_LITERALS = {
	type(None): lambda v: "NULL",
	bool: lambda v: "1" if v else "0",
	int: str,
	Decimal: _decimal_text,
	float: repr,
	datetime: lambda v: f"'{v.isoformat(sep=' ')}'",
	date: lambda v: f"'{v.isoformat()}'",
	str: _text_literal,
}


def sql_literal(value) -> str:
	"""A value of the generated rows as an SQL literal."""
	return _LITERALS.get(type(value), _text_literal)(value)


def random_figures(rng: random.Random) -> dict:
	count = rng.choice([0, 0, 1, 2, 3, 4, 5, 8, 9, 12, 40])
	if not count:
		return {
			"order_count": 0,
			"first_order_date": None,
			"days_since_last_order": 0,
			"window_order_count": 0,
			"window_value": Decimal(0),
			"lifetime_value": Decimal(rng.choice([0, -120])),
		}
	first = TODAY - timedelta(days=rng.choice([0, 1, 89, 90, 91, 180, 183, 365, 730, 731, 1100]))
	first = rng.choice([first, date(first.year, first.month, 28), date(first.year, first.month, 1)])
	days = rng.choice([0, 1, 30, 31, 89, 90, 91, 364, 365, 366, 500])
	value = rng.choice([0, 999.99, 1000, 5000, 19999.99, 20000, 20000.005, 20000.01, 50000, 50000.001, 1e6])
	return {
		"order_count": count,
		"first_order_date": min(first, TODAY),
		"days_since_last_order": days,
		"window_order_count": rng.choice([0, 1, 3, 4, 5, 11, 12, 13]),
		"window_value": Decimal(str(value)).quantize(figures.MONEY),
		"lifetime_value": Decimal(str(value * rng.choice([1, 1.5, 3]))).quantize(figures.MONEY),
	}


def sql_rows(rows: list[dict], columns: dict[str, str], params: dict) -> list[dict]:
	"""Evaluate ``columns`` (SQL over the alias ``f``) for each row given as literals."""
	selects = []
	for i, row in enumerate(rows):
		values = {"idx": i, **row}
		selects.append(
			"select "
			+ ", ".join(
				f"cast({sql_literal(v)} as date) as `{k}`"
				if k == "first_order_date"
				else f"{sql_literal(v)} as `{k}`"
				for k, v in values.items()
			)
		)
	derived = " union all ".join(selects)
	select = ", ".join(f"{expr} as `{name}`" for name, expr in columns.items())
	return frappe.db.sql(f"select f.idx, {select} from ({derived}) f order by f.idx", params, as_dict=True)


@pytest.fixture
def config():
	return figures.Config(
		tiers=TIERS,
		stage_rules=StageRules(new_days=90, loyal_orders=5, at_risk_days=90, churned_days=365),
		cuts=CUTS,
	)


def test_tiers_and_stages_in_sql_equal_the_pure_rules(config):
	rng = random.Random(7)
	rows = [random_figures(rng) for _ in range(3000)]
	params = {"today": TODAY}
	tier = figures.tier_sql(config, params)
	# the stage reads the tier: evaluate it over the rows with their pure tier beside them
	for row in rows:
		row["tier"] = assign_tier(row, config.tiers, TODAY)
	stage = figures.stage_sql(config, params, "f")
	got = sql_rows(rows, {"sql_tier": tier, "sql_stage": stage}, params)
	mismatches = []
	for row, answer in zip(rows, got, strict=True):
		expected_stage = lifecycle_stage(
			row, config.stage_rules, TODAY, tier_is_loyal=row["tier"] in config.loyal_tiers
		)
		if (answer.sql_tier, answer.sql_stage) != (row["tier"], expected_stage):
			mismatches.append((row, answer.sql_tier, answer.sql_stage, expected_stage))
	assert not mismatches, mismatches[:3]
	assert {r["tier"] for r in rows} >= {"Platinum", "Gold", "Silver", "Bronze", "Aluminium", "Anyone"}
	assert {r.sql_stage for r in got} == {"Prospect", "New", "Active", "Loyal", "At Risk", "Churned"}


@pytest.mark.parametrize(
	"today", [date(2024, 2, 29), date(2024, 3, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 12, 31)]
)
def test_tenure_and_recency_rules_in_sql_equal_the_pure_rules_at_every_day_near_their_bounds(today):
	"""Whole months of tenure and days since the last order, in SQL and in the pure rules: every first
	and last order day around each bound (``add_months(today, -M)``, ``today - D``), on month ends and
	leap days, gets the same tier from both."""
	rules = sort_rules(
		[
			# the longest tenure held wins, then the shortest time since the last order held
			*(TierRule(f"Tenure {m}", 100 + m, min_tenure_months=m) for m in (1, 6, 12, 24)),
			*(
				TierRule(f"Recent {d}", 10 - i, max_days_since_last_order=d)
				for i, d in enumerate((1, 30, 90))
			),
		]
	)
	config = figures.Config(tiers=rules)
	rows = []
	for m in (1, 6, 12, 24):
		bound = add_months(today, -m)  # a date, the day clamped to the month's end
		for shift in range(-3, 4):
			first = bound + timedelta(days=shift)
			rows.append(
				{
					"order_count": 1,
					"first_order_date": first,
					"days_since_last_order": max((today - first).days, 0),
					"window_order_count": 1,
					"window_value": Decimal(1),
					"lifetime_value": Decimal(1),
				}
			)
	for d in (1, 30, 90):
		for shift in range(-2, 3):
			last = today - timedelta(days=d + shift)
			rows.append(
				{
					"order_count": 1,
					"first_order_date": today,  # no tenure rule holds
					"days_since_last_order": max((today - last).days, 0),
					"window_order_count": 1,
					"window_value": Decimal(1),
					"lifetime_value": Decimal(1),
				}
			)
	params = {"today": today}
	got = sql_rows(rows, {"sql_tier": figures.tier_sql(config, params)}, params)
	expected = [assign_tier(row, rules, today) for row in rows]
	assert [r.sql_tier for r in got] == expected
	assert len(set(expected)) >= 5  # the bounds split the rows between rules


def test_scores_and_segments_in_sql_equal_the_pure_rfm(config):
	rng = random.Random(11)
	rows = [random_figures(rng) for _ in range(3000)]
	params = {}
	scores = figures.score_sql(CUTS, params, "f")
	scores["rfm_segment"] = figures.segment_sql(params, *scores.values())
	got = sql_rows(rows, scores, params)
	mismatches = []
	for row, answer in zip(rows, got, strict=True):
		r, f, m = rfm.rfm_scores(
			row["order_count"], row["days_since_last_order"], row["lifetime_value"], CUTS
		)
		expected = (r, f, m, rfm.segment(r, f, m) or None)
		actual = (answer.recency_score, answer.frequency_score, answer.monetary_score, answer.rfm_segment)
		if expected != actual:
			mismatches.append((row, expected, actual))
	assert not mismatches, mismatches[:3]
	assert {r.rfm_segment for r in got} >= set(rfm.SEGMENTS) - {"Cannot Lose"}


def test_no_cut_points_score_zero_in_sql_as_in_python():
	rows = [random_figures(random.Random(3)) for _ in range(20)]
	params = {}
	got = sql_rows(rows, figures.score_sql({}, params, "f"), params)
	assert {(r.recency_score, r.frequency_score, r.monetary_score) for r in got} == {(0, 0, 0)}


def test_cut_points_in_sql_equal_the_pure_quintiles():
	"""Nearest-rank quintiles over the stored profiles, ties and all, against ``rfm.cut_points_from``."""
	from support.factories import make_customer

	rng = random.Random(5)

	def stored():
		return frappe.db.sql(
			"select order_count, days_since_last_order, lifetime_value from `tabCustomer Profile`"
		)

	frappe.db.sql("update `tabCustomer Profile` set order_count = 0")  # from no buyer up (rolled back)
	assert figures.cut_points() == {"frequency": (), "recency": (), "monetary": ()}
	for i in range(37):  # a count not divisible by 5: the ranks round up
		name = make_customer().name
		frappe.db.set_value(
			"Customer Profile",
			name,
			{
				"order_count": rng.choice([0, 1, 1, 2, 3, 7]),
				"days_since_last_order": rng.choice([3, 30, 30, 200]),
				"lifetime_value": rng.choice([10, 10, 99.5, 1234.56, 5e4]),
			},
			update_modified=False,
		)
		if i < 10:  # the nearest ranks of the first few counts, each rounded on the server
			assert figures.cut_points() == rfm.cut_points_from(stored())
	assert figures.cut_points() == rfm.cut_points_from(stored())


def test_the_cut_points_are_read_from_an_index_alone():
	"""EXPLAIN of each statement ``cut_points`` runs as the refresh calls it: the profile table is read
	through the cut-point index and nothing else ("Using index": no profile row is read)."""
	from support.factories import make_customer

	from crm_profiles.crm_profiles.doctype.customer_profile.customer_profile import CUT_POINTS_INDEX

	# Buyers of its own (rolled back): with none on the site, cut_points stops after its first read.
	for count in (1, 2, 5):
		frappe.db.set_value(
			"Customer Profile",
			make_customer().name,
			{"order_count": count, "lifetime_value": 10 * count, "last_order_date": date.today()},
			update_modified=False,
		)
	index = frappe.db.get_index_name(list(CUT_POINTS_INDEX))
	assert frappe.db.has_index("tabCustomer Profile", index)
	with statements_sent() as sent:
		figures.cut_points(figures.DAYS_SQL, {"today": date.today()})
	reads = [s for s in sent if "`tabCustomer Profile`" in str(s[0])]
	assert len(reads) == 3  # frequency, recency, monetary
	for query, values in reads:
		plan = frappe.db.sql("explain " + query, values, as_dict=True)
		profiles = [row for row in plan if row.table == "tabCustomer Profile"]
		assert len(profiles) == 1, plan
		assert profiles[0].key == index and "Using index" in (profiles[0].Extra or ""), plan


@pytest.mark.parametrize(
	"lifetime, count",
	[
		("100", 3),
		("-100", 3),
		("0.000000005", 2),
		("-0.000000005", 2),
		("2", 3),
		("1.000000001", 2),
		("7", 7),
	],
)
def test_the_average_rounds_half_away_from_zero_in_sql_and_python(lifetime, count):
	expected = (Decimal(lifetime) / count).quantize(figures.MONEY, rounding="ROUND_HALF_UP")
	sql = frappe.db.sql(
		f"select {figures.average_sql('%(lifetime)s', '%(count)s')}",
		{"lifetime": Decimal(lifetime), "count": count},
	)[0][0]
	assert figures.average(Decimal(lifetime), count) == expected
	assert Decimal(sql).quantize(figures.MONEY) == expected
