"""Purchase figures, tier, stage and RFM for profiles: one grouped pass over orders, on the server.

The full refresh and the incremental update on an order event run the same SQL: ``new_values_sql``, one
SELECT of every new value of a set of profiles (a range of names, or one customer), compiled from the
configuration: the grouped pass over the orders (``aggregate_sql``), and the rules of ``tiers``,
``lifecycle`` and ``rfm`` as CASE expressions whose thresholds are parameters. So an incremental update
agrees exactly with a full refresh.

A full refresh sends no row to Python: the profiles whose values changed (other than by the calendar)
go into a temporary table, the changes of tier and stage are logged from it, one UPDATE writes those
profiles, and one more sets every buyer's days since the last order. The scoring pass (``rescore``)
reads the quintile cut points at their ranks and rescores in one UPDATE. The incremental update reads
its one row back, writes it, and logs its changes.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

import frappe
from frappe import _
from frappe.utils import add_months, getdate, now_datetime

from crm_profiles.analytics import rfm
from crm_profiles.analytics.lifecycle import StageRules, lifecycle_stage
from crm_profiles.analytics.tiers import TierRule, assign_tier, sort_rules
from crm_profiles.utils.sql import insert_values

PROFILE = "Customer Profile"
CHANGE = "Customer Profile Change"
SETTINGS = "CRM Profile Settings"

# Fixed SQL fragments chosen by a setting: never user input.
SOURCES = {
	"Sales Order": {"table": "`tabSales Order`", "date": "transaction_date", "counts": None},
	"Sales Invoice": {"table": "`tabSales Invoice`", "date": "posting_date", "counts": "is_return = 0"},
}
VALUE_FIELDS = {"Net Total": "base_net_total", "Grand Total": "base_grand_total"}

FIGURE_FIELDS = (
	"first_order_date",
	"last_order_date",
	"days_since_last_order",
	"order_count",
	"lifetime_value",
	"average_order_value",
	"window_order_count",
	"window_value",
)
SCORE_FIELDS = ("recency_score", "frequency_score", "monetary_score", "rfm_segment")
# The currency the figures are in, shown on the profile beside them.
CURRENCY_FIELD = "figures_currency"
RULE_FIELDS = ("tier", "lifecycle_stage")
BATCH = 1000
MONEY = Decimal("0.000000001")


@dataclass
class Config:
	source: str = "Sales Order"
	value_field: str = "base_net_total"
	window_months: int = 12
	company: str | None = None
	rfm_mode: str = "Quintiles"
	cuts: dict[str, tuple[float, ...]] = field(default_factory=dict)
	stage_rules: StageRules = field(default_factory=StageRules)
	tiers: list[TierRule] = field(default_factory=list)
	update_on_events: bool = True
	# The reporting currency, and per company the rate from its currency into it (see ``currencies``).
	currency: str | None = None
	rates: dict[str, float] = field(default_factory=dict)
	left_out: list[str] = field(default_factory=list)
	# When the settings were last saved: part of every profile's figures basis (``basis``).
	version: str = ""

	@property
	def rates_differ(self) -> bool:
		"""Whether any company's orders are converted at a rate other than 1."""
		return any(r != 1 for r in self.rates.values())

	@property
	def loyal_tiers(self) -> set[str]:
		return {t.name for t in self.tiers if t.is_loyal}


def _int(value, default: int) -> int:
	try:
		value = int(float(value))  # tabSingles holds text: "12", or "12.0"
	except (TypeError, ValueError):
		return default
	return value if value > 0 else default


# Settings, tier rules, companies and the default company in one round trip: the recompute of one
# customer runs after every order submit, where each extra statement is a measurable share of its cost.
CONFIG_PARTS = """
	(select json_objectagg(field, value) from `tabSingles` where doctype = %(settings)s) as settings,
	(select json_arrayagg(json_array(name, `rank`, min_window_value, min_order_count, min_tenure_months,
		max_days_since_last_order, is_loyal)) from `tabCustomer Tier`) as tiers,
	(select json_objectagg(name, default_currency) from `tabCompany`) as companies,
	(select defvalue from `tabDefaultValue` where parent = '__default' and defkey = 'company'
		order by creation limit 1) as default_company"""
CONFIG_SQL = f"select {CONFIG_PARTS}"


def load_config() -> Config:
	"""Settings, tier rules and the RFM cut points in force, read once per run."""
	# One plain query (values as text; get_singles_dict's typing per field costs more than the whole
	# recompute of a customer); no cache that could outlive a rollback.
	return config_from(*frappe.db.sql(CONFIG_SQL, {"settings": SETTINGS})[0])


def config_from(
	settings: str | None, tier_rows: str | None, companies: str | None, default_company
) -> Config:
	"""The Config from ``CONFIG_PARTS``' four values (JSON text, as the database returns them)."""
	s = json.loads(settings or "{}")
	g = s.get
	mode = g("rfm_mode") or "Quintiles"
	if mode == "Fixed Thresholds":
		cuts = fixed_cut_points(g("recency_thresholds"), g("frequency_thresholds"), g("monetary_thresholds"))
	else:
		cuts = {k: tuple(v) for k, v in json.loads(g("rfm_cut_points") or "{}").items()}
	tiers = [
		TierRule(
			name=name,
			rank=rank or 0,
			min_window_value=min_window_value or 0,
			min_order_count=min_order_count or 0,
			min_tenure_months=min_tenure_months or 0,
			max_days_since_last_order=max_days or 0,
			is_loyal=bool(is_loyal),
		)
		for name, rank, min_window_value, min_order_count, min_tenure_months, max_days, is_loyal in json.loads(
			tier_rows or "[]"
		)
	]
	company = g("figures_company") or None
	currency, rates, left_out = currencies(company, getdate(), json.loads(companies or "{}"), default_company)
	return Config(
		currency=currency,
		rates=rates,
		left_out=left_out,
		source=g("figures_source") if g("figures_source") in SOURCES else "Sales Order",
		value_field=VALUE_FIELDS.get(g("order_value") or "", "base_net_total"),
		window_months=_int(g("window_months"), 12),
		company=company,
		rfm_mode=mode,
		cuts=cuts,
		stage_rules=StageRules(
			new_days=_int(g("new_customer_days"), 90),
			loyal_orders=_int(g("loyal_min_orders"), 5),
			at_risk_days=_int(g("at_risk_days"), 90),
			churned_days=_int(g("churned_days"), 365),
		),
		tiers=sort_rules(tiers),
		update_on_events=g("update_on_order_events") is None or bool(_int(g("update_on_order_events"), 0)),
		version=g("modified") or "",
	)


BASIS_FIELD = "figures_basis"


def basis(config: Config, today: date) -> str:
	"""What a profile's stored figures were computed against: the settings that choose and value the
	orders (saved when), the companies and rates, and the trailing window's start. A profile written by
	a full refresh or an exact recompute carries it; an order submitted for a profile whose basis is
	today's is added to its figures (``add_submitted_order``) instead of recomputing them from every
	order."""
	parts = (
		config.version,
		config.source,
		config.value_field,
		config.company or "",
		sorted(config.left_out),
		sorted(config.rates.items()),
		str(window_start(config, today)),
	)
	return hashlib.sha1(json.dumps(parts, default=str).encode()).hexdigest()[:20]


def latest_rate(from_currency: str, to_currency: str, on: date) -> float | None:
	"""The latest stored Currency Exchange rate on or before ``on`` (or the inverse of the reverse one).

	Never asks an exchange-rate web service: figures must not depend on the network.
	"""
	for a, b, invert in ((from_currency, to_currency, False), (to_currency, from_currency, True)):
		rate = frappe.db.sql(
			"""select exchange_rate from `tabCurrency Exchange`
			where from_currency = %s and to_currency = %s and date <= %s and exchange_rate > 0
			order by date desc, creation desc limit 1""",
			(a, b, on),
		)
		if rate:
			return 1 / float(rate[0][0]) if invert else float(rate[0][0])
	return None


def currencies(
	company: str | None, on: date, companies: dict[str, str], default: str | None
) -> tuple[str | None, dict[str, float], list[str]]:
	"""(reporting currency, {company: rate into it}, companies left out).

	With a company set, its currency and only its orders. Otherwise the default company's currency:
	orders of companies in another currency are converted at the latest stored rate, and companies
	without a stored rate are left out rather than added unconverted. ``companies``: {name: currency}.
	"""
	if company:
		return companies.get(company), {company: 1.0}, []
	if default not in companies:
		default = min(companies) if companies else None
	currency = companies.get(default)
	rates, left_out = {}, []
	for name, company_currency in sorted(companies.items()):
		rate = 1.0 if company_currency == currency else latest_rate(company_currency, currency, on)
		if rate:
			rates[name] = rate
		else:
			left_out.append(name)
	return currency, rates, left_out


def fixed_cut_points(recency: str | None, frequency: str | None, monetary: str | None) -> dict:
	return {
		"recency": rfm.parse_thresholds(recency, rfm.DEFAULT_THRESHOLDS["recency"]),
		"frequency": rfm.parse_thresholds(frequency, rfm.DEFAULT_THRESHOLDS["frequency"]),
		"monetary": rfm.parse_thresholds(monetary, rfm.DEFAULT_THRESHOLDS["monetary"]),
	}


# ---------------------------------------------------------------------------------------------
# 1. One grouped pass over the source documents
# ---------------------------------------------------------------------------------------------


def aggregate_sql(config: Config, condition: str = "", previous: bool = False) -> str:
	"""The grouped SELECT. Column and table names come from the fixed maps above; values are parameters.

	``previous`` adds the count and value of the window before the trailing one (for trends).
	"""
	src = SOURCES[config.source]
	d, v = src["date"], config.value_field
	if src["counts"]:
		counted = src["counts"]
		first = f"min(case when {counted} then {d} end)"
		last = f"max(case when {counted} then {d} end)"
		count = f"sum({counted})"
		window_count = f"sum({counted} and {d} > %(window_start)s)"
	else:
		first, last, count = f"min({d})", f"max({d})", "count(*)"
		window_count = f"sum({d} > %(window_start)s)"
	counted = src["counts"] or "1"
	company = "and company = %(company)s" if config.company else ""
	converted = {c: r for c, r in config.rates.items() if r != 1}
	if not config.company and converted:
		# Rates and company names are parameters; only their count shapes the SQL.
		cases = " ".join(f"when %(rate_company_{i})s then %(rate_{i})s" for i in range(len(converted)))
		v = f"({v} * case company {cases} else 1 end)"
	if not config.company and config.left_out:
		company = "and company not in %(left_out)s"
	in_previous = f"{d} > %(previous_start)s and {d} <= %(window_start)s"
	previous_columns = (
		f""", sum({counted} and {in_previous}) as previous_order_count,
			cast(sum(if({in_previous}, {v}, 0)) as decimal(38, 9)) as previous_value"""
		if previous
		else ""
	)
	return f"""
		select customer, {first} as first_order_date, {last} as last_order_date,
			{count} as order_count, cast(sum({v}) as decimal(38, 9)) as lifetime_value,
			{window_count} as window_order_count,
			cast(sum(if({d} > %(window_start)s, {v}, 0)) as decimal(38, 9)) as window_value{previous_columns}
		from {src["table"]}
		where docstatus = 1 {company} {condition}
		group by customer"""


def window_start(config: Config, today: date) -> date:
	"""Orders dated after this day are in the trailing window: (today - window months, today]."""
	return getdate(add_months(today, -config.window_months))


def aggregate(
	config: Config,
	today: date,
	customer: str | None = None,
	lo: str | None = None,
	hi: str | None = None,
	previous: bool = False,
	lock: bool = False,
) -> dict:
	"""{customer: aggregate row}. ``lock`` makes it a locking read: it sees every committed order, and
	holds them, whatever the transaction's snapshot."""
	params = aggregate_params(config, today, previous)
	conditions = []
	if customer is not None:
		conditions.append("and customer = %(customer)s")
		params["customer"] = customer
	if lo is not None:
		conditions.append("and customer >= %(lo)s")
		params["lo"] = lo
	if hi is not None:
		conditions.append("and customer < %(hi)s")
		params["hi"] = hi
	sql = aggregate_sql(config, " ".join(conditions), previous) + (" lock in share mode" if lock else "")
	rows = frappe.db.sql(sql, params, as_dict=True)
	return {r.customer: r for r in rows}


# ---------------------------------------------------------------------------------------------
# 2. One customer's figures in Python, for the profile header's live view (the refresh computes
#    them in SQL, ``new_values_sql``; a test checks that the two agree)
# ---------------------------------------------------------------------------------------------


def _money(value) -> Decimal:
	return Decimal(str(value or 0)).quantize(MONEY, ROUND_HALF_UP)


def average(lifetime: Decimal, count: int) -> Decimal:
	"""``lifetime / count`` rounded half away from zero to 9 places, exactly as ``new_values_sql`` does:
	on whole units of 10^-9, with integers."""
	units = int(lifetime.scaleb(9))
	whole = (2 * abs(units) + count) // (2 * count)
	return Decimal(whole if units >= 0 else -whole).scaleb(-9).quantize(MONEY)


def compute_figures(agg: dict | None, today: date) -> dict:
	"""The purchase summary of one customer from its aggregate row (None: no orders)."""
	if not agg or not agg.get("order_count"):
		return {
			"first_order_date": None,
			"last_order_date": None,
			"days_since_last_order": 0,
			"order_count": 0,
			"lifetime_value": _money(agg.lifetime_value if agg else 0),
			"average_order_value": _money(0),
			"window_order_count": 0,
			"window_value": _money(agg.window_value if agg else 0),
		}
	count = int(agg.order_count)
	lifetime = _money(agg.lifetime_value)
	last = getdate(agg.last_order_date)
	return {
		"first_order_date": getdate(agg.first_order_date),
		"last_order_date": last,
		"days_since_last_order": max((today - last).days, 0),
		"order_count": count,
		"lifetime_value": lifetime,
		"average_order_value": average(lifetime, count),
		"window_order_count": int(agg.window_order_count or 0),
		"window_value": _money(agg.window_value),
	}


# ---------------------------------------------------------------------------------------------
# 3. The change log
# ---------------------------------------------------------------------------------------------


def log_changes(changes: list[tuple], reason: str = "Rule") -> None:
	"""Insert Customer Profile Change rows (profile, kind, from, to) in bulk."""
	if not changes:
		return
	now, user = now_datetime(), frappe.session.user or "Administrator"
	columns = (
		"name",
		"creation",
		"modified",
		"owner",
		"modified_by",
		"docstatus",
		"idx",
		"customer_profile",
		"customer",
		"change_type",
		"from_value",
		"to_value",
		"changed_on",
		"reason",
		"changed_by",
	)
	insert_values(
		"Customer Profile Change",
		columns,
		[
			(
				frappe.generate_hash(length=12),
				now,
				now,
				user,
				user,
				0,
				0,
				profile,
				profile,
				kind,
				old,
				new,
				now,
				reason,
				user,
			)
			for profile, kind, old, new in changes
		],
		batch=BATCH,
	)


def rule_changes(name: str, current: dict, new: dict) -> list[tuple]:
	changes = []
	if (current.get("tier") or None) != (new["tier"] or None):
		changes.append((name, "Tier", current.get("tier") or "", new["tier"] or ""))
	if (current.get("lifecycle_stage") or "Prospect") != new["lifecycle_stage"]:
		changes.append(
			(name, "Lifecycle Stage", current.get("lifecycle_stage") or "", new["lifecycle_stage"])
		)
	return changes


# ---------------------------------------------------------------------------------------------
# The full refresh, one chunk at a time, and one customer at a time
# ---------------------------------------------------------------------------------------------


NEW_VALUES = "crm_profiles_new_values"  # the refresh's temporary table
# Text made of literals (the stage, the currency) would take the connection's collation, which on some
# sites differs from the tables' (utf8mb4_general_ci against utf8mb4_unicode_ci on Frappe 16): declared
# here, those columns take the database's, the tables' own, and compare with the profile's columns.
NEW_VALUES_COLUMNS = (
	f"primary key (name), tier varchar(140), lifecycle_stage varchar(140), {CURRENCY_FIELD} varchar(140)"
)
DAYS = "days_since_last_order"
# the days since the last order, as ``new_values_sql`` computes them, from a profile's last order date
DAYS_SQL = "if(last_order_date is null, 0, greatest(datediff(%(today)s, last_order_date), 0))"


TEMP_TABLE_BYTES = 512 * 1024 * 1024  # a cap for one statement of the nightly job, not an allocation


def refresh_range(
	config: Config, today: date, lo: str | None = None, hi: str | None = None, score: bool = False
) -> int:
	"""Figures, tier and stage for profiles with ``lo <= name < hi``, on the server; returns how many
	profiles changed other than by the calendar. Scores: ``rescore``, or here with ``score``.

	1. One UPDATE sets the days since the last order, which move every night for every buyer, from the
	stored last order date; with ``score`` (one range over every profile) it also sets the RFM scores from
	the cut points that the stored figures give (``expected_cut_points``). It matches every profile of the
	range, so it is also the lock: an order submitted meanwhile waits and is added to (or recomputed from)
	what this range commits, and nothing it writes is overwritten with older figures.
	2. One grouped pass over the range's orders computes the new values of every profile with orders,
	read from the grouped orders into the profiles' primary key (``write_new_values``): the profiles where
	anything but the days differs go into a temporary table, their old tier and stage beside the new.
	The changes of tier and stage are logged from it, and one join UPDATE writes those profiles. A second
	pass does the same for the profiles without orders, found through the index on the order count;
	when a profile whose stored count is above 0 has no orders left, over every profile of the range.
	3. With ``score``, when step 2 changed no order count, lifetime value or last order date,
	the cut points the first UPDATE scored with are those of the figures now stored, and are stored as
	they are. Otherwise they are read again from the stored figures, and when they moved every score is
	set again from them (``rescore``). Either way every profile is scored with the cut points stored.
	(An order committed between the first read of the cut points and the first UPDATE is counted in
	its profile's figures and scored with them, as an order submitted just after the refresh would be.)

	No profile row crosses to Python.
	"""
	params, conditions = {}, []
	if lo is not None:
		conditions.append("p.name >= %(lo)s")
		params["lo"] = lo
	if hi is not None:
		conditions.append("p.name < %(hi)s")
		params["hi"] = hi
	orders = " ".join(f"and {c.replace('p.name', 'customer')}" for c in conditions)
	where = " and ".join(conditions) or "1 = 1"
	if score:
		config.cuts = expected_cut_points(config, today)
	set_days_and_scores(config, today, where, params, score)
	# The profiles with orders, read from the grouped orders; counted, the buyers among them
	frappe.db.sql("set @crm_profiles_buyers = 0")
	changed, moved = write_new_values(config, today, where, orders, params, score, with_orders_only=True)
	buyers = frappe.db.sql("select @crm_profiles_buyers")[0][0]
	# Then the profiles without orders: every buyer of the range has a count above 0 now, so when no more
	# profiles than those have one, the others are the profiles with a count of 0 (an index range, each
	# one's orders read through the customer index). Otherwise a profile lost its last order since its
	# figures were stored: every profile of the range is compared again, as before.
	stored = frappe.db.sql(
		f"select count(*) from `tabCustomer Profile` p where {where} and p.order_count > 0", params
	)[0][0]
	lost = stored != buyers
	rest = where if lost else f"{where} and p.order_count = 0"
	more, also_moved = write_new_values(config, today, rest, orders, params, score, whole=lost)
	changed, moved = changed + more, moved or also_moved
	if score:
		expected = config.cuts
		if not moved:  # every figure they are read from is as it was: store them as they are
			store_cut_points(config)
		# Every profile's days are today's now: read them from the last order dates, in the index
		elif set_cut_points(config, DAYS_SQL, {"today": today}) != expected:
			rescore(config, config.cuts)
	return changed


def write_new_values(
	config: Config,
	today: date,
	where: str,
	orders: str,
	params: dict,
	score: bool,
	with_orders_only: bool = False,
	whole: bool = False,
) -> tuple[int, bool]:
	"""One pass of ``refresh_range`` over the profiles matching ``where``: their new values, from one
	grouped read of the orders, go into a temporary table where any differs from the stored ones; the
	changes of tier and stage are logged from it, and one join UPDATE writes them. Returns (how many
	profiles changed, whether an order count, lifetime value or last order date changed).

	``with_orders_only``: the profiles with orders (``new_values_sql``); each with a count above 0 adds
	one to the session's ``@crm_profiles_buyers``. ``whole``: a pass over most profiles, so the orders
	are grouped once rather than read profile by profile (split materialisation off); otherwise the
	optimiser chooses, and for a few profiles reads each one's orders through the customer index.
	"""
	columns = (*(c for c in FIGURE_FIELDS if c != DAYS), *RULE_FIELDS, CURRENCY_FIELD)
	# The stored values come with the new ones, from the one read of the profiles
	kept = tuple(c for c in columns if c not in RULE_FIELDS)
	sql, values = new_values_sql(
		config, today, where, orders, params, scores=score, old=kept, with_orders_only=with_orders_only
	)
	differs = " or ".join(
		[
			*(f"not (n.`old_{c}` <=> n.`{c}`)" for c in kept),
			"not (n.old_tier <=> n.tier)",
			"not (n.old_stage <=> n.lifecycle_stage)",
		]
	)
	if with_orders_only:
		# evaluated first, on every row the join gives (AND stops at a false operand, never at a true one)
		differs = f"(@crm_profiles_buyers := @crm_profiles_buyers + (n.order_count > 0)) is not null and ({differs})"
	# One grouped pass over all the range's orders: without split materialisation MariaDB would run the
	# aggregate once per profile ("LATERAL DERIVED"), through the customer index. Its internal temporary
	# tables stay in memory up to TEMP_TABLE_BYTES: at MariaDB's default 16 MB they went to disk from
	# about 20,000 customers (100,000: 9.2 s instead of 3.0 s).
	grouped = "optimizer_switch = 'split_materialized=off', " if with_orders_only or whole else ""
	_temporary(f"drop temporary table if exists {NEW_VALUES}")
	moved = False
	changed = _temporary(
		f"set statement {grouped}tmp_table_size = {TEMP_TABLE_BYTES}, "
		f"max_heap_table_size = {TEMP_TABLE_BYTES} for "
		f"""create temporary table {NEW_VALUES} ({NEW_VALUES_COLUMNS})
		select n.* from ({sql}) n where {differs}""",
		values,
	)
	try:
		if changed:
			log_rule_changes(NEW_VALUES)
			written = (*columns, DAYS, *(SCORE_FIELDS if score else ()))
			frappe.db.sql(
				f"""update `tabCustomer Profile` p join {NEW_VALUES} n on n.name = p.name
				set {", ".join(f"p.`{c}` = n.`{c}`" for c in written)},
					p.figures_updated_on = %(now)s, p.`{BASIS_FIELD}` = %(basis)s""",
				{"now": now_datetime(), "basis": basis(config, today)},
			)
			if score:
				ranked = ("order_count", "lifetime_value", "last_order_date")
				moved = bool(
					frappe.db.sql(
						f"""select exists(select 1 from {NEW_VALUES} n
						where {" or ".join(f"not (n.`old_{c}` <=> n.`{c}`)" for c in ranked)})"""
					)[0][0]
				)
	finally:
		_temporary(f"drop temporary table if exists {NEW_VALUES}")
	return changed, moved


def expected_cut_points(config: Config, today: date) -> dict:
	"""The cut points in force once the stored figures are today's: the quintiles of the stored figures
	with today's days since the last order (fixed thresholds: those). A refresh scores with them first;
	only when its grouped pass changed a figure they come from does it read them again."""
	if config.rfm_mode == "Fixed Thresholds":
		return config.cuts
	return cut_points(DAYS_SQL, {"today": today})


def set_days_and_scores(config: Config, today: date, where: str, params: dict, score: bool) -> None:
	"""Set the days since the last order (and, with ``score``, the scores from ``config.cuts``) on every
	profile of the range, in one UPDATE on the server, from the stored figures.

	The UPDATE matches every profile of the range, so it holds each one's row lock until the commit, and
	writes only the rows whose values differ (``figures_updated_on`` moves only on those).
	"""
	params = {**params, "today": today, "now": now_datetime(), "basis": basis(config, today)}
	# Every profile of the range holds exact figures after this refresh; the buyers' rows also take the
	# basis, so that orders submitted today are added to them (a non-buyer's first order is recomputed).
	buyer_basis = f"case when p.order_count > 0 then %(basis)s else p.`{BASIS_FIELD}` end"
	differs = " or ".join(
		[
			f"not (p.`{DAYS}` <=> {DAYS_SQL})",
			*([scores_differ(config.cuts, params, "p", days=DAYS_SQL)] if score else []),
			f"not (p.`{BASIS_FIELD}` <=> {buyer_basis})",
		]
	)
	# MariaDB assigns from left to right, each expression reading the values assigned before it:
	# figures_updated_on first, its test reading the old values; the scores read the new days, and the
	# segment the new scores, so that no expression is evaluated twice for a row.
	sets = {DAYS: DAYS_SQL}
	if score:
		sets.update(score_sql(config.cuts, params, "p", days=f"p.`{DAYS}`"))
		sets["rfm_segment"] = segment_sql(params, *(f"p.`{c}`" for c in SCORE_FIELDS[:3]))
	frappe.db.sql(
		f"""{left_to_right()}update `tabCustomer Profile` p
		set p.figures_updated_on = case when {differs} then %(now)s else p.figures_updated_on end,
			{", ".join(f"p.`{c}` = {expr}" for c, expr in sets.items())},
			p.`{BASIS_FIELD}` = {buyer_basis}
		where {where}""",
		params,
	)


def left_to_right() -> str:
	"""A prefix for an UPDATE whose assignments read the values assigned before them: MariaDB's default,
	unless the site's SQL mode has SIMULTANEOUS_ASSIGNMENT, which this statement then leaves out."""
	mode = frappe.db.sql("select @@sql_mode")[0][0] or ""
	if "SIMULTANEOUS_ASSIGNMENT" not in mode.upper():
		return ""
	kept = ",".join(m for m in mode.split(",") if m.strip().upper() != "SIMULTANEOUS_ASSIGNMENT")
	if not re.fullmatch(r"[A-Za-z_,]*", kept):  # mode names only (the server's value, never input)
		frappe.throw(_("Unexpected SQL mode: {0}").format(mode))
	return f"set statement sql_mode = '{kept}' for "


def _temporary(sql: str, params: dict | None = None) -> int:
	"""CREATE or DROP of a TEMPORARY table, through the connection's cursor.

	Neither ends the transaction in MariaDB (a temporary table is private to its connection), but
	Frappe's implicit-commit guard refuses every CREATE and DROP once the transaction has written, so
	they bypass ``frappe.db.sql``. The SQL is built here from fixed fragments; values are parameters.
	"""
	if not frappe.db._conn:
		frappe.db.connect()
	return frappe.db._cursor.execute(sql, params)


# ---------------------------------------------------------------------------------------------
# The new values in SQL: the same rules as ``tiers``, ``lifecycle`` and ``rfm`` (a test checks them
# against those pure definitions), compiled from the configuration into one SELECT.
# ---------------------------------------------------------------------------------------------


def new_values_sql(
	config: Config,
	today: date,
	profiles: str,
	orders: str,
	params: dict,
	lock_orders: bool = False,
	lock_profiles: bool = False,
	scores: bool = False,
	old: tuple[str, ...] = (),
	with_orders_only: bool = False,
) -> tuple[str, dict]:
	"""(SELECT of every new value of the profiles matching ``profiles``, its parameters).

	``profiles`` is a condition on the profile table ``p``, ``orders`` the same restriction on the
	orders' ``customer`` (both made here, never from input). Columns: name, old_tier, old_stage, the
	figures, tier, lifecycle_stage, the currency and, with ``scores``, the RFM scores and segment from
	the stored cut points; ``old`` adds the stored value of each of those fields as ``old_<field>``.
	``lock_orders`` reads the orders with a locking read: the latest committed ones. ``with_orders_only``
	leaves out the profiles of customers with no submitted order in the source, and reads from the
	grouped orders into the profiles' primary key rather than joining every profile to the grouped
	orders (at 100,000 profiles, 0.2 to 0.4 s less).
	"""
	values = {**params, **aggregate_params(config, today), "today": today, "currency": config.currency}
	aggregate = aggregate_sql(config, orders) + (" lock in share mode" if lock_orders else "")
	has = "ifnull(a.order_count, 0) > 0"
	joined = (
		f"({aggregate}) a straight_join `tabCustomer Profile` p on p.name = a.customer"
		if with_orders_only
		else f"`tabCustomer Profile` p left join ({aggregate}) a on a.customer = p.name"
	)
	stored = "".join(f"p.`{c}` as `old_{c}`, " for c in old)
	figures_sql = f"""select p.name, p.tier as old_tier, p.tier_locked, p.lifecycle_stage as old_stage, {stored}
		case when {has} then a.first_order_date end as first_order_date,
		case when {has} then a.last_order_date end as last_order_date,
		case when {has} then greatest(datediff(%(today)s, a.last_order_date), 0) else 0 end
			as days_since_last_order,
		cast(ifnull(a.order_count, 0) as signed) as order_count,
		cast(ifnull(a.lifetime_value, 0) as decimal(21, 9)) as lifetime_value,
		case when {has} then {average_sql("ifnull(a.lifetime_value, 0)", "a.order_count")} else 0 end
			as average_order_value,
		cast(ifnull(a.window_order_count, 0) as signed) as window_order_count,
		cast(ifnull(a.window_value, 0) as decimal(21, 9)) as window_value
		from {joined}
		where {profiles}{" for update" if lock_profiles else ""}"""
	tier = tier_sql(config, values)
	with_tier = (
		f"select f.*, case when f.tier_locked then f.old_tier else {tier} end as tier from ({figures_sql}) f"
	)
	stage = stage_sql(config, values)
	columns = f"t.*, {stage} as lifecycle_stage, %(currency)s as `{CURRENCY_FIELD}`"
	if scores:
		columns += ", " + ", ".join(
			f"{expr} as {name}" for name, expr in score_sql(config.cuts, values, "t").items()
		)
	sql = f"select {columns} from ({with_tier}) t"
	if scores:
		segment = segment_sql(values)
		sql = f"select s.*, {segment} as rfm_segment from ({sql}) s"
	return sql, values


def average_sql(lifetime: str, count: str) -> str:
	"""``average``: lifetime / count rounded half away from zero to 9 places, exactly, on whole units of
	10^-9 (a decimal division alone would round twice: to 13 places, then to 9)."""
	units = f"({lifetime} * 1000000000)"
	return f"sign({units}) * truncate((2 * abs({units}) + {count}) / (2 * {count}), 0) * 0.000000001"


def aggregate_params(config: Config, today: date, previous: bool = False) -> dict:
	start = window_start(config, today)
	params = {"window_start": start, "company": config.company, "left_out": tuple(config.left_out) or ("",)}
	if previous:
		params["previous_start"] = window_start(config, start)
	converted = [(c, r) for c, r in config.rates.items() if r != 1]
	for i, (company, rate) in enumerate(converted):
		params[f"rate_company_{i}"], params[f"rate_{i}"] = company, rate
	return params


MONTHS_SQL = """greatest((year(%(today)s) - year({first})) * 12 + month(%(today)s) - month({first})
	- (dayofmonth(%(today)s) < dayofmonth({first})), 0)"""


def tier_sql(config: Config, params: dict, f: str = "f") -> str:
	"""``tiers.assign_tier`` as a CASE over the figures of ``f``: the first rule (highest rank) that holds."""
	whens = []
	for i, rule in enumerate(config.tiers):
		held = []
		if rule.min_window_value:
			params[f"tier_value_{i}"] = float(rule.min_window_value)
			held.append(f"cast({f}.window_value as double) >= %(tier_value_{i})s")
		if rule.min_order_count:
			params[f"tier_orders_{i}"] = int(rule.min_order_count)
			held.append(f"{f}.window_order_count >= %(tier_orders_{i})s")
		if rule.min_tenure_months:
			params[f"tier_months_{i}"] = int(rule.min_tenure_months)
			months = MONTHS_SQL.format(first=f"{f}.first_order_date")
			held.append(f"{f}.first_order_date is not null and {months} >= %(tier_months_{i})s")
		if rule.max_days_since_last_order:
			params[f"tier_days_{i}"] = int(rule.max_days_since_last_order)
			held.append(f"{f}.order_count > 0 and {f}.days_since_last_order <= %(tier_days_{i})s")
		params[f"tier_{i}"] = rule.name
		whens.append(f"when {' and '.join(held) or '1 = 1'} then %(tier_{i})s")
	return f"case {' '.join(whens)} end" if whens else "null"


def stage_sql(config: Config, params: dict, t: str = "t") -> str:
	"""``lifecycle.lifecycle_stage`` as a CASE over the figures and tier of ``t``."""
	rules = config.stage_rules
	params.update(
		stage_new_days=rules.new_days,
		stage_loyal_orders=rules.loyal_orders,
		stage_at_risk_days=rules.at_risk_days,
		stage_churned_days=rules.churned_days,
		loyal_tiers=tuple(sorted(config.loyal_tiers)) or ("",),
	)
	loyal_by_orders = f"{t}.window_order_count >= %(stage_loyal_orders)s" if rules.loyal_orders else "0"
	return f"""case when {t}.order_count = 0 then 'Prospect'
		when {t}.days_since_last_order > %(stage_churned_days)s then 'Churned'
		when {t}.days_since_last_order > %(stage_at_risk_days)s then 'At Risk'
		when {t}.tier in %(loyal_tiers)s or {loyal_by_orders} then 'Loyal'
		when datediff(%(today)s, {t}.first_order_date) <= %(stage_new_days)s then 'New'
		else 'Active' end"""


def score_sql(cuts: dict, params: dict, t: str, days: str | None = None) -> dict[str, str]:
	"""``rfm.rfm_scores`` over the columns of ``t`` (the days: ``days`` when given, an expression):
	{score field: expression}; 0 without cut points."""
	if not complete(cuts):
		return {"recency_score": "0", "frequency_score": "0", "monetary_score": "0"}
	counted = {}
	for measure, column in (
		("recency", days or f"{t}.days_since_last_order"),
		("frequency", f"{t}.order_count"),
		("monetary", f"cast({t}.lifetime_value as double)"),
	):
		terms = []
		for i, cut in enumerate(cuts[measure]):
			params[f"{measure}_cut_{i}"] = float(cut)
			terms.append(f"({column} > %({measure}_cut_{i})s)")
		counted[measure] = " + ".join(terms) or "0"
	scored = f"{t}.order_count > 0"
	return {
		"recency_score": f"case when {scored} then 5 - ({counted['recency']}) else 0 end",
		"frequency_score": f"case when {scored} then 1 + {counted['frequency']} else 0 end",
		"monetary_score": f"case when {scored} then 1 + {counted['monetary']} else 0 end",
	}


def score_columns(cuts: dict, params: dict, t: str, days: str | None = None) -> dict[str, str]:
	"""``score_sql`` and the segment read from those scores: {field: expression} for all of SCORE_FIELDS."""
	scores = score_sql(cuts, params, t, days)
	scores["rfm_segment"] = segment_sql(params, *(scores[k] for k in SCORE_FIELDS[:3]))
	return scores


def scores_differ(cuts: dict, params: dict, t: str, days: str | None = None) -> str:
	"""A condition: the stored scores or segment of ``t`` differ from those ``cuts`` give (``score_sql``).

	Each score is compared with its expression; the segment with the one the stored scores give, which
	is the new segment once the three scores are found equal (OR stops at the first that holds). So no
	score expression is evaluated twice for a row, as it would be inside the new segment's expression.
	"""
	stored = (f"{t}.`{c}`" for c in SCORE_FIELDS[:3])
	return " or ".join(
		[
			*(f"not ({t}.`{c}` <=> {expr})" for c, expr in score_sql(cuts, params, t, days).items()),
			f"not ({t}.rfm_segment <=> {segment_sql(params, *stored)})",
		]
	)


def segment_sql(
	params: dict, r: str = "recency_score", f: str = "frequency_score", m: str = "monetary_score"
) -> str:
	"""``rfm.segment``: the segment map read at (R, the rounded-up mean of F and M); NULL when unscored."""
	labels = [rfm.SEGMENT_MAP[score][fm] for score in (1, 2, 3, 4, 5) for fm in range(5)]
	for i, label in enumerate(labels):
		params[f"segment_{i}"] = label
	choices = ", ".join(f"%(segment_{i})s" for i in range(len(labels)))
	return f"case when {r} > 0 and {f} > 0 and {m} > 0 then elt(({r} - 1) * 5 + ({f} + {m} + 1) div 2, {choices}) end"


def log_rule_changes(table: str) -> None:
	"""Log each change of tier and stage between ``old_*`` and the new values of ``table``, in SQL, as
	``rule_changes`` does for one profile (the table's name is fixed by the caller, never input)."""
	now, user = now_datetime(), frappe.session.user or "Administrator"
	for kind, old, new, changed in (
		("Tier", "old_tier", "tier", "not (nullif(n.old_tier, '') <=> nullif(n.tier, ''))"),
		(
			"Lifecycle Stage",
			"old_stage",
			"lifecycle_stage",
			"ifnull(nullif(n.old_stage, ''), 'Prospect') <> n.lifecycle_stage",
		),
	):
		frappe.db.sql(
			f"""insert into `tabCustomer Profile Change` (name, creation, modified, owner, modified_by,
				docstatus, idx, customer_profile, customer, change_type, from_value, to_value, changed_on,
				reason, changed_by)
			select left(md5(concat(uuid(), n.name, %(kind)s)), 12), %(now)s, %(now)s, %(user)s, %(user)s,
				0, 0, n.name, n.name, %(kind)s, ifnull(n.`{old}`, ''), ifnull(n.`{new}`, ''), %(now)s, 'Rule',
				%(user)s
			from {table} n where {changed}""",
			{"kind": kind, "now": now, "user": user},
		)


def cut_points(days: str = DAYS, params: dict | None = None) -> dict:
	"""``rfm.cut_points_from`` over every profile, in SQL: the values at the nearest ranks. ``days``: the
	days since the last order (a column, or ``DAYS_SQL`` with ``params``: fixed SQL, never input).

	Order counts and days take few distinct values, so each is read as (value, how many), grouped on
	the server, and ranked here (``rfm.quintile_cut_points_counted``). Lifetime values are mostly
	distinct: one window over them returns only the rows at the nearest ranks, counted on the server.
	With ``DAYS_SQL`` (the refresh) all three read Customer Profile's cut-point index, not its rows.
	"""
	buyers = "from `tabCustomer Profile` where order_count > 0"
	frequency = frappe.db.sql(f"select order_count, count(*) {buyers} group by 1 order by 1")
	if not frequency:
		return {"frequency": (), "recency": (), "monetary": ()}
	recency = frappe.db.sql(f"select {days}, count(*) {buyers} group by 1 order by 1", params or {})
	ranks = ", ".join(f"greatest(ceiling({k} * n / 5), 1)" for k in (1, 2, 3, 4))
	monetary = frappe.db.sql(
		f"""select n, rank_, lifetime_value from (
			select lifetime_value, count(*) over () as n, row_number() over (order by lifetime_value) as rank_
			{buyers}) ranked
		where rank_ in ({ranks})"""
	)
	# Its own count: under READ COMMITTED an order committed between these reads may add a buyer.
	at = {rank: value for _n, rank, value in monetary}
	return {
		"frequency": rfm.quintile_cut_points_counted(frequency),
		"recency": rfm.quintile_cut_points_counted(recency),
		"monetary": tuple(float(at[rank]) for rank in rfm.quintile_ranks(monetary[0][0])) if monetary else (),
	}


def set_cut_points(config: Config, days: str = DAYS, params: dict | None = None) -> dict:
	"""Quintile cut points of every profile with orders, stored in the settings (fixed thresholds: kept)."""
	if config.rfm_mode != "Fixed Thresholds":
		config.cuts = cut_points(days, params)
		store_cut_points(config)
	return config.cuts


def store_cut_points(config: Config) -> None:
	"""Store ``config.cuts`` in the settings, where the incremental update reads them (fixed: kept)."""
	if config.rfm_mode != "Fixed Thresholds":
		frappe.db.set_single_value(SETTINGS, "rfm_cut_points", json.dumps(config.cuts), update_modified=False)


def rescore(config: Config, cuts: dict | None = None) -> int:
	"""Set R, F, M and the segment on every profile, from cut points over all customers with orders.

	Quintile cut points are recomputed here and stored in CRM Profile Settings, where the incremental
	update reads them (``cuts``: the ones a caller has just computed and stored that way). One UPDATE
	on the server writes the profiles whose scores change.
	"""
	cuts = cuts if cuts is not None else set_cut_points(config)
	params = {}
	scores = score_columns(cuts, params, "p")
	frappe.db.sql(
		f"""update `tabCustomer Profile` p set {", ".join(f"p.`{k}` = {e}" for k, e in scores.items())}
		where {scores_differ(cuts, params, "p")}""",
		params,
	)
	return frappe.db._cursor.rowcount


def recompute_customer(
	customer: str, config: Config | None = None, today: date | None = None, lock_orders: bool = True
) -> dict | None:
	"""Recompute one profile from source with the full refresh's SQL, under a lock on the profile row.

	The profile row is locked first, in a statement of its own; then one statement computes its new
	values. ``lock_orders`` reads the customer's orders with a locking read, so it sees every committed
	order whatever the transaction's snapshot. The order-event path passes False and runs in a READ
	COMMITTED transaction instead: its plain read, made after the lock is held, sees every committed
	order and never waits for an order that another submit has not committed yet (that submit waits for
	this lock in ``add_submitted_order``, so waiting for its order would be a deadlock). Recomputes of one
	customer serialise on the profile row, and the last reads every order. Scores use the cut points of the last
	full refresh (or the fixed thresholds).
	"""
	config = config or load_config()
	today = today or getdate()
	if not frappe.db.sql(f"select name from `tab{PROFILE}` where name = %s for update", customer):
		return None
	sql, params = new_values_sql(
		config,
		today,
		"p.name = %(customer)s",
		"and customer = %(customer)s",
		{"customer": customer},
		lock_orders=lock_orders,
		lock_profiles=True,
		scores=True,
	)
	new = frappe.db.sql(sql, params, as_dict=True)[0]
	row = {k: new[k] for k in ("name", *FIGURE_FIELDS, *RULE_FIELDS, *SCORE_FIELDS, CURRENCY_FIELD)}
	return _write_one(config, today, row, new.old_tier, new.old_stage)


def _write_one(config: Config, today: date, row: dict, old_tier, old_stage) -> dict:
	"""Write one profile's new values (and its basis), log its rule changes, score the site's first order."""
	customer = row["name"]
	row["figures_updated_on"] = now_datetime()
	row[BASIS_FIELD] = basis(config, today)
	columns = (*FIGURE_FIELDS, *RULE_FIELDS, *SCORE_FIELDS, "figures_updated_on", CURRENCY_FIELD, BASIS_FIELD)
	# One row: a plain parameterised UPDATE (column names come from the fixed tuples above).
	frappe.db.sql(
		f"update `tab{PROFILE}` set {', '.join(f'`{c}` = %({c})s' for c in columns)} where name = %(name)s",
		row,
	)
	log_changes(rule_changes(customer, {"tier": old_tier, "lifecycle_stage": old_stage}, row))
	if row["order_count"] and not complete(config.cuts):
		# The site's first order (no full refresh has seen one yet): compute the cut points now, so this
		# customer is not left at R = F = M = 0 until the nightly refresh.
		rescore(config)
		row.update(frappe.db.get_value(PROFILE, customer, list(SCORE_FIELDS), as_dict=True) or {})
	return row


# The settings (``CONFIG_PARTS``) and, locked, the profile's stored figures with the submitted order's
# date, values and company: one round trip. A locking read does not lock the rows of its subqueries, so
# the settings, tiers and companies stay unlocked, as in ``load_config``.
ORDER_EVENT_SQL = f"""select {CONFIG_PARTS},
	p.name, p.`{{basis}}` as basis, p.tier as old_tier, p.tier_locked,
	p.lifecycle_stage as old_stage, p.first_order_date, p.last_order_date, p.order_count, p.lifetime_value,
	p.window_order_count, p.window_value, o.docstatus as order_docstatus, o.`{{date}}` as order_date,
	{", ".join(f"o.`{v}`" for v in VALUE_FIELDS.values())}, o.company as order_company
	from `tabCustomer Profile` p join {{table}} o on o.name = %(order)s
	where p.name = %(customer)s for update"""


def forget_basis(customer: str) -> None:
	"""The profile's figures miss an order event: only a recompute from every order makes them exact."""
	frappe.db.sql(f"update `tab{PROFILE}` set `{BASIS_FIELD}` = null where name = %s", customer)


def follows(config: Config, source: str) -> bool:
	"""Whether the profiles follow this document's events: updates on, and it is the figures' source."""
	return config.update_on_events and config.source == source


def counts_for(config: Config, company: str | None) -> bool:
	"""Whether an order of ``company`` is one of the figures' orders (``aggregate_sql``'s company filter)."""
	if config.company:
		return company == config.company
	return company not in config.left_out


def add_submitted_order(
	doctype: str, order: str, customer: str, today: date | None = None
) -> tuple[Config, bool]:
	"""The settings in force, and whether the just-submitted order was added to its customer's figures
	inside the submit's transaction. Not added when the profiles do not follow this doctype's events, or
	when only a recompute from every order is exact: the profile's basis is not today's (no refresh or
	recompute since the window, the settings or the companies changed), the source counts returns, or
	orders are converted from other currencies.

	The settings and the profile row are read in one statement, the profile locked (a locking read sees
	the latest committed figures, whatever the snapshot), so concurrent submits for one customer add
	their orders one after another, each to figures that hold every other committed order. The sums are
	exact decimals, the average is ``average``, and the tier, stage and scores come from the pure rules
	that ``test_rules_sql`` proves equal to the refresh's SQL.
	"""
	today = today or getdate()
	src = SOURCES[doctype]
	sql = ORDER_EVENT_SQL.format(basis=BASIS_FIELD, date=src["date"], table=src["table"])
	rows = frappe.db.sql(sql, {"order": order, "customer": customer, "settings": SETTINGS}, as_dict=True)
	if not rows:  # no profile (or no such order): the recompute's path decides
		return load_config(), False
	p = rows[0]
	config = config_from(p.settings, p.tiers, p.companies, p.default_company)
	if (
		not follows(config, doctype)
		or src["counts"]
		or (not config.company and config.rates_differ)
		or p.basis != basis(config, today)
		or p.order_docstatus != 1
	):
		return config, False
	count = int(p.order_count or 0)
	agg = frappe._dict(
		order_count=count,
		first_order_date=p.first_order_date if count else None,
		last_order_date=p.last_order_date if count else None,
		lifetime_value=_money(p.lifetime_value),
		window_order_count=int(p.window_order_count or 0),
		window_value=_money(p.window_value),
	)
	if counts_for(config, p.order_company):
		day, value = getdate(p.order_date), _money(p[config.value_field])
		agg.first_order_date = min(agg.first_order_date or day, day)
		agg.last_order_date = max(agg.last_order_date or day, day)
		agg.order_count += 1
		agg.lifetime_value += value
		if day > window_start(config, today):
			agg.window_order_count += 1
			agg.window_value += value
	row = {"name": customer, **compute_figures(agg, today), CURRENCY_FIELD: config.currency}
	row["tier"] = p.old_tier if p.tier_locked else assign_tier(row, config.tiers, today)
	row["lifecycle_stage"] = lifecycle_stage(
		row, config.stage_rules, today, row["tier"] in config.loyal_tiers
	)
	r, f, m = rfm.rfm_scores(
		row["order_count"], row["days_since_last_order"], row["lifetime_value"], config.cuts
	)
	row.update(recency_score=r, frequency_score=f, monetary_score=m, rfm_segment=rfm.segment(r, f, m) or None)
	_write_one(config, today, row, p.old_tier, p.old_stage)
	return config, True


def complete(cuts: dict) -> bool:
	"""Cut points for all three measures (none before the site's first scored refresh)."""
	return all(cuts.get(k) for k in ("recency", "frequency", "monetary"))


def chunk_bounds(chunk_size: int) -> list[tuple[str | None, str | None]]:
	"""[lo, hi) name ranges of about ``chunk_size`` profiles each, covering every profile."""
	names = frappe.db.sql("select name from `tabCustomer Profile` order by name", pluck=True)
	starts = names[chunk_size::chunk_size]
	bounds = [None, *starts, None]
	return list(pairwise(bounds))


def as_of(value: date | datetime | str | None) -> date:
	return getdate(value) if value else getdate()
