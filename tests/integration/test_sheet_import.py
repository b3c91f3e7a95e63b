"""Customer sheets in and out: a generated sheet with Chinese headers, its preview, its import (the job
function called here, not through a worker), a second run of the same sheet, the export read back, and
the permission and argument checks through REST."""

from __future__ import annotations

import random
import re

import frappe
import pytest
from frappe.utils import random_string
from frappe.utils.xlsxutils import make_xlsx
from support.factories import make_customer, make_territory, make_user
from support.quality import clean_names
from support.rest import api_token, call

from crm_profiles.crm_profiles.doctype.customer_sheet_import import customer_sheet_import as api
from crm_profiles.setup.defaults import create_default_tiers
from crm_profiles.sheets import columns, exporting, importing

IMPORT = "Customer Sheet Import"
METHOD = "/api/method/crm_profiles.crm_profiles.doctype.customer_sheet_import.customer_sheet_import"
ZH_HEADERS = [
	"客户名称",
	"联系人",
	"职位",
	"手机",
	"邮箱",
	"地址",
	"城市",
	"行业",
	"客户等级",
	"客户组",
	"区域",
	"备注",
	"偏好",
	"标签",
]
# Every 20th row is bad, in one of these ways: (column, value)
BAD = [
	("邮箱", "not-an-email"),
	("手机", "12ab34"),
	("客户等级", "Diamond X"),
	("客户组", "No Such Group"),
	("区域", "Atlantis"),
]


def _industry() -> str:
	if not frappe.db.exists("Industry Type", "_CRM Sheet Industry"):
		frappe.get_doc({"doctype": "Industry Type", "industry": "_CRM Sheet Industry"}).insert()
	return "_CRM Sheet Industry"


def _same_tax_id_rule() -> None:
	if not frappe.db.exists("Duplicate Matching Rule", {"rule_type": "Tax ID", "enabled": 1}):
		frappe.get_doc(
			{
				"doctype": "Duplicate Matching Rule",
				"rule_name": random_string(8),
				"rule_type": "Tax ID",
				"enabled": 1,
				"action": "Warn",
			}
		).insert()


def upload(rows: list[list], file_name: str = "customers.xlsx") -> str:
	content = make_xlsx(rows, "Sheet1").getvalue() if file_name.endswith(".xlsx") else rows
	file = frappe.get_doc(
		{"doctype": "File", "file_name": file_name, "content": content, "is_private": 1}
	).insert()
	return file.file_url


def new_import(file_url: str, **values) -> str:
	return frappe.get_doc({"doctype": IMPORT, "import_file": file_url, **values}).insert().name


def generated_sheet(
	n: int, existing: list[str], duplicate_tax_ids: list[str], territory: str
) -> tuple[list[list], dict]:
	"""n rows with Chinese headers: every 20th row bad (5%), then ``existing`` names (updates), then rows
	sharing a tax id with an existing customer (likely duplicates), the rest new."""
	seed = random.Random(random_string(8)).randrange(10**6)
	names = clean_names(n, seed=seed)
	tag = random_string(6).lower()
	phones = random.randrange(10**8)  # numbers no customer of the site has
	industry = _industry()
	rows, expected = [[*ZH_HEADERS, "税号"]], {"bad": {}, "update": set(), "duplicate": set()}
	updates, duplicates = list(existing), list(duplicate_tax_ids)
	for i in range(n):
		name, tax_id = names[i], ""
		bad = BAD[(i // 20) % len(BAD)] if i % 20 == 19 else None
		if not bad and updates:
			name = updates.pop()
			expected["update"].add(i + 2)
		elif not bad and duplicates:
			tax_id = duplicates.pop()
			expected["duplicate"].add(i + 2)
		row = [
			name,
			f"联系人 {i}",
			"采购经理",
			f"+86 139{(phones + i) % 10**8:08d}",
			f"buyer{i}.{tag}@example.com",
			f"人民路 {i} 号",
			"上海",
			industry,
			"Gold",
			"All Customer Groups",
			territory,
			"重要客户\n第二行",
			"Delivery: mornings; 发票按月",
			"vip, 华东",
			tax_id,
		]
		if bad:
			row[ZH_HEADERS.index(bad[0])] = bad[1]
			expected["bad"][i + 2] = bad[0]
		rows.append(row)
	return rows, expected


@pytest.fixture
def sheet_site():
	create_default_tiers()
	_same_tax_id_rule()
	territory = make_territory()
	existing = [make_customer().customer_name for _ in range(3)]
	twins = [make_customer(tax_id=f"TAX{random_string(8)}").tax_id for _ in range(2)]
	return frappe._dict(territory=territory, existing=existing, twins=twins)


def run_sheet(sheet_site, n: int, bulk_write: int = 1) -> None:
	rows, expected = generated_sheet(n, sheet_site.existing, sheet_site.twins, sheet_site.territory)
	name = new_import(upload(rows), create_duplicates=1, bulk_write=bulk_write)
	summary = api.preview(name)
	bad, updates, dups = len(expected["bad"]), len(expected["update"]), len(expected["duplicate"])
	assert summary["total_rows"] == n
	assert summary["error_rows"] == bad == n // 20
	assert summary["update_rows"] == updates == 3
	assert summary["duplicate_rows"] == dups == 2
	assert summary["new_rows"] == n - bad - updates - dups

	preview = frappe.parse_json(frappe.db.get_value(IMPORT, name, "preview_json"))
	for row in preview:
		if row["row"] in expected["bad"]:
			assert row["status"] == "Error"
			assert [e["column"] for e in row["errors"]] == [expected["bad"][row["row"]]], row
		elif row["row"] in expected["duplicate"]:
			assert row["status"] == "Duplicate" and row["duplicates"][0]["rule"]

	frappe.db.set_value(IMPORT, name, "status", "Previewed")
	result = importing.run_import(name, commit=False)
	assert result["status"] == "Completed with Errors"
	assert (result["created_rows"], result["updated_rows"], result["failed_rows"]) == (
		n - bad - updates,
		updates,
		bad,
	)

	log = frappe.parse_json(frappe.db.get_value(IMPORT, name, "row_log"))
	failed = {r["row"]: r for r in log if r["status"] == "Failed"}
	assert set(failed) == set(expected["bad"])
	assert all(failed[n]["errors"][0]["column"] == col for n, col in expected["bad"].items())
	landed = [r["customer"] for r in log if r["status"] in ("Created", "Updated")]
	assert len(landed) == n - bad
	_assert_landed(landed)

	# The same sheet again: every good row updates, nothing new
	again = new_import(frappe.db.get_value(IMPORT, name, "import_file"))
	summary = api.preview(again)
	assert (summary["new_rows"], summary["duplicate_rows"], summary["error_rows"]) == (0, 0, bad)
	frappe.db.set_value(IMPORT, again, "status", "Previewed")
	customers = frappe.db.count("Customer")
	result = importing.run_import(again, commit=False)
	assert (result["created_rows"], result["updated_rows"]) == (0, n - bad)
	assert frappe.db.count("Customer") == customers
	_assert_landed(landed)  # no second contact, address, tag or preference


def _assert_landed(customers: list[str]) -> None:
	names = tuple(customers)
	count = lambda sql: frappe.db.sql(sql, {"names": names})[0][0]  # noqa: E731
	assert count("select count(*) from `tabCustomer` where name in %(names)s") == len(names)
	assert count(
		"select count(*) from `tabCustomer Profile` where name in %(names)s and tier = 'Gold'"
	) == len(names)
	for doctype in ("Contact", "Address"):
		assert frappe.db.sql(
			f"""select count(*) from `tabDynamic Link` where parenttype = '{doctype}'
			and link_doctype = 'Customer' and link_name in %(names)s""",
			{"names": names},
		)[0][0] == len(names)
	assert count("select count(*) from `tabCustomer Profile Tag` where parent in %(names)s") == 2 * len(names)
	assert count("select count(*) from `tabCustomer Preference` where parent in %(names)s") == 2 * len(names)
	assert count(
		"select count(*) from `tabCustomer` where name in %(names)s and customer_primary_contact is not null and customer_primary_address is not null"
	) == len(names)


@pytest.mark.parametrize("bulk_write", [1, 0], ids=["in bulk", "row by row"])
def test_a_sheet_of_100_rows_previews_imports_and_runs_again(sheet_site, bulk_write):
	run_sheet(sheet_site, 100, bulk_write)


def test_a_sheet_of_1000_rows_previews_imports_and_runs_again(sheet_site):
	"""The issue's acceptance sheet: 1,000 rows, Chinese headers, 50 bad rows (written in bulk)."""
	run_sheet(sheet_site, 1000)


ONE_ROW_HEADERS = [
	"Customer Name",
	"Contact",
	"Designation",
	"Mobile",
	"Email",
	"Address",
	"City",
	"Tier",
	"Territory",
	"Notes",
	"Preferences",
	"Tags",
]


@pytest.mark.parametrize("bulk_write", [1, 0], ids=["in bulk", "row by row"])
def test_one_row_lands_with_its_contact_address_and_profile(bulk_write):
	create_default_tiers()
	territory = make_territory()
	name = clean_names(1, seed=random.randrange(10**6))[0]
	rows = [
		[*ONE_ROW_HEADERS, "Website", "Nothing"],
		[
			name,
			"Li Lei",
			"Buyer",
			"+86 139 1234 5678",
			"Li.Lei@Example.com",
			"1 Main Road",
			"Shanghai",
			"Gold",
			territory,
			"<b>big</b> buyer",
			"Payment: monthly invoice; quiet calls",
			"vip",
			"https://example.com",
			"x",
		],
	]
	doc = new_import(upload(rows, "one.xlsx"), bulk_write=bulk_write)
	summary = api.preview(doc)
	assert (summary["new_rows"], summary["error_rows"]) == (1, 0)
	assert summary["ignored_columns"] == "Nothing"  # Website is a field of the profile: it is imported
	frappe.db.set_value(IMPORT, doc, "status", "Previewed")
	importing.run_import(doc, commit=False)
	customer = frappe.get_doc("Customer", {"customer_name": name})
	assert customer.territory == territory
	profile = frappe.get_doc("Customer Profile", customer.name)
	assert (profile.email_id, profile.mobile_no, profile.position, profile.tier) == (
		"li.lei@example.com",
		"+8613912345678",
		"Buyer",
		"Gold",
	)
	assert profile.website == "https://example.com"
	assert profile.contact_person_name == "Li Lei"
	assert "big" in profile.notes and "<b>" not in profile.notes  # a cell is text, never markup
	assert [(p.category, p.preference) for p in profile.preferences] == [
		("Payment", "monthly invoice"),
		("Other", "quiet calls"),
	]
	assert [t.tag for t in profile.tags] == ["vip"]
	contact = frappe.get_doc("Contact", customer.customer_primary_contact)
	assert (contact.first_name, contact.email_id, contact.mobile_no) == (
		"Li Lei",
		"li.lei@example.com",
		"+8613912345678",
	)
	address = frappe.get_doc("Address", customer.customer_primary_address)
	assert (address.address_line1, address.city) == ("1 Main Road", "Shanghai")


def _one_row(name: str, territory: str, i: int = 0) -> list[str]:
	return [
		name,
		"Han Mei",
		"Buyer",
		f"+86 139 5555 {random.randrange(10**4):04d}",
		f"han.{i}.{random_string(6)}@example.com",
		"2 Side Road",
		"Beijing",
		"Gold",
		territory,
		"pays on time",
		"Delivery: mornings",
		"vip",
	]


def _import(rows: list[list], **values) -> dict:
	name = new_import(upload(rows), **values)
	api.preview(name)
	frappe.db.set_value(IMPORT, name, "status", "Previewed")
	importing.run_import(name, commit=False)
	return {r["row"]: r for r in frappe.parse_json(frappe.db.get_value(IMPORT, name, "row_log"))}


def _written(customer: str) -> dict:
	"""What an imported row left on the site, with the names and times taken out."""
	c = frappe.get_doc("Customer", customer)
	contact = frappe.get_doc("Contact", c.customer_primary_contact)
	address = frappe.get_doc("Address", c.customer_primary_address)
	profile = frappe.get_doc("Customer Profile", customer)
	changes = frappe.get_all(
		"Customer Profile Change",
		filters={"customer_profile": customer},
		fields=["change_type", "from_value", "to_value", "reason"],
	)
	skip = {"name", "creation", "modified", "owner", "modified_by"}
	keep = lambda doc, fields: {f: doc.get(f) for f in fields}  # noqa: E731
	return {
		"customer": keep(c, ("customer_type", "customer_group", "territory", "email_id", "mobile_no"))
		| {"primary_address": c.primary_address},
		"contact": keep(
			contact, ("first_name", "full_name", "designation", "email_id", "mobile_no", "status")
		)
		| {"links": [(d.link_doctype, d.link_name == customer, d.link_title) for d in contact.links]},
		"address": keep(address, ("address_line1", "city", "country", "address_type", "is_primary_address"))
		| {"links": [(d.link_doctype, d.link_name == customer, d.link_title) for d in address.links]},
		"profile": {
			k: v
			for k, v in profile.as_dict(no_default_fields=True).items()
			if k not in skip and not isinstance(v, list)
		}
		| {
			"primary_contact": profile.primary_contact == c.customer_primary_contact,
			"address": profile.address == c.customer_primary_address,
			"address_display": profile.address_display,
			"tags": [t.tag for t in profile.tags],
			"preferences": [(p.category, p.preference) for p in profile.preferences],
		},
		"changes": changes,
	}


def test_in_bulk_and_row_by_row_write_the_same_documents():
	"""The bulk writer leaves what the ORM leaves, field for field (names and times aside)."""
	create_default_tiers()
	territory = make_territory()
	row = _one_row(clean_names(1, seed=random.randrange(10**6))[0], territory)
	written = {}
	for bulk_write in (1, 0):  # the same row, each written and read back, then rolled back
		frappe.db.savepoint("crm_same_documents")
		log = _import([ONE_ROW_HEADERS, row], bulk_write=bulk_write)
		assert log[2]["status"] == "Created", log
		written[bulk_write] = _written(log[2]["customer"])
		frappe.db.rollback(save_point="crm_same_documents")
	assert written[1]["profile"]["tier"] == "Gold" and written[1]["changes"]
	for part in written[1]:
		assert written[1][part] == written[0][part], part


def test_a_chunk_the_bulk_writer_refuses_goes_row_by_row():
	"""A customer named like a Customer Group is refused by ERPNext: the chunk is written row by row,
	that row fails with ERPNext's own message, and the others land."""
	create_default_tiers()
	territory = make_territory()
	names = clean_names(3, seed=random.randrange(10**6))
	frappe.get_doc(
		{
			"doctype": "Customer Group",
			"customer_group_name": names[1],
			"parent_customer_group": "All Customer Groups",
		}
	).insert()
	log = _import([ONE_ROW_HEADERS, *(_one_row(n, territory, i) for i, n in enumerate(names))])
	assert [log[n]["status"] for n in (2, 3, 4)] == ["Created", "Failed", "Created"], [
		r.get("errors") for r in log.values()
	]
	assert "Customer Group" in log[3]["errors"][0]["message"]  # ERPNext's own words
	assert not frappe.db.exists("Customer", {"customer_name": names[1]})
	for number in (2, 4):
		assert frappe.db.exists("Customer Profile", log[number]["customer"])


@pytest.mark.parametrize("bulk_write", [1, 0], ids=["in bulk", "row by row"])
def test_a_territory_restricted_manager_creates_customers_only_in_their_territory(bulk_write):
	create_default_tiers()
	mine, other = make_territory(), make_territory()
	names = clean_names(3, seed=random.randrange(10**6))
	user = make_user(
		f"sheet.territory.{random_string(5)}@example.com",
		["CRM Manager", "Sales Manager", "Sales User"],
		territory=mine,
	)
	frappe.set_user(user)
	url = upload(
		[
			ONE_ROW_HEADERS,
			*(_one_row(n, t, i) for i, (n, t) in enumerate(zip(names, (mine, other, mine), strict=True))),
		]
	)
	name = new_import(url, bulk_write=bulk_write)
	api.preview(name)
	frappe.db.set_value(IMPORT, name, "status", "Previewed")
	importing.run_import(name, commit=False)
	log = {r["row"]: r for r in frappe.parse_json(frappe.db.get_value(IMPORT, name, "row_log"))}
	assert [log[n]["status"] for n in (2, 3, 4)] == ["Created", "Failed", "Created"], [
		r.get("errors") for r in log.values()
	]
	frappe.set_user("Administrator")
	assert not frappe.db.exists("Customer", {"customer_name": names[1]})
	assert {frappe.db.get_value("Customer", log[n]["customer"], "territory") for n in (2, 4)} == {mine}


def test_running_a_sheet_again_writes_only_what_changed():
	create_default_tiers()
	territory = make_territory()
	row = _one_row(clean_names(1, seed=random.randrange(10**6))[0], territory)
	customer = _import([ONE_ROW_HEADERS, row])[2]["customer"]
	modified = frappe.db.get_value("Customer Profile", customer, "modified")

	again = _import([ONE_ROW_HEADERS, row])
	assert again[2]["status"] == "Updated"
	assert frappe.db.get_value("Customer Profile", customer, "modified") == modified  # nothing to save

	row[ONE_ROW_HEADERS.index("Tier")] = "Silver"
	row[ONE_ROW_HEADERS.index("Tags")] = "vip, 新标签"
	assert _import([ONE_ROW_HEADERS, row])[2]["status"] == "Updated"
	profile = frappe.get_doc("Customer Profile", customer)
	assert profile.tier == "Silver"
	assert [t.tag for t in profile.tags] == ["vip", "新标签"]


RUNNABLE = re.compile(r"<script|<[^>]*\son\w+\s*=|<[^>]*javascript:|<iframe", re.I)


@pytest.mark.parametrize("bulk_write", [1, 0], ids=["in bulk", "row by row"])
def test_hostile_cells_are_refused_or_stored_as_harmless_text(bulk_write):
	"""Markup in a sheet never lands runnable, whichever way the rows are written (a name is read as
	text, as the reader reads every cell)."""
	create_default_tiers()
	territory = make_territory()
	good = clean_names(1, seed=random.randrange(10**6))[0]
	bad_name = _one_row("<img src=x onerror=alert(1)> Co", territory, 0)
	hostile = _one_row(good, territory, 1)
	cells = {
		"Designation": "<img src=x onerror=alert(1)>",
		"Address": "<script>alert(1)</script>1 Road",
		"City": "<b onmouseover=alert(1)>Shanghai</b>",
		"Notes": "<script>alert(1)</script>",
		"Preferences": "Delivery: <img src=x onerror=alert(1)>",
	}
	for header, value in cells.items():
		hostile[ONE_ROW_HEADERS.index(header)] = value
	log = _import([ONE_ROW_HEADERS, bad_name, hostile], bulk_write=bulk_write)
	assert [log[2]["status"], log[3]["status"]] == ["Created", "Created"], log
	documents = []
	for number in (2, 3):
		customer = frappe.get_doc("Customer", log[number]["customer"])
		documents += [
			customer,
			frappe.get_doc("Contact", customer.customer_primary_contact),
			frappe.get_doc("Address", customer.customer_primary_address),
			frappe.get_doc("Customer Profile", customer.name),
		]
	assert "<" not in documents[0].name
	for doc in documents:
		for d in (doc, *doc.get_all_children()):
			for field, value in d.as_dict().items():
				assert not (isinstance(value, str) and RUNNABLE.search(value)), (d.doctype, field, value)


def test_a_csv_in_gb18030_reads_like_utf8():
	name = clean_names(1, seed=random.randrange(10**6))[0]
	text = f"客户名称,手机,邮箱\n{name},+86 139 1234 0000,bad@\n"
	doc = new_import(upload(text.encode("gb18030"), "客户.csv"))
	summary = api.preview(doc)
	assert (summary["total_rows"], summary["error_rows"]) == (1, 1)
	row = frappe.parse_json(frappe.db.get_value(IMPORT, doc, "preview_json"))[0]
	assert row["errors"][0]["column"] == "邮箱"


def test_errors_are_in_the_readers_language():
	frappe.local.lang = "zh"
	doc = new_import(upload([["客户名称", "邮箱"], ["", "x@"]]))
	api.preview(doc)
	row = frappe.parse_json(frappe.db.get_value(IMPORT, doc, "preview_json"))[0]
	messages = {e["column"]: e["message"] for e in row["errors"]}
	assert messages["客户名称"] == frappe._("is required") != "is required"
	assert "x@" in messages["邮箱"] and "valid email" not in messages["邮箱"]


def test_export_round_trips_and_shows_only_readable_customers(sheet_site):
	mine, other = make_territory(), make_territory()
	names = clean_names(4, seed=random.randrange(10**6))
	rows = [
		["Customer Name", "Mobile", "Email", "Tier", "Territory", "Tags", "Preferences", "City", "Address"]
	]
	for i, name in enumerate(names):
		rows.append(
			[
				name,
				f"+86 139 8765 43{i:02d}",
				f"e{i}.{random_string(5)}@example.com",
				"Gold",
				mine if i < 2 else other,
				"a, b",
				"Delivery: noon",
				"Beijing",
				f"Road {i}",
			]
		)
	doc = new_import(upload(rows))
	api.preview(doc)
	frappe.db.set_value(IMPORT, doc, "status", "Previewed")
	assert importing.run_import(doc, commit=False)["created_rows"] == 4

	sheet = exporting.sheet_rows()
	assert sheet[0] == columns.export_headers()
	ours = [r for r in sheet[1:] if r[0] in names]
	assert len(ours) == 4
	back = new_import(upload([sheet[0], *ours]))
	summary = api.preview(back)
	assert (summary["update_rows"], summary["error_rows"], summary["ignored_columns"]) == (4, 0, None)
	frappe.db.set_value(IMPORT, back, "status", "Previewed")
	assert importing.run_import(back, commit=False)["updated_rows"] == 4
	assert [r for r in exporting.sheet_rows()[1:] if r[0] in names] == ours  # nothing changed

	user = make_user(
		f"sheet.reader.{random_string(5)}@example.com", ["CRM User", "Sales User"], territory=mine
	)
	frappe.set_user(user)
	frappe.local.lang = "zh"
	sheet = exporting.sheet_rows()
	assert sheet[0][0] == "客户名称"
	assert sorted(r[0] for r in sheet[1:] if r[0] in names) == sorted(names[:2])
	assert {r[11] for r in sheet[1:] if r[0] in names} == {frappe._("Gold")}


def test_rest_refuses_users_without_the_role_and_hostile_arguments():
	# a fixed name: this test commits, and a new user each run would pile up on the site
	user = make_user("sheet.rest@crm-profiles.test", ["CRM User", "Sales User"])
	token = api_token(user)
	admin = api_token("Administrator")
	name = new_import(upload([["Customer Name"], ["x"]]))
	frappe.db.commit()
	try:
		for method in ("preview", "start_import"):
			assert call("POST", f"{METHOD}.{method}", token, json={"name": name}).status_code == 403
		for hostile in (["a"], {"a": 1}, "x" * 500, ""):
			response = call("POST", f"{METHOD}.preview", admin, json={"name": hostile})
			assert 400 <= response.status_code < 500, (hostile, response.status_code)
		assert call("POST", f"{METHOD}.preview", admin, json={"name": "SHEET-NOPE"}).status_code == 404
		assert (
			call("POST", f"{METHOD}.start_import", admin, json={"name": name}).status_code == 417
		)  # not previewed
		for hostile in (["xlsx"], {"a": 1}, "pdf"):
			response = call("POST", f"{METHOD}.export_customers", admin, json={"file_format": hostile})
			assert 400 <= response.status_code < 500, (hostile, response.status_code)
		response = call("GET", f"{METHOD}.export_customers", admin, params={"file_format": "csv"})
		assert response.status_code == 200 and "Customer Name" in response.get_data(as_text=True)
	finally:
		frappe.db.rollback()
		file_url = frappe.db.get_value(IMPORT, name, "import_file")
		frappe.delete_doc(IMPORT, name, force=True)
		frappe.delete_doc("File", frappe.db.get_value("File", {"file_url": file_url}), force=True)
		frappe.db.commit()


def test_a_sheet_must_be_a_file_the_user_may_read():
	"""The sheet's URL is the user's input: another user's private file is refused, not read."""
	url = upload([["Customer Name"], ["Someone Else's Secret Co"]])  # Administrator's private file
	user = make_user(f"sheet.manager.{random_string(5)}@example.com", ["CRM Manager", "Sales Manager"])
	frappe.set_user(user)
	with pytest.raises(frappe.PermissionError):
		new_import(url)
	with pytest.raises(frappe.ValidationError):
		new_import("/private/files/no-such-sheet.xlsx")
