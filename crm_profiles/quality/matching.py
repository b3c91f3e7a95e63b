"""Duplicate matching: exact normalised email, phone and tax id, and fuzzy normalised names.

A new customer is compared through the match keys stored on every profile (``match_keys`` below,
kept by ``crm_profiles.quality.match_keys``): one indexed equality lookup per key, then the few
candidates are scored in Python. No insert scans the customer table, so importing N customers costs
O(N), not O(N²).

The queue is set-based. Every profile's keys (email, phone digits, tax id, and two blocking keys of its
normalised name) go into one temporary table in bulk; one indexed self-join per rule finds candidate
pairs. Only the pairs that share a blocking key are scored for name similarity, never all pairs.
"""

from __future__ import annotations

import re
import time
import unicodedata
from dataclasses import dataclass

import frappe
from frappe import _
from frappe.utils import now_datetime

from crm_profiles.privacy.permissions import readable_names
from crm_profiles.utils import args, data_import

try:
	from rapidfuzz.fuzz import ratio as _ratio
except ImportError:  # pragma: no cover - rapidfuzz ships with Frappe's bench on v15
	from difflib import SequenceMatcher

	def _ratio(a: str, b: str) -> float:
		return 100 * SequenceMatcher(None, a, b).ratio()


PROFILE = "Customer Profile"
RULE = "Duplicate Matching Rule"
PAIR = "Possible Duplicate"
EXACT_TYPES = ("Email", "Phone", "Tax ID")
FUZZY = "Fuzzy Name"
# Blocks larger than this hold names too common to tell apart (e.g. a bare "shop"); they are skipped.
MAX_BLOCK = 1000
CHUNK = 5000
BLOCK_CHARS = 5
PHONE_KEY_DIGITS = 7
NAME_KEY_LENGTH = 255

_LEGAL_WORDS = {
	"co",
	"company",
	"corp",
	"corporation",
	"inc",
	"incorporated",
	"llc",
	"ltd",
	"limited",
	"plc",
	"gmbh",
	"ag",
	"sa",
	"srl",
	"bv",
	"pty",
	"pte",
	"the",
	"and",
	"group",
	"有限公司",
	"有限责任公司",
	"公司",
}
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
_NOT_TAX = re.compile(r"[^0-9A-Z]")
_NOT_DIGIT = re.compile(r"[^0-9]")


# ---------------------------------------------------------------------------------------------
# Pure normalisation
# ---------------------------------------------------------------------------------------------


def normalise_name(name: str | None) -> str:
	"""Case-fold, drop accents, punctuation and legal-form words, and sort the words."""
	text = unicodedata.normalize("NFKD", name or "")
	text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
	for suffix in ("有限责任公司", "有限公司", "公司"):
		text = text.replace(suffix, " ")
	words = [w for w in _NON_WORD.sub(" ", text).replace("_", " ").split() if w not in _LEGAL_WORDS]
	return " ".join(sorted(words))


def name_block_ends(normalised: str) -> tuple[str, str] | None:
	"""The start and the end (five characters each) of the compacted name. A typo rarely hits both."""
	compact = normalised.replace(" ", "")
	if not compact:
		return None
	return compact[:BLOCK_CHARS], compact[-BLOCK_CHARS:]


def name_blocking_keys(normalised: str) -> set[str]:
	"""Two keys: the start and the end of the compacted name. A typo rarely hits both."""
	ends = name_block_ends(normalised)
	if not ends:
		return set()
	return {"p:" + ends[0], "s:" + ends[1]}


def normalise_tax_id(value: str | None) -> str:
	return _NOT_TAX.sub("", (value or "").upper())


def phone_digits(value: str | None) -> str:
	return _NOT_DIGIT.sub("", value or "")


def normalise_email(value: str | None) -> str:
	return (value or "").strip().lower()


def phone_key(digits: str) -> str | None:
	"""The last PHONE_KEY_DIGITS digits: two numbers that are the same phone (one ends with the other,
	both of at least that many digits, see ``_same_phone``) always share them."""
	return digits[-PHONE_KEY_DIGITS:] if len(digits) >= PHONE_KEY_DIGITS else None


@dataclass(frozen=True)
class MatchKeys:
	"""The normalised values a profile is matched on; stored as the profile's ``match_*`` fields."""

	email: str | None = None
	phone: str | None = None
	tax_id: str | None = None
	name: str | None = None
	name_start: str | None = None
	name_end: str | None = None

	def as_fields(self) -> dict[str, str | None]:
		return {f"match_{key}": value for key, value in self.__dict__.items()}

	@classmethod
	def of(cls, doc) -> MatchKeys:
		"""The keys stored on a profile (document or row)."""
		return cls(**{key: doc.get(f"match_{key}") or None for key in cls.__dataclass_fields__})


def match_keys(
	customer_name: str | None, email: str | None, phone: str | None, tax_id: str | None
) -> MatchKeys:
	normalised = normalise_name(customer_name)[:NAME_KEY_LENGTH]
	ends = name_block_ends(normalised)
	return MatchKeys(
		email=normalise_email(email) or None,
		phone=phone_key(phone_digits(phone)),
		tax_id=normalise_tax_id(tax_id) or None,
		name=normalised or None,
		name_start=ends[0] if ends else None,
		name_end=ends[1] if ends else None,
	)


def similarity(a: str, b: str) -> float:
	"""0-100 similarity of two normalised names."""
	if not a or not b:
		return 0.0
	return float(_ratio(a, b))


# ---------------------------------------------------------------------------------------------
# Rules
# ---------------------------------------------------------------------------------------------


@dataclass
class Rule:
	name: str
	rule_type: str
	threshold: float
	action: str


def enabled_rules() -> list[Rule]:
	"""Read on every new customer: one plain query (``get_all`` built a DatabaseQuery per row of an
	import, a third of the duplicate check). Rules are not permission-filtered here either way."""
	default = frappe.db.get_single_value("CRM Profile Settings", "fuzzy_name_threshold") or 90
	rule = frappe.qb.DocType(RULE)
	rows = (
		frappe.qb.from_(rule)
		.select(rule.name, rule.rule_type, rule.threshold, rule.action)
		.where(rule.enabled == 1)
		.orderby(rule.name)
		.run()
	)
	return [
		Rule(name, rule_type, float(threshold or default), action or "Warn")
		for name, rule_type, threshold, action in rows
	]


DEFAULT_RULES = (
	("Same Email", "Email", 0),
	("Same Phone", "Phone", 0),
	("Same Tax ID", "Tax ID", 0),
	("Similar Name", "Fuzzy Name", 90),
)


def ensure_default_rules() -> None:
	"""after_install / after_migrate: one warning rule of each kind, unless an admin removed them all."""
	if frappe.db.count(RULE):
		return
	for rule_name, rule_type, threshold in DEFAULT_RULES:
		frappe.get_doc(
			{
				"doctype": RULE,
				"rule_name": rule_name,
				"rule_type": rule_type,
				"threshold": threshold,
				"action": "Warn",
				"enabled": 1,
			}
		).insert(ignore_permissions=True)  # Safe: install-time defaults, no user input


# ---------------------------------------------------------------------------------------------
# Checks on creation
# ---------------------------------------------------------------------------------------------


@dataclass
class Match:
	profile: str
	customer_name: str
	rule: str
	action: str
	score: float


def find_matches(
	customer_name: str | None = None,
	email: str | None = None,
	phone: str | None = None,
	tax_id: str | None = None,
	exclude: str | None = None,
	rules: list[Rule] | None = None,
) -> list[Match]:
	"""Profiles that the enabled rules say are duplicates of the given values."""
	return find_matches_by_keys(
		match_keys(customer_name, email, phone, tax_id), phone_digits(phone), exclude, rules
	)


def find_matches_by_keys(
	keys: MatchKeys,
	digits: str = "",
	exclude: str | None = None,
	rules: list[Rule] | None = None,
	candidates: dict[str, frappe._dict] | None = None,
) -> list[Match]:
	"""Profiles matched by the enabled rules, read through the indexed match keys only.

	``digits`` are all the digits of the phone (the key holds only the last few): a candidate that
	shares the key is the same phone only when one number ends with the other. ``candidates``: the
	keys' candidates when already read for many keys at once (``candidates_of_many``).
	"""
	rules = enabled_rules() if rules is None else rules
	if not rules:
		return []
	if candidates is None:
		candidates = _candidates(keys, {rule.rule_type for rule in rules})
	matches: dict[str, Match] = {}
	for rule in rules:
		for profile, candidate in candidates.items():
			score = _rule_score(rule, keys, digits, candidate)
			if score is None or profile == exclude:
				continue
			if profile in matches and matches[profile].action == "Block":
				continue
			matches[profile] = Match(profile, "", rule.name, rule.action, score)
	names = _names(list(matches))
	for match in matches.values():
		match.customer_name = names.get(match.profile) or ""
	return list(matches.values())


# The profile's key field(s) looked up for each rule type, and the attribute of MatchKeys they equal
_LOOKUPS = {
	"Email": (("match_email", "email"),),
	"Phone": (("match_phone", "phone"),),
	"Tax ID": (("match_tax_id", "tax_id"),),
	FUZZY: (("match_name_start", "name_start"), ("match_name_end", "name_end")),
}


def _candidates(keys: MatchKeys, rule_types: set[str]) -> dict[str, frappe._dict]:
	"""{profile: row} of the profiles sharing at least one key with ``keys``, each row with ``via``, the
	rule types whose key it shares. One UNION ALL of indexed equality lookups; the database's collation
	decides equality, as it did when the columns themselves were compared.

	Each branch is limited like the queue's blocks (MAX_BLOCK): a very common name start or end (say
	"...trading") may hold a thousand profiles, so the rows are read as plain tuples, only the
	columns the rules score; the customer names of the few matches are read by ``_names``.
	Field names and rule types come from ``_LOOKUPS``; values are parameters.
	"""
	branches, values = [], []
	for rule_type in sorted(rule_types & set(_LOOKUPS)):
		for field, attr in _LOOKUPS[rule_type]:
			value = getattr(keys, attr)
			if value:
				branches.append(
					f"""(select name, {"mobile_no" if rule_type == "Phone" else "null"},
						{"match_name" if rule_type == FUZZY else "null"}, '{rule_type}' as via
					from `tabCustomer Profile` where `{field}` = %s limit {MAX_BLOCK})"""
				)
				values.append(value)
	if not branches:
		return {}
	found: dict[str, frappe._dict] = {}
	for name, mobile_no, match_name, via in frappe.db.sql(" union all ".join(branches), values):
		_add_candidate(found, name, mobile_no, match_name, via)
	return found


def _add_candidate(found: dict, name: str, mobile_no: str | None, match_name: str | None, via: str) -> None:
	candidate = found.get(name)
	if candidate is None:
		candidate = found[name] = frappe._dict(mobile_no=None, match_name=None, via=set())
	candidate.via.add(via)
	candidate.mobile_no = candidate.mobile_no or mobile_no
	candidate.match_name = candidate.match_name or match_name


def candidates_of_many(many: list[MatchKeys], rule_types: set[str]) -> list[dict[str, frappe._dict]]:
	"""``_candidates`` of each of ``many`` keys, read together: one indexed IN lookup per key field and
	chunk of CHUNK keys, so a sheet of 10,000 rows costs a few queries instead of 10,000. Each key
	value's block is limited to MAX_BLOCK profiles, in name order. Field names and rule types come from
	``_LOOKUPS``; values are parameters."""
	blocks: dict[str, dict[str, list[tuple]]] = {}
	lookups = [
		(rule_type, field, attr)
		for rule_type in sorted(rule_types & set(_LOOKUPS))
		for field, attr in _LOOKUPS[rule_type]
	]
	for rule_type, field, attr in lookups:
		wanted = sorted({value for keys in many if (value := getattr(keys, attr))})
		by_value = blocks.setdefault(field, {})
		for start in range(0, len(wanted), CHUNK):
			for name, mobile_no, match_name, value in frappe.db.sql(
				f"""select name, {"mobile_no" if rule_type == "Phone" else "null"},
					{"match_name" if rule_type == FUZZY else "null"}, `{field}`
				from `tabCustomer Profile` where `{field}` in %(values)s order by name""",
				{"values": tuple(wanted[start : start + CHUNK])},
			):
				block = by_value.setdefault(value.casefold(), [])  # equal as the collation compares
				if len(block) < MAX_BLOCK:
					block.append((name, mobile_no, match_name))
	found_for_each = []
	for keys in many:
		found: dict[str, frappe._dict] = {}
		for rule_type, field, attr in lookups:
			value = getattr(keys, attr)
			for name, mobile_no, match_name in blocks[field].get(value.casefold(), ()) if value else ():
				_add_candidate(found, name, mobile_no, match_name, rule_type)
		found_for_each.append(found)
	return found_for_each


def _names(profiles: list[str]) -> dict[str, str]:
	if not profiles:
		return {}
	return dict(
		frappe.db.sql(
			"select name, customer_name from `tabCustomer Profile` where name in %(names)s",
			{"names": tuple(profiles)},
		)
	)


def _rule_score(rule: Rule, keys: MatchKeys, digits: str, candidate) -> float | None:
	"""The score of a candidate under ``rule``, or None when the rule does not match it."""
	if rule.rule_type not in candidate.via:
		return None
	if rule.rule_type == "Phone":
		return 100.0 if _same_phone(candidate.mobile_no, digits) else None
	if rule.rule_type == FUZZY:
		s = similarity(keys.name or "", candidate.match_name or "")
		return round(s, 1) if s >= rule.threshold else None
	return 100.0


def _same_phone(stored: str | None, digits: str) -> bool:
	other = phone_digits(stored)
	return (
		bool(other)
		and (other == digits or other.endswith(digits) or digits.endswith(other))
		and min(len(other), len(digits)) >= 7
	)


def enforce(matches: list[Match], what: str) -> None:
	"""Block when a blocking rule matched; otherwise warn, listing the matches."""
	if not matches:
		return
	# Name only the profiles the user may open; the others are counted, never named.
	readable = readable_names(PROFILE, [m.profile for m in matches])
	hidden = sum(1 for m in matches if m.profile not in readable)
	blocked = any(m.action == "Block" for m in matches)
	matches = [m for m in matches if m.profile in readable]
	listing = "<br>".join(
		_("{0} ({1}, rule {2})").format(
			frappe.utils.get_link_to_form(
				PROFILE, m.profile, frappe.utils.escape_html(m.customer_name or m.profile)
			),
			m.score,
			frappe.bold(m.rule),
		)
		for m in matches[:10]
	)
	if hidden:
		listing += ("<br>" if listing else "") + _("{0} more customer(s) that you may not open.").format(
			hidden
		)
	if blocked:
		frappe.throw(
			_("This {0} looks like a duplicate of:").format(_(what)) + "<br>" + listing,
			frappe.DuplicateEntryError,
			title=_("Possible duplicate"),
		)
	frappe.msgprint(
		_("This {0} may be a duplicate of:").format(_(what)) + "<br>" + listing,
		title=_("Possible duplicate"),
		indicator="orange",
	)


def check_new_customer(doc, method=None) -> None:
	"""Customer validate: on creation, compare with existing profiles."""
	if not doc.is_new() or doc.flags.ignore_duplicate_check or frappe.flags.in_install:
		return
	rules = None
	if data_import.in_data_import(doc):
		# Frappe's importer keeps no message of a row it imported, so a warning would reach no one: only
		# blocking rules are checked per row (a blocked row fails with the reason in the import log). The
		# import's end queues the duplicate search, which lists the warn-level pairs in Possible Duplicate.
		rules = [r for r in data_import.cached("crm_duplicate_rules", enabled_rules) if r.action == "Block"]
		data_import.defer(QUEUE_AFTER_IMPORT, doc.doctype)
		if not rules:
			return
	enforce(
		find_matches(
			doc.customer_name, doc.get("email_id"), doc.get("mobile_no"), doc.get("tax_id"), rules=rules
		),
		"Customer",
	)


QUEUE_AFTER_IMPORT = "crm_duplicate_queue"


@data_import.at_import_end(QUEUE_AFTER_IMPORT)
def _queue_after_import(doctypes: set[str], import_doc) -> None:
	_enqueue_refresh()


def _enqueue_refresh(**kwargs) -> None:
	"""One duplicate-queue job on the long queue at a time, after the caller's commit."""
	frappe.enqueue(
		"crm_profiles.quality.matching.refresh_duplicate_queue",
		queue="long",
		timeout=1800,
		job_id="crm_profiles_duplicate_queue",
		deduplicate=True,
		enqueue_after_commit=True,
		**kwargs,
	)


def check_new_profile(doc) -> None:
	"""Customer Profile validate: on creation from the desk or REST (not the automatic copy)."""
	if not doc.is_new() or doc.flags.ignore_duplicate_check:
		return
	# validate computed the profile's keys (match_keys.set_keys) before this step
	enforce(
		find_matches_by_keys(MatchKeys.of(doc), phone_digits(doc.mobile_no), exclude=doc.customer),
		"Customer Profile",
	)


# ---------------------------------------------------------------------------------------------
# The duplicate queue
# ---------------------------------------------------------------------------------------------

_KEYS_TABLE = "crm_dup_keys"


def _temporary_table_ddl(query: str) -> None:
	"""CREATE/DROP TEMPORARY TABLE do not commit implicitly in MariaDB (unlike other DDL), so they are
	safe inside the caller's transaction; Frappe's guard cannot tell them apart, so they bypass it."""
	frappe.db.sql("select 1")  # make sure the connection is open
	frappe.db._cursor.execute(query)


def _build_keys(fuzzy: bool) -> None:
	"""One temporary table of (profile, kind, key, normalised name) for the whole site."""
	_temporary_table_ddl(f"drop temporary table if exists {_KEYS_TABLE}")
	_temporary_table_ddl(
		f"""create temporary table {_KEYS_TABLE} (
			profile varchar(140) not null, kind varchar(8) not null, k varchar(255) not null,
			norm varchar(255), index kind_k (kind, k)
		) engine=InnoDB"""
	)
	frappe.db.sql(
		f"""insert into {_KEYS_TABLE} (profile, kind, k)
		select name, 'Email', lower(trim(email_id)) from `tabCustomer Profile`
		where coalesce(trim(email_id), '') != ''"""
	)
	frappe.db.sql(
		f"""insert into {_KEYS_TABLE} (profile, kind, k)
		select name, 'Phone', regexp_replace(mobile_no, '[^0-9]', '') from `tabCustomer Profile`
		where char_length(regexp_replace(coalesce(mobile_no, ''), '[^0-9]', '')) >= 7"""
	)
	frappe.db.sql(
		f"""insert into {_KEYS_TABLE} (profile, kind, k)
		select p.name, 'Tax ID', upper(regexp_replace(c.tax_id, '[^0-9A-Za-z]', ''))
		from `tabCustomer Profile` p join `tabCustomer` c on c.name = p.customer
		where coalesce(regexp_replace(c.tax_id, '[^0-9A-Za-z]', ''), '') != ''"""
	)
	if fuzzy:
		rows = []
		for name, customer_name in frappe.db.sql("select name, customer_name from `tabCustomer Profile`"):
			normalised = normalise_name(customer_name)[:255]
			rows.extend((name, "Name", key, normalised) for key in name_blocking_keys(normalised))
		for start in range(0, len(rows), CHUNK):
			chunk = rows[start : start + CHUNK]
			frappe.db.sql(
				f"insert into {_KEYS_TABLE} (profile, kind, k, norm) values "
				+ ", ".join(["(%s, %s, %s, %s)"] * len(chunk)),
				[v for row in chunk for v in row],
			)


def find_pairs(rules: list[Rule] | None = None) -> dict[tuple[str, str], tuple[str, float, str]]:
	"""Every pair of profiles matched by an enabled rule: {(a, b): (rule, score, matched value)}, a < b."""
	rules = enabled_rules() if rules is None else rules
	fuzzy_rules = [r for r in rules if r.rule_type == FUZZY]
	_build_keys(bool(fuzzy_rules))
	pairs: dict[tuple[str, str], tuple[str, float, str]] = {}
	for rule in rules:
		if rule.rule_type not in EXACT_TYPES:
			continue
		for a, b, value in frappe.db.sql(
			f"""select x.profile, y.profile, x.k from {_KEYS_TABLE} x
			join {_KEYS_TABLE} y on y.kind = x.kind and y.k = x.k and y.profile > x.profile
			where x.kind = %s""",
			rule.rule_type,
		):
			pairs.setdefault((a, b), (rule.name, 100.0, value))
	if fuzzy_rules:
		threshold = min(r.threshold for r in fuzzy_rules)
		rule = min(fuzzy_rules, key=lambda r: r.threshold)
		candidates = frappe.db.sql(
			f"""select distinct x.profile, y.profile, x.norm, y.norm from {_KEYS_TABLE} x
			join {_KEYS_TABLE} y on y.kind = 'Name' and y.k = x.k and y.profile > x.profile
			where x.kind = 'Name' and x.k in (
				select k from {_KEYS_TABLE} where kind = 'Name' group by k
				having count(*) between 2 and %s
			)""",
			MAX_BLOCK,
		)
		for a, b, norm_a, norm_b in candidates:
			if (a, b) in pairs:
				continue
			s = similarity(norm_a, norm_b)
			if s >= threshold:
				pairs[(a, b)] = (rule.name, round(s, 1), norm_a)
	_temporary_table_ddl(f"drop temporary table if exists {_KEYS_TABLE}")
	return pairs


def refresh_duplicate_queue(publish: bool = False) -> dict:
	"""Fill Possible Duplicate with new pairs; pairs already listed (any status) are left as they are."""
	start = time.monotonic()
	pairs = find_pairs()
	existing = set(frappe.db.sql("select profile_a, profile_b from `tabPossible Duplicate`"))
	names = dict(frappe.db.sql("select name, customer_name from `tabCustomer Profile`")) if pairs else {}
	now, user = now_datetime(), frappe.session.user or "Administrator"
	fields = [
		"name",
		"creation",
		"modified",
		"owner",
		"modified_by",
		"docstatus",
		"idx",
		"profile_a",
		"customer_name_a",
		"profile_b",
		"customer_name_b",
		"rule",
		"matched_value",
		"score",
		"status",
		"found_on",
	]
	values = [
		(
			frappe.generate_hash(length=12),
			now,
			now,
			user,
			user,
			0,
			0,
			a,
			names.get(a),
			b,
			names.get(b),
			rule,
			(value or "")[:140],
			score,
			"Open",
			now,
		)
		for (a, b), (rule, score, value) in pairs.items()
		if (a, b) not in existing and (b, a) not in existing
	]
	# The database's unique key on (profile_a, profile_b) settles a race with another run.
	frappe.db.bulk_insert(PAIR, fields, values, ignore_duplicates=True, chunk_size=CHUNK)
	result = {"pairs": len(pairs), "new": len(values), "seconds": round(time.monotonic() - start, 2)}
	if publish:
		frappe.publish_realtime("crm_duplicates_refreshed", result, user=frappe.session.user)
	return result


def nightly_duplicate_queue() -> None:
	"""daily_long: repair match keys that a write outside the app left stale, then refresh the queue."""
	from crm_profiles.quality import match_keys

	match_keys.refresh()
	refresh_duplicate_queue()


@frappe.whitelist(methods=["POST"])
def enqueue_duplicate_queue() -> dict:
	"""The "Find Duplicates" button: runs the queue in the background."""
	# Managers who work the queue (write on Possible Duplicate) may fill it; the job writes the pairs.
	if not frappe.has_permission(PAIR, "write"):
		frappe.throw(_("Not permitted to look for duplicates."), frappe.PermissionError)
	_enqueue_refresh(publish=True)
	return {"queued": True}


@frappe.whitelist(methods=["POST"])
def set_pair_status(name: str, status: str) -> None:
	"""Mark a possible duplicate as not a duplicate, or open it again."""
	name = args.name(name, "name")
	status = args.choice(status, "status", ("Open", "Not a Duplicate"))
	if not status:
		frappe.throw(_("Status must be Open or Not a Duplicate."))
	doc = frappe.get_doc(PAIR, name)
	doc.check_permission("write")
	doc.status = status
	doc.save()
