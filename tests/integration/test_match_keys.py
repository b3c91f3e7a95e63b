"""Match keys of Customer Profile: computed by the server on insert and update, never taken from a
writer, backfilled for older profiles, and the only thing a new customer's duplicate check reads."""

from __future__ import annotations

import frappe
import pytest
from support.factories import make_customer, make_user, unique
from support.quality import clean_names, insert_profiles, install_default_rules, seeded_profiles
from support.queries import statements_sent

from crm_profiles.patches import backfill_match_keys
from crm_profiles.quality import match_keys, matching

PROFILE = "Customer Profile"
RULE = "Duplicate Matching Rule"
KEY_FIELDS = list(match_keys.FIELDS)


@pytest.fixture
def default_rules():
	return install_default_rules()


def keys_of(profile: str) -> dict:
	return frappe.db.get_value(PROFILE, profile, KEY_FIELDS, as_dict=True)


def test_keys_are_computed_when_the_customer_and_its_profile_are_created():
	customer = make_customer(
		"_CRM Ünïcorn Trading Co., Ltd.",
		email_id="  Sales@Unicorn-Keys.Example ",
		mobile_no="+86 139-1234 5678",
		tax_id="gb 123-456 789",
	).name
	assert keys_of(customer) == {
		"match_email": "sales@unicorn-keys.example",
		"match_phone": "2345678",
		"match_tax_id": "GB123456789",
		"match_name": "crm trading unicorn",
		"match_name_start": "crmtr",
		"match_name_end": "icorn",
	}


def test_keys_follow_changes_of_the_profile_and_of_the_customer():
	customer = make_customer(unique("_CRM Keyed"), email_id="old@keys-change.example")
	profile = frappe.get_doc(PROFILE, customer.name)
	profile.email_id = "New@Keys-Change.example"
	profile.mobile_no = "+44 20 7946 0958"
	profile.save()
	stored = keys_of(customer.name)
	assert stored.match_email == "new@keys-change.example"
	assert stored.match_phone == "9460958"

	customer.reload()
	customer.customer_name = "_CRM Renamed Holdings Limited"
	customer.tax_id = "DE 999.888.777"
	customer.save()
	stored = keys_of(customer.name)
	assert stored.match_name == "crm holdings renamed"
	assert (stored.match_name_start, stored.match_name_end) == ("crmho", "named")
	assert stored.match_tax_id == "DE999888777"

	profile.reload()
	profile.email_id = None
	profile.mobile_no = None
	profile.save()
	stored = keys_of(customer.name)
	assert (stored.match_email, stored.match_phone) == (None, None)


def test_keys_sent_by_a_writer_are_recomputed_by_the_server():
	make_user("crm.keys.manager@crm-profiles.test", ["CRM Manager", "Sales Manager"])
	customer = make_customer(unique("_CRM Forgery"), email_id="real@forged-keys.example").name
	expected = keys_of(customer)
	forged = {f: "forged" for f in KEY_FIELDS}

	frappe.set_user("crm.keys.manager@crm-profiles.test")
	profile = frappe.get_doc(PROFILE, customer)
	profile.update(forged)
	profile.notes = "kept"
	profile.save()
	frappe.set_user("Administrator")
	assert keys_of(customer) == expected
	assert frappe.db.get_value(PROFILE, customer, "notes") == "kept"

	# a new profile (auto-create off) sent with forged keys gets the server's
	frappe.db.set_single_value("CRM Profile Settings", "auto_create_profiles", 0)
	other = make_customer(unique("_CRM Forgery Two")).name
	frappe.set_user("crm.keys.manager@crm-profiles.test")
	frappe.get_doc(
		{"doctype": PROFILE, "customer": other, "email_id": "two@forged-keys.example", **forged}
	).insert()
	frappe.set_user("Administrator")
	stored = keys_of(other)
	assert stored.match_email == "two@forged-keys.example"
	assert "forged" not in stored.values()


def test_backfill_fills_the_keys_of_profiles_made_before_them():
	rows = seeded_profiles(clean_names(30, seed=31), "_KEYB")
	names = insert_profiles(rows)  # bulk SQL: no keys, like profiles made before the keys existed
	customer = make_customer(unique("_CRM Old Profile"), tax_id="FR 12 345").name
	frappe.db.sql(
		f"update `tabCustomer Profile` set {', '.join(f'`{f}` = null' for f in KEY_FIELDS)} where name = %s",
		customer,
	)
	assert keys_of(names[0]).match_email is None and keys_of(customer).match_tax_id is None

	backfill_match_keys.execute()

	for row in rows:
		expected = matching.match_keys(row["customer_name"], row["email_id"], row["mobile_no"], None)
		assert keys_of(row["name"]) == expected.as_fields()
	assert keys_of(customer).match_tax_id == "FR12345"
	assert match_keys.refresh(names) == 0  # idempotent: nothing left to change


@pytest.mark.parametrize("kind", ["email", "phone", "tax_id", "name"])
def test_a_new_customer_matching_an_existing_one_is_warned(default_rules, kind):
	existing = make_customer(
		unique("_CRM Quorvex Palanti"),
		email_id=f"{kind}@warned-keys.example",
		mobile_no="+86 139 8765 4321",
		tax_id=f"CN-{kind}-778899",
	)
	new = {
		"email": {"email_id": f"{kind.upper()}@Warned-Keys.example"},
		"phone": {"mobile_no": "139-8765-4321"},  # the same number without its country code
		"tax_id": {"tax_id": f"cn {kind} 778899"},
		"name": {"customer_name": existing.customer_name.replace("_CRM", "CRM") + " Ltd"},
	}[kind]
	rule = {"email": "Same Email", "phone": "Same Phone", "tax_id": "Same Tax ID", "name": "Similar Name"}
	frappe.clear_messages()
	make_customer(new.pop("customer_name", unique("_CRM Unrelated Zyx")), **new)
	messages = " ".join(str(m) for m in frappe.get_message_log())
	assert "may be a duplicate" in messages and existing.name in messages and rule[kind] in messages


def test_a_different_customer_is_not_warned(default_rules):
	make_customer(
		unique("_CRM Quorvex Palanti"), email_id="one@quiet-keys.example", mobile_no="+8613912340000"
	)
	frappe.clear_messages()
	make_customer(unique("_CRM Bemido Ruzafa"), email_id="two@quiet-keys.example", mobile_no="+8613912349999")
	assert "duplicate" not in " ".join(str(m) for m in frappe.get_message_log())


def test_new_customer_checks_find_the_same_pairs_as_the_queue(default_rules):
	"""The planted duplicates (same email, the phone written differently, a typo'd name with its words
	reordered and a legal form) are found by the creation check through the keys, as by the queue."""
	clean = seeded_profiles(clean_names(300, seed=41), "_KEYQ")
	strangers = clean_names(12, seed=998)
	planted, expected = [], set()
	for i, base in enumerate(clean[:12]):
		row = {"name": f"_KEYQX{i:03d}", "customer_name": strangers[i], "email_id": None, "mobile_no": None}
		if i % 3 == 0:
			row["email_id"] = base["email_id"].upper()
		elif i % 3 == 1:
			digits = base["mobile_no"][1:]
			row["mobile_no"] = f"+{digits[:2]} {digits[2:5]}-{digits[5:9]} {digits[9:]}"
		else:
			words = base["customer_name"].split()
			row["customer_name"] = f"{words[1]} {words[0][:-1]}x Co., Ltd."
		planted.append(row)
		expected.add(tuple(sorted((base["name"], row["name"]))))
	names = insert_profiles(clean + planted)
	match_keys.refresh(names)

	from_queue = {pair for pair in matching.find_pairs() if pair[0] in names and pair[1] in names}
	assert from_queue == expected
	rules = matching.enabled_rules()
	from_checks = set()
	for row in planted:
		for m in matching.find_matches(
			row["customer_name"], row["email_id"], row["mobile_no"], exclude=row["name"], rules=rules
		):
			from_checks.add(tuple(sorted((m.profile, row["name"]))))
	assert from_checks == expected


def test_the_check_of_a_new_customer_reads_only_indexes(default_rules):
	"""EXPLAIN of the one lookup a new customer costs: every branch reads an index (no full scan)."""
	rows = seeded_profiles(clean_names(2000, seed=51), "_KEYX")
	match_keys.refresh(insert_profiles(rows))
	base = rows[7]
	with statements_sent() as sent:
		matches = matching.find_matches(
			base["customer_name"], base["email_id"], base["mobile_no"], "GB 1", rules=matching.enabled_rules()
		)
	statements = [s for s in sent if "match_" in str(s[0]) and "union all" in str(s[0])]
	assert {m.profile for m in matches} == {base["name"]}
	assert len(statements) == 1
	plan = frappe.db.sql("explain " + statements[0][0], statements[0][1], as_dict=True)
	tables = [row for row in plan if row.table == "tabCustomer Profile"]
	assert len(tables) == 5  # email, phone, tax id, name start, name end
	assert all(row.type in ("ref", "const") and row.key and row.key.startswith("match_") for row in tables), (
		plan
	)


@pytest.fixture
def blocking_tax_id_rule():
	"""A committed blocking Tax ID rule (Data Import commits every row); the rules are restored after."""
	saved = frappe.get_all(RULE, fields=["name", "action", "enabled"])
	made: dict[str, list[str]] = {"customers": [], "imports": [], "files": []}
	for rule in saved:
		frappe.db.set_value(RULE, rule.name, "enabled", 0)
	frappe.get_doc(
		{"doctype": RULE, "rule_name": "_CRM Block Tax ID", "rule_type": "Tax ID", "action": "Block"}
	).insert()
	frappe.db.commit()
	yield made
	frappe.db.rollback()
	frappe.delete_doc(RULE, "_CRM Block Tax ID", force=True, ignore_missing=True)
	for rule in saved:
		frappe.db.set_value(RULE, rule.name, {"action": rule.action, "enabled": rule.enabled})
	for name in made["customers"]:
		frappe.delete_doc("Customer", name, force=True, ignore_missing=True)
	for name in made["imports"]:
		frappe.db.delete("Data Import Log", {"data_import": name})
		frappe.delete_doc("Data Import", name, force=True, ignore_missing=True)
	for name in made["files"]:
		frappe.delete_doc("File", name, force=True, ignore_missing=True)
	frappe.db.commit()


def test_data_import_of_customers_blocks_by_rule_and_stores_exact_keys_and_scores(blocking_tax_id_rule):
	"""During a Data Import only blocking rules are checked per row (warnings would reach no one); the
	new profiles' keys and scores, written in one UPDATE from the imported row, equal a recompute."""
	from frappe.core.doctype.data_import.data_import import start_import

	from crm_profiles.quality import completeness

	made = blocking_tax_id_rule
	existing = make_customer(tax_id="CRM-IMP-777").name
	made["customers"].append(existing)
	names = [unique("_CRM Imported Öko Handel") for _ in range(3)]
	made["customers"].extend(names)
	rows = [
		"customer_name,customer_type,customer_group,territory,tax_id,website",
		f"{names[0]},Company,All Customer Groups,All Territories,CRM-IMP-001,https://oko.example",
		f"{names[1]},Company,All Customer Groups,All Territories,crm imp 777,",
		f"{names[2]},Company,All Customer Groups,All Territories,,",
	]
	file = frappe.get_doc(
		{"doctype": "File", "file_name": "_crm_customers.csv", "content": "\n".join(rows), "is_private": 1}
	).insert()
	made["files"].append(file.name)
	data_import = frappe.get_doc(
		{
			"doctype": "Data Import",
			"reference_doctype": "Customer",
			"import_type": "Insert New Records",
			"import_file": file.file_url,
		}
	).insert()
	made["imports"].append(data_import.name)
	frappe.db.commit()

	start_import(data_import.name)

	assert frappe.db.get_value("Data Import", data_import.name, "status") == "Partial Success"
	[failed] = frappe.get_all(
		"Data Import Log", filters={"data_import": data_import.name, "success": 0}, pluck="exception"
	)
	assert "DuplicateEntryError" in failed
	assert not frappe.db.exists("Customer", names[1])
	imported = [names[0], names[2]]
	stored = {
		name: (keys_of(name), frappe.db.get_value(PROFILE, name, "completeness_score")) for name in imported
	}
	assert stored[names[0]][0].match_tax_id == "CRMIMP001"
	assert stored[names[0]][1] > stored[names[2]][1]  # the website counts
	assert match_keys.refresh(imported) == 0
	completeness.update_all_scores(imported)
	assert {
		name: (keys_of(name), frappe.db.get_value(PROFILE, name, "completeness_score")) for name in imported
	} == stored
