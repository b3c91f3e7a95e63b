"""Duplicate matching: planted duplicates are found (exact and fuzzy), a clean set of 1,000 gives no
false pair, creation warns or blocks by rule, and the queue fills Possible Duplicate once."""

from __future__ import annotations

import time

import frappe
import pytest
from support.factories import make_customer, unique
from support.metrics import record
from support.quality import (
	clean_names,
	insert_profiles,
	install_default_rules,
	profile_pairs_among,
	seeded_profiles,
)

from crm_profiles.quality import match_keys, matching

RULE = "Duplicate Matching Rule"


@pytest.fixture
def default_rules():
	return install_default_rules()


def _plant(clean: list[dict]) -> tuple[list[dict], set[tuple[str, str]]]:
	"""Variants of ten clean profiles: same email, same phone written differently, typo'd names."""
	planted, expected = [], set()
	strangers = clean_names(10, seed=999)
	for i, base in enumerate(clean[:10]):
		name = f"_DUPX{i:04d}"
		row = {"name": name, "customer_name": strangers[i], "email_id": None, "mobile_no": None}
		kind = i % 3
		if kind == 0:
			row["email_id"] = base["email_id"].upper()
		elif kind == 1:
			digits = base["mobile_no"][1:]
			row["mobile_no"] = f"+{digits[:2]} {digits[2:5]}-{digits[5:9]} {digits[9:]}"
		else:
			words = base["customer_name"].split()
			row["customer_name"] = f"{words[1]} {words[0][:-1]}x Co., Ltd."  # reordered, a typo, a legal form
		planted.append(row)
		expected.add(tuple(sorted((base["name"], name))))
	return planted, expected


def test_planted_duplicates_are_found_and_a_clean_thousand_gives_no_false_pair(default_rules):
	clean = seeded_profiles(clean_names(1000), "_DUPC")
	planted, expected = _plant(clean)
	names = set(insert_profiles(clean + planted))

	start = time.monotonic()
	pairs = matching.find_pairs()
	record(f"duplicate matching, 1,010 seeded profiles plus the site's: {time.monotonic() - start:.2f}s")

	found = profile_pairs_among(names, pairs)
	assert found == expected
	kinds = {pairs[p][0] for p in found}
	assert kinds == {"Same Email", "Same Phone", "Similar Name"}


def test_candidates_read_for_many_keys_at_once_equal_those_read_one_by_one(default_rules):
	"""The sheet preview reads every row's candidates together; each row must get what its own lookup
	finds (planted duplicates: same email in other case, same phone written otherwise, similar names)."""
	clean = seeded_profiles(clean_names(200, seed=4242), "_DUPM")
	planted, _expected = _plant(clean)
	names = insert_profiles(clean + planted)
	match_keys.refresh(names)
	rows = frappe.get_all(
		"Customer Profile",
		filters={"name": ("in", names)},
		fields=["name", "customer_name", "email_id", "mobile_no"],
	)
	assert len(rows) == 210
	probes = [matching.match_keys(r.customer_name, r.email_id, r.mobile_no, None) for r in rows]
	probes.append(matching.match_keys("Nobody At All Ltd", "nobody@example.invalid", None, None))
	types = {rule.rule_type for rule in matching.enabled_rules()}
	together = matching.candidates_of_many(probes, types)
	one_by_one = [matching._candidates(keys, types) for keys in probes]
	assert together == one_by_one
	assert sum(len(found) > 1 for found in together) >= 10  # the planted ones find their twin
	assert together[-1] == {}


def test_tax_id_matches_ignore_spacing_and_case(default_rules):
	a = make_customer(tax_id="GB 123 456 789").name
	b = make_customer(tax_id="gb123-456-789").name
	pairs = matching.find_pairs()
	# a pair's order follows the database's collation (case-insensitive), not Python's sort
	assert {a, b} in [set(pair[:2]) for pair in pairs]


def test_queue_fills_possible_duplicates_once_and_keeps_dismissed_pairs(default_rules):
	clean = seeded_profiles(clean_names(50, seed=11), "_DUPQ")
	planted, expected = _plant(clean)
	names = set(insert_profiles(clean + planted))

	matching.refresh_duplicate_queue()
	rows = frappe.get_all(
		"Possible Duplicate",
		filters={"profile_a": ("in", list(names))},
		fields=["name", "profile_a", "profile_b", "status"],
	)
	assert {(r.profile_a, r.profile_b) for r in rows} == expected
	assert {r.status for r in rows} == {"Open"}

	matching.set_pair_status(rows[0].name, "Not a Duplicate")
	result = matching.refresh_duplicate_queue()
	again = frappe.get_all(
		"Possible Duplicate", filters={"profile_a": ("in", list(names))}, fields=["name", "status"]
	)
	assert len(again) == len(rows) and result["new"] == 0
	assert frappe.db.get_value("Possible Duplicate", rows[0].name, "status") == "Not a Duplicate"


def test_creating_a_customer_warns_about_matches(default_rules):
	existing = make_customer(unique("_CRM Lumatek Waro"))
	frappe.clear_messages()
	make_customer(existing.customer_name.replace("_CRM", "CRM") + " Ltd")
	messages = " ".join(str(m) for m in frappe.get_message_log())
	assert "may be a duplicate" in messages and existing.name in messages


def test_a_blocking_rule_refuses_the_customer(default_rules):
	frappe.db.set_value(RULE, "Same Email", "action", "Block")
	make_customer(email_id="buyer@blocked-dup.example")
	before = frappe.db.count("Customer")
	with pytest.raises(frappe.DuplicateEntryError, match="duplicate"):
		make_customer(email_id="Buyer@Blocked-Dup.example")
	assert frappe.db.count("Customer") == before


def test_a_disabled_rule_does_not_match(default_rules):
	frappe.db.set_value(RULE, "Same Email", {"action": "Block", "enabled": 0})
	make_customer(email_id="twice@disabled-rule.example")
	make_customer(email_id="twice@disabled-rule.example")
	assert frappe.db.count("Customer Profile", {"email_id": "twice@disabled-rule.example"}) == 2


def test_creating_a_profile_from_the_desk_checks_too(default_rules):
	frappe.db.set_value(RULE, "Same Email", "action", "Block")
	make_customer(email_id="desk@profile-dup.example")
	frappe.db.set_single_value("CRM Profile Settings", "auto_create_profiles", 0)
	customer = make_customer().name
	profile = frappe.get_doc(
		{"doctype": "Customer Profile", "customer": customer, "email_id": "desk@profile-dup.example"}
	)
	with pytest.raises(frappe.DuplicateEntryError):
		profile.insert()


def test_the_button_needs_permission():
	from support.factories import make_user

	make_user("crm.user@crm-profiles.test", ["CRM User"])
	frappe.set_user("crm.user@crm-profiles.test")
	with pytest.raises(frappe.PermissionError):
		matching.enqueue_duplicate_queue()


@pytest.mark.slow
def test_queue_on_100k_profiles(default_rules):
	"""100,000 profiles with 1,000 planted duplicates; the time is printed at the end of the run."""
	count = 100_000
	names = clean_names(count - 1000, seed=100)
	rows = seeded_profiles(names, "_DUPB")
	strangers = clean_names(1000, seed=101)
	planted = []
	for i in range(1000):
		base = rows[i * 50]
		planted.append((base["name"], f"_DUPBX{i:05d}"))
		rows.append(
			{
				"name": f"_DUPBX{i:05d}",
				"customer_name": strangers[i],
				"email_id": base["email_id"],
				"mobile_no": None,
			}
		)
	start = time.monotonic()
	insert_profiles(rows, chunk=10000)
	seeded = time.monotonic() - start

	start = time.monotonic()
	result = matching.refresh_duplicate_queue()
	elapsed = time.monotonic() - start
	record(
		f"duplicate queue on {frappe.db.count('Customer Profile'):,} profiles ({count:,} seeded in {seeded:.1f}s): "
		f"{elapsed:.2f}s, {result['pairs']:,} pairs"
	)
	found = set(
		frappe.db.sql(
			"select profile_a, profile_b from `tabPossible Duplicate` where profile_b in %s and rule = 'Same Email'",
			(tuple(b for _a, b in planted),),
		)
	)
	assert found == set(planted)
