"""Purchase figures, tier, stage and RFM for profiles: one grouped pass over orders, written back in bulk.

The full refresh and the incremental update on an order event run the same code: ``aggregate`` (one
grouped SELECT, restricted to a range of customers or to one customer), ``compute`` (pure Python per
row, no queries) and ``write_back`` (a join UPDATE against a derived table of the new values, 1,000
profiles per statement). So an incremental update agrees exactly with a full refresh.

A full refresh writes only what changed: it reads a digest of each profile's stored values with the lock
it takes anyway, writes the profiles whose figures, tier, stage or scores differ, and sets the days since
the last order, which change every night for every buyer, in one statement on the server.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from itertools import pairwise

import frappe
from frappe.utils import add_months, getdate, now_datetime

from crm_profiles.analytics import rfm
from crm_profiles.analytics.lifecycle import StageRules, lifecycle_stage
from crm_profiles.analytics.tiers import TierRule, assign_tier, sort_rules

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
CONFIG_SQL = """select
	(select json_objectagg(field, value) from `tabSingles` where doctype = %(settings)s) as settings,
	(select json_arrayagg(json_array(name, `rank`, min_window_value, min_order_count, min_tenure_months,
		max_days_since_last_order, is_loyal)) from `tabCustomer Tier`) as tiers,
	(select json_objectagg(name, default_currency) from `tabCompany`) as companies,
	(select defvalue from `tabDefaultValue` where parent = '__default' and defkey = 'company'
		order by creation limit 1) as default_company"""


def load_config() -> Config:
	"""Settings, tier rules and the RFM cut points in force, read once per run."""
	# One plain query (values as text; get_singles_dict's typing per field costs more than the whole
	# recompute of a customer); no cache that could outlive a rollback.
	settings, tier_rows, companies, default_company = frappe.db.sql(CONFIG_SQL, {"settings": SETTINGS})[0]
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
	)


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
			sum(if({in_previous}, {v}, 0)) as previous_value"""
		if previous
		else ""
	)
	return f"""
		select customer, {first} as first_order_date, {last} as last_order_date,
			{count} as order_count, sum({v}) as lifetime_value,
			{window_count} as window_order_count,
			sum(if({d} > %(window_start)s, {v}, 0)) as window_value{previous_columns}
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
	start = window_start(config, today)
	params = {"window_start": start, "company": config.company}
	if previous:
		params["previous_start"] = window_start(config, start)
	params["left_out"] = tuple(config.left_out) or ("",)
	converted = [(c, r) for c, r in config.rates.items() if r != 1]
	for i, (company, rate) in enumerate(converted):
		params[f"rate_company_{i}"], params[f"rate_{i}"] = company, rate
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
# 2. Pure computation per profile
# ---------------------------------------------------------------------------------------------


def _money(value) -> Decimal:
	return Decimal(str(value or 0)).quantize(MONEY)


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
		"average_order_value": (lifetime / count).quantize(MONEY),
		"window_order_count": int(agg.window_order_count or 0),
		"window_value": _money(agg.window_value),
	}


def compute_rules(figures: dict, current: dict, config: Config, today: date) -> dict:
	"""Tier (kept when locked) and lifecycle stage from the figures."""
	tier = current.get("tier") if current.get("tier_locked") else assign_tier(figures, config.tiers, today)
	stage = lifecycle_stage(figures, config.stage_rules, today, tier_is_loyal=tier in config.loyal_tiers)
	return {"tier": tier, "lifecycle_stage": stage}


def compute_scores(figures: dict, cuts: dict) -> dict:
	r, f, m = rfm.rfm_scores(
		figures["order_count"], figures["days_since_last_order"], figures["lifetime_value"], cuts
	)
	return {
		"recency_score": r,
		"frequency_score": f,
		"monetary_score": m,
		"rfm_segment": rfm.segment(r, f, m) or None,
	}


# ---------------------------------------------------------------------------------------------
# 3. Bulk write-back and the change log
# ---------------------------------------------------------------------------------------------


def _text_literal(value) -> str:
	return frappe.db.escape(str(value), percent=False)


def _decimal_text(value: Decimal) -> str:
	"""A Decimal as MariaDB prints a DECIMAL column: never with an exponent ("0E-9")."""
	return format(value, "f")


# How each type of value the refresh writes becomes an SQL literal. Numbers and dates are formatted
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
	"""A value of the refresh as an SQL literal. The refresh writes some 20 values per profile, and the
	driver's generic escaping of each was half its time."""
	return _LITERALS.get(type(value), _text_literal)(value)


def write_back(rows: list[dict], columns: tuple[str, ...]) -> None:
	"""UPDATE profiles from a derived table of new values, ``BATCH`` profiles per statement. Column
	names come from the fixed tuples above; every value is a literal made by ``sql_literal``."""
	assignments = ", ".join(f"p.`{c}` = v.`{c}`" for c in columns)
	for start in range(0, len(rows), BATCH):
		batch = rows[start : start + BATCH]
		selects = []
		for i, row in enumerate(batch):
			values = [sql_literal(row["name"]), *(sql_literal(row[c]) for c in columns)]
			if i == 0:
				names = ("name", *columns)
				values = [f"{value} as `{name}`" for value, name in zip(values, names, strict=True)]
			selects.append("select " + ", ".join(values))
		derived = " union all ".join(selects)
		frappe.db.sql(
			f"update `tabCustomer Profile` p join ({derived}) v on v.`name` = p.`name` set {assignments}"
		)


def stored_digest_sql(columns: tuple[str, ...]) -> str:
	"""An SQL expression of a profile's stored values in ``columns`` as one string, compared with
	``digest`` of the new values: the refresh reads one column per profile instead of twenty (reading
	rows is most of its time), and writes only the profiles whose values changed."""
	return "concat_ws('|', " + ", ".join(f"ifnull(`{c}`, '~')" for c in columns) + ")"


def digest(row: dict, columns: tuple[str, ...]) -> str:
	"""The new values as MariaDB prints the stored ones: dates ISO, Decimals (9 places, as the Currency
	columns hold them) without exponent, NULL as ``~``. A value printed differently only makes the row
	look changed, so it is written: never a change missed."""
	return "|".join(_DIGEST.get(type(row[c]), str)(row[c]) for c in columns)


_DIGEST = {type(None): lambda v: "~", Decimal: _decimal_text, bool: lambda v: str(int(v))}


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
	row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
	for start in range(0, len(changes), BATCH):
		batch = changes[start : start + BATCH]
		params = []
		for profile, kind, old, new in batch:
			params += [
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
			]
		frappe.db.sql(
			f"insert into `tabCustomer Profile Change` ({', '.join(columns)}) values {', '.join([row_sql] * len(batch))}",
			params,
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


def refresh_range(
	config: Config, today: date, lo: str | None = None, hi: str | None = None, score: bool = False
) -> int:
	"""Figures, tier and stage for profiles with ``lo <= name < hi``; scores are set by ``rescore``.

	With ``score`` (a single range over every profile) the scores are computed from the rows in hand,
	as ``rescore`` would, and written in the same statements.

	The chunk's profiles are locked first, so an order submitted meanwhile waits and recomputes after
	this chunk commits; nothing written by an incremental update is overwritten with older figures.
	"""
	params, conditions = {}, []
	if lo is not None:
		conditions.append("name >= %(lo)s")
		params["lo"] = lo
	if hi is not None:
		conditions.append("name < %(hi)s")
		params["hi"] = hi
	where = ("where " + " and ".join(conditions)) if conditions else ""
	# Days since the last order change every night for every buyer: one statement on the server sets
	# them (``set_days_since``); the rows written from here are those where anything else changed.
	digested = (*(c for c in FIGURE_FIELDS if c != DAYS), CURRENCY_FIELD, *(SCORE_FIELDS if score else ()))
	profiles = frappe.db.sql(
		f"""select name, tier, tier_locked, lifecycle_stage, {stored_digest_sql(digested)} as stored
		from `tabCustomer Profile` {where} for update""",
		params,
		as_dict=True,
	)
	if not profiles:
		return 0
	figures_by_customer = aggregate(config, today, lo=lo, hi=hi)
	now = now_datetime()
	rows, changes = [], []
	for current in profiles:
		figures = compute_figures(figures_by_customer.get(current.name), today)
		rules = compute_rules(figures, current, config, today)
		rows.append(
			{
				"name": current.name,
				**figures,
				**rules,
				"figures_updated_on": now,
				CURRENCY_FIELD: config.currency,
			}
		)
		changes += rule_changes(current.name, current, rules)
	columns = (*FIGURE_FIELDS, *RULE_FIELDS, "figures_updated_on", CURRENCY_FIELD)
	if score:
		cuts = set_cut_points(
			config, [(r["order_count"], r["days_since_last_order"], r["lifetime_value"]) for r in rows]
		)
		for row in rows:
			row.update(compute_scores(row, cuts))
		columns = (*columns, *SCORE_FIELDS)
	stored = {p.name: (p.stored, p.tier or None, p.lifecycle_stage) for p in profiles}
	changed = [
		row
		for row in rows
		if stored[row["name"]] != (digest(row, digested), row["tier"] or None, row["lifecycle_stage"])
	]
	write_back(changed, columns)
	set_days_since(today, conditions, params)
	log_changes(changes)
	return len(profiles)


DAYS = "days_since_last_order"
# compute_figures' days since the last order, in SQL: 0 without orders, never negative
DAYS_SQL = "if(last_order_date is null, 0, greatest(datediff(%(today)s, last_order_date), 0))"


def set_days_since(today: date, conditions: list[str], params: dict) -> None:
	"""Set ``days_since_last_order`` as ``compute_figures`` does, on the profiles of the range where it
	differs (after the changed rows were written, so it agrees with their new last order dates)."""
	where = " and ".join([*conditions, f"`{DAYS}` <> {DAYS_SQL}"])
	frappe.db.sql(
		f"""update `tabCustomer Profile` set `{DAYS}` = {DAYS_SQL}, figures_updated_on = %(now)s
		where {where}""",
		{**params, "today": today, "now": now_datetime()},
	)


def set_cut_points(config: Config, rows: list[tuple]) -> dict:
	"""Quintile cut points from (order_count, days, lifetime_value) of every profile, stored in the settings."""
	if config.rfm_mode != "Fixed Thresholds":
		config.cuts = rfm.cut_points_from(rows)
		frappe.db.set_single_value(SETTINGS, "rfm_cut_points", json.dumps(config.cuts), update_modified=False)
	return config.cuts


def rescore(config: Config) -> int:
	"""Set R, F, M and the segment on every profile, from cut points over all customers with orders.

	Quintile cut points are recomputed here and stored in CRM Profile Settings, where the incremental
	update reads them. Only profiles whose scores change are written.
	"""
	rows = frappe.db.sql(
		"""select name, order_count, days_since_last_order, lifetime_value,
			recency_score, frequency_score, monetary_score, rfm_segment
		from `tabCustomer Profile`""",
		as_dict=True,
	)
	cuts = set_cut_points(config, [(r.order_count, r.days_since_last_order, r.lifetime_value) for r in rows])
	changed = []
	for r in rows:
		scores = compute_scores(r, cuts)
		if any((r[k] or 0) != (scores[k] or 0) for k in SCORE_FIELDS):
			changed.append({"name": r.name, **scores})
	write_back(changed, SCORE_FIELDS)
	return len(changed)


def recompute_customer(customer: str, config: Config | None = None, today: date | None = None) -> dict | None:
	"""Recompute one profile from source with the full refresh's SQL, under a lock on the profile row.

	Both reads are locking reads, so they see every committed order whatever the transaction's snapshot:
	concurrent recomputes of one customer serialise on the profile row, and the last reads every order.
	Scores use the cut points of the last full refresh (or the fixed thresholds).
	"""
	current = frappe.db.sql(
		"select name, tier, tier_locked, lifecycle_stage from `tabCustomer Profile` where name = %s for update",
		customer,
		as_dict=True,
	)
	if not current:
		return None
	current = current[0]
	config = config or load_config()
	today = today or getdate()
	figures = compute_figures(aggregate(config, today, customer=customer, lock=True).get(customer), today)
	rules = compute_rules(figures, current, config, today)
	row = {
		"name": customer,
		**figures,
		**rules,
		**compute_scores(figures, config.cuts),
		"figures_updated_on": now_datetime(),
		CURRENCY_FIELD: config.currency,
	}
	write_back([row], (*FIGURE_FIELDS, *RULE_FIELDS, *SCORE_FIELDS, "figures_updated_on", CURRENCY_FIELD))
	log_changes(rule_changes(customer, current, rules))
	if figures["order_count"] and not has_cut_points(config):
		# The site's first order (no full refresh has seen one yet): compute the cut points now, so this
		# customer is not left at R = F = M = 0 until the nightly refresh.
		rescore(config)
		row.update(compute_scores(figures, config.cuts))
	return row


def has_cut_points(config: Config) -> bool:
	return all(config.cuts.get(k) for k in ("recency", "frequency", "monetary"))


def chunk_bounds(chunk_size: int) -> list[tuple[str | None, str | None]]:
	"""[lo, hi) name ranges of about ``chunk_size`` profiles each, covering every profile."""
	names = frappe.db.sql("select name from `tabCustomer Profile` order by name", pluck=True)
	starts = names[chunk_size::chunk_size]
	bounds = [None, *starts, None]
	return list(pairwise(bounds))


def as_of(value: date | datetime | str | None) -> date:
	return getdate(value) if value else getdate()
