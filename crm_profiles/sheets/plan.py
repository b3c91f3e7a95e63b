"""What importing a sheet would do, row by row, before anything is written.

Each row is one of

- **new**: no customer matches it;
- **update**: an existing customer has the same name, or (else) the same email or phone, read through
  the match keys every profile stores (``crm_profiles.quality.match_keys``);
- **duplicate**: no customer matches exactly, but the app's duplicate rules (``Duplicate Matching
  Rule``, scored by ``crm_profiles.quality.matching``) find a likely duplicate (a similar name, the same
  tax id...);
- **error**: a value is wrong (a bad email or phone, checked by ``crm_profiles.utils.contact_values``, an
  unknown tier, group, territory...); each error names the row and the column.

Everything is looked up set-based: one query per kind of value for the whole sheet (chunked), then one
indexed lookup of the match keys per row left unmatched. Nothing scans a table per row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import frappe
from frappe import _
from frappe.utils import cint

from crm_profiles.quality import matching
from crm_profiles.sheets import columns, reading
from crm_profiles.utils.contact_values import ValueProblem, check_email, normalise_email, normalise_phone
from crm_profiles.utils.validation import default_phone_region

NEW, UPDATE, DUPLICATE, ERROR = "New", "Update", "Duplicate", "Error"
STATUSES = (NEW, UPDATE, DUPLICATE, ERROR)
CUSTOMER_TYPES = ("Company", "Individual", "Partnership")
PREFERENCE_CATEGORIES = ("Product", "Service", "Communication", "Delivery", "Payment", "Pricing", "Other")
CHUNK = 1000
NAME_LENGTH = 140
# A cell may list several tags or preferences
_LIST_SPLIT = re.compile("[;\uff1b,\uff0c\u3001\n]+")  # also full-width ones and the enumeration comma
_PREFERENCE_SPLIT = re.compile("[;\uff1b\n]+")


@dataclass
class Row:
	number: int  # the row number in the spreadsheet (the header is row 1)
	values: dict[str, str]
	custom: dict[tuple[str, str], str] = field(default_factory=dict)
	errors: list[dict] = field(default_factory=list)
	status: str = NEW
	customer: str | None = None  # the customer an update writes to
	matched_by: str | None = None
	duplicates: list[dict] = field(default_factory=list)
	mobile: str = ""  # E.164
	email: str = ""
	tier: str | None = None
	customer_type: str = "Company"
	tags: list[str] = field(default_factory=list)
	preferences: list[tuple[str, str]] = field(default_factory=list)

	def error(self, header: str, message: str) -> None:
		self.errors.append({"column": header, "message": message})
		self.status = ERROR

	def as_dict(self) -> dict:
		return {
			"row": self.number,
			"customer_name": self.values.get("customer_name", ""),
			"status": self.status,
			"customer": self.customer,
			"matched_by": self.matched_by,
			"duplicates": self.duplicates,
			"errors": self.errors,
		}


@dataclass
class Plan:
	headers: list[str]
	mapping: columns.Mapping
	rows: list[Row]

	def counts(self) -> dict[str, int]:
		counts = {status: 0 for status in STATUSES}
		for row in self.rows:
			counts[row.status] += 1
		return counts

	def header_of(self, key: str) -> str:
		for index, known in self.mapping.known.items():
			if known == key:
				return self.headers[index]
		return _(columns.BY_KEY[key].header)


def plan_sheet(file_url: str) -> Plan:
	headers, cells = reading.read_sheet(file_url)
	mapping = columns.map_headers(headers)
	if "customer_name" not in mapping.keys():
		frappe.throw(
			_("The sheet has no {0} column (or {1}).").format(
				frappe.bold(_("Customer Name")), frappe.bold("客户名称")
			),
			frappe.ValidationError,
		)
	rows = []
	for offset, line in enumerate(cells):
		values = {key: _at(line, index) for index, key in mapping.known.items()}
		custom = {target[:2]: _at(line, index) for index, target in mapping.fields.items()}
		if not any(values.values()) and not any(custom.values()):
			continue  # a blank line
		rows.append(Row(number=offset + 2, values=values, custom={k: v for k, v in custom.items() if v}))
	plan = Plan(headers, mapping, rows)
	check_values(plan)
	match_rows(plan)
	return plan


def _at(line: list[str], index: int) -> str:
	return line[index] if index < len(line) else ""


# ---------------------------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------------------------


def check_values(plan: Plan) -> None:
	region = default_phone_region()
	known = _existing_names(plan)
	tiers = _tier_names()
	type_names = _translated_choices(CUSTOMER_TYPES)
	categories = _translated_choices(PREFERENCE_CATEGORIES)
	default_country = frappe.db.get_default("country")
	custom_meta = {dt: frappe.get_meta(dt) for dt in (columns.CUSTOMER, columns.PROFILE)}
	seen: dict[str, int] = {}
	header = plan.header_of
	for row in plan.rows:
		v = row.values
		name = v.get("customer_name", "")
		if not name:
			row.error(header("customer_name"), _("is required"))
		elif len(name) > NAME_LENGTH:
			row.error(header("customer_name"), _("must be at most {0} characters").format(NAME_LENGTH))
		else:
			first = seen.setdefault(name.casefold(), row.number)
			if first != row.number:
				row.error(header("customer_name"), _("{0} is also in row {1}").format(name, first))
		if v.get("email"):
			problem = check_email(v["email"])
			if problem:
				row.error(header("email"), _(problem.message).format(problem.value))
			else:
				row.email = normalise_email(v["email"])
		if v.get("mobile"):
			result = normalise_phone(v["mobile"], region)
			if isinstance(result, ValueProblem):
				row.error(header("mobile"), _(result.message).format(result.value))
			else:
				row.mobile = result
		if v.get("customer_type"):
			row.customer_type = type_names.get(v["customer_type"].casefold()) or ""
			if not row.customer_type:
				_unknown(row, header("customer_type"), v["customer_type"])
		if v.get("tier"):
			row.tier = tiers.get(v["tier"].casefold())
			if not row.tier:
				_unknown(row, header("tier"), v["tier"])
		for key in ("customer_group", "territory", "industry", "country"):
			if v.get(key) and v[key] not in known[key]:
				_unknown(row, header(key), v[key])
		if v.get("address") and not v.get("city"):
			row.error(header("city"), _("is required when an address is given"))
		if (v.get("address") or v.get("city")) and not (v.get("country") or default_country):
			row.error(header("country"), _("is required when an address is given"))
		row.tags = _split(v.get("tags"), _LIST_SPLIT)
		for tag in row.tags:
			if len(tag) > NAME_LENGTH:
				row.error(header("tags"), _("must be at most {0} characters").format(NAME_LENGTH))
		row.preferences = [
			_preference(item, categories) for item in _split(v.get("preferences"), _PREFERENCE_SPLIT)
		]
		for (doctype, fieldname), value in row.custom.items():
			problem = _custom_problem(custom_meta[doctype].get_field(fieldname), value)
			if problem:
				index = next(i for i, t in plan.mapping.fields.items() if t[:2] == (doctype, fieldname))
				row.error(plan.headers[index], problem)


def _unknown(row: Row, header: str, value: str) -> None:
	row.error(header, _("{0} is not known").format(value))


def _split(text: str | None, pattern: re.Pattern) -> list[str]:
	found = []
	for part in pattern.split(text or ""):
		part = part.strip()
		if part and part not in found:
			found.append(part)
	return found


def _preference(item: str, categories: dict[str, str]) -> tuple[str, str]:
	"""("Delivery", "mornings") from "Delivery: mornings" (a full-width colon too); "Other" without a known category."""
	parts = re.split("[:\uff1a]", item, maxsplit=1)
	if len(parts) == 2 and parts[0].strip().casefold() in categories and parts[1].strip():
		return categories[parts[0].strip().casefold()], parts[1].strip()[:140]
	return "Other", item[:140]


def _translated_choices(options: tuple[str, ...]) -> dict[str, str]:
	"""{casefolded option or its translation: option}."""
	found = {}
	for option in options:
		found[option.casefold()] = option
		found[_(option).casefold()] = option
	return found


def _tier_names() -> dict[str, str]:
	"""Tiers by name and by the name in the reader's language (the export writes the latter)."""
	return _translated_choices(tuple(frappe.get_all("Customer Tier", pluck="name")))


def _existing_names(plan: Plan) -> dict[str, set[str]]:
	"""The group, territory, industry and country names of the sheet that exist: one query each."""
	doctypes = {
		"customer_group": "Customer Group",
		"territory": "Territory",
		"industry": "Industry Type",
		"country": "Country",
	}
	found = {}
	for key, doctype in doctypes.items():
		wanted = sorted({r.values[key] for r in plan.rows if r.values.get(key)})
		found[key] = set()
		for start in range(0, len(wanted), CHUNK):
			found[key].update(
				frappe.get_all(doctype, filters={"name": ("in", wanted[start : start + CHUNK])}, pluck="name")
			)
	return found


def _custom_problem(df, value: str) -> str | None:
	"""Why a value cannot go into a custom column's field, or None."""
	if df.fieldtype == "Select":
		options = [o for o in (df.options or "").split("\n") if o]
		if value not in options and value not in {_(o) for o in options}:
			return _("must be one of {0}").format(", ".join(_(o) for o in options))
	elif df.fieldtype in ("Int", "Check", "Rating"):
		if not re.fullmatch(r"[+-]?\d{1,9}", value):
			return _("must be a whole number")
	elif df.fieldtype in ("Float", "Currency", "Percent"):
		if not re.fullmatch(r"[+-]?(\d{1,15}(\.\d*)?|\.\d+)", value.replace(",", "")):
			return _("must be a number")
	elif df.fieldtype in ("Date", "Datetime"):
		if not re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2})?)?", value):
			return _("must be a date like 2026-01-31")
	elif df.fieldtype == "Link" and not frappe.db.exists(df.options, value):
		return _("{0} is not known").format(value)
	elif len(value) > 140 and df.fieldtype == "Data":
		return _("must be at most {0} characters").format(140)
	return None


def custom_value(df, value: str):
	"""A checked custom cell as the field's value (Select written in the reader's language included)."""
	if df.fieldtype == "Select":
		for option in (df.options or "").split("\n"):
			if value in (option, _(option)):
				return option
	if df.fieldtype in ("Int", "Check", "Rating"):
		return cint(value)
	if df.fieldtype in ("Float", "Currency", "Percent"):
		return float(value.replace(",", ""))
	return value


# ---------------------------------------------------------------------------------------------
# Matching
# ---------------------------------------------------------------------------------------------


def match_rows(plan: Plan) -> None:
	"""Update by name, then by email, then by phone; else a likely duplicate by the app's rules."""
	rows = [r for r in plan.rows if r.status != ERROR]
	by_name = _customers_by_name([r.values["customer_name"] for r in rows])
	by_email = _profiles_by_key("match_email", [r.email for r in rows if r.email])
	phone_keys = {r.number: matching.phone_key(matching.phone_digits(r.mobile)) for r in rows if r.mobile}
	by_phone = _profiles_by_key("match_phone", [k for k in phone_keys.values() if k], with_mobile=True)
	rules = matching.enabled_rules()
	unmatched = []
	for row in rows:
		name = row.values["customer_name"]
		if by_name.get(name.casefold()):
			row.status, row.customer, row.matched_by = UPDATE, by_name[name.casefold()], "Customer Name"
			continue
		if row.email and by_email.get(row.email):
			row.status, row.customer, row.matched_by = UPDATE, by_email[row.email][0], "Email"
			continue
		same_phone = [
			profile
			for profile, mobile in by_phone.get(phone_keys.get(row.number) or "", [])
			if matching._same_phone(mobile, matching.phone_digits(row.mobile))
		]
		if same_phone:
			row.status, row.customer, row.matched_by = UPDATE, same_phone[0], "Mobile"
			continue
		unmatched.append(row)
	# the duplicate rules' candidates of every unmatched row, read together
	keys = [
		matching.match_keys(r.values["customer_name"], r.email, r.mobile, r.values.get("tax_id"))
		for r in unmatched
	]
	candidates = matching.candidates_of_many(keys, {rule.rule_type for rule in rules}) if rules else []
	for row, row_keys, row_candidates in zip(unmatched, keys, candidates, strict=False):
		digits = matching.phone_digits(row.mobile)
		found = matching.find_matches_by_keys(row_keys, digits, rules=rules, candidates=row_candidates)
		if found:
			row.status = DUPLICATE
			row.duplicates = [
				{"customer": m.profile, "customer_name": m.customer_name, "rule": m.rule, "score": m.score}
				for m in sorted(found, key=lambda m: -m.score)[:3]
			]


def _customers_by_name(names: list[str]) -> dict[str, str]:
	"""{casefolded customer name: customer} through the indexed customer_name (and the primary key)."""
	found: dict[str, str] = {}
	unique = sorted(set(names))
	for start in range(0, len(unique), CHUNK):
		chunk = tuple(unique[start : start + CHUNK])
		wanted = {n.casefold() for n in chunk}
		for name, customer_name in frappe.db.sql(
			"""select name, customer_name from `tabCustomer` where customer_name in %(names)s
			union select name, customer_name from `tabCustomer` where name in %(names)s
			order by name""",
			{"names": chunk},
		):
			for key in {customer_name.casefold(), name.casefold()}:
				if key in wanted:
					found.setdefault(key, name)
	return found


def _profiles_by_key(fieldname: str, keys: list[str], with_mobile: bool = False) -> dict[str, list]:
	"""{key: [profile, ...]} (or [(profile, mobile_no)]) through the profile's indexed match key.
	``fieldname`` is one of the module's constants."""
	found: dict[str, list] = {}
	unique = sorted(set(keys))
	for start in range(0, len(unique), CHUNK):
		for name, key, mobile in frappe.db.sql(
			f"""select name, `{fieldname}`, mobile_no from `tabCustomer Profile`
			where `{fieldname}` in %(keys)s order by name""",
			{"keys": tuple(unique[start : start + CHUNK])},
		):
			found.setdefault(key, []).append((name, mobile) if with_mobile else name)
	return found
