"""Time the customer sheet import (``Customer Sheet Import``): a generated .xlsx of N rows with Chinese
headers, read and previewed, then imported by the job function itself (what the background worker runs,
one commit per row), then the same sheet again (every row an update). Everything is deleted at the end.
Benchmark sites only: it commits."""

from __future__ import annotations

import time

import frappe
from frappe.utils.xlsxutils import make_xlsx

from crm_profiles.benchmark.imports import _WORDS, PREFIX
from crm_profiles.sheets import importing
from crm_profiles.sheets import plan as planning

SHEET = f"{PREFIX}-sheet"
HEADERS = [
	"客户名称",
	"联系人",
	"职位",
	"手机",
	"邮箱",
	"地址",
	"城市",
	"客户组",
	"区域",
	"备注",
	"偏好",
	"标签",
]


def sheet_rows(n: int) -> list[list]:
	return [HEADERS] + [
		[
			f"{PREFIX} Sheet {_WORDS[i % 10]} {_WORDS[(i // 10) % 10]} {i:06d}",
			f"联系人 {i}",
			"采购经理",
			f"+86 137{i:08d}",
			f"bench.sheet.{i}@example.com",
			f"人民路 {i} 号",
			"上海",
			"All Customer Groups",
			"All Territories",
			"基准测试",
			"Delivery: mornings",
			"bench",
		]
		for i in range(n)
	]


# Rows imported a second time with "Write new customers in bulk" off, for the rate side by side
ROW_BY_ROW_SAMPLE = 300


def _new_import(n: int, bulk_write: int = 1) -> str:
	file = frappe.get_doc(
		{
			"doctype": "File",
			"file_name": f"{SHEET}.xlsx",
			"content": make_xlsx(sheet_rows(n), "Sheet1").getvalue(),
			"is_private": 1,
		}
	).insert(ignore_permissions=True)  # Safe: benchmark site, run from the bench command line
	doc = frappe.get_doc(
		{"doctype": importing.IMPORT, "import_file": file.file_url, "bulk_write": bulk_write}
	)
	doc.insert(ignore_permissions=True)  # Safe: as above
	frappe.db.commit()
	return doc.name


def _timed_run(n: int, bulk_write: int = 1) -> tuple[float, float, dict]:
	name = _new_import(n, bulk_write)
	start = time.perf_counter()
	plan = planning.plan_sheet(frappe.db.get_value(importing.IMPORT, name, "import_file"))
	preview = time.perf_counter() - start
	frappe.db.set_value(importing.IMPORT, name, "status", "Previewed")
	frappe.db.commit()
	start = time.perf_counter()
	result = importing.run_import(name)
	return preview, time.perf_counter() - start, {**result, "counts": plan.counts()}


def clear() -> None:
	"""Delete what the sheet made: customers by the prefix, their contacts, addresses, profiles."""
	customers = frappe.db.sql(
		"select name from `tabCustomer` where customer_name like %s", f"{PREFIX} Sheet%", pluck=True
	)
	if customers:
		names = tuple(customers)
		for doctype in ("Contact", "Address"):
			parents = frappe.db.sql(
				"""select parent from `tabDynamic Link` where parenttype = %s and link_doctype = 'Customer'
				and link_name in %s""",
				(doctype, names),
				pluck=True,
			)
			if parents:
				for child in frappe.get_meta(doctype).get_table_fields():
					frappe.db.sql(f"delete from `tab{child.options}` where parent in %s", (tuple(parents),))
				frappe.db.sql(f"delete from `tab{doctype}` where name in %s", (tuple(parents),))
		for child in ("Customer Profile Tag", "Customer Preference"):
			frappe.db.sql(f"delete from `tab{child}` where parent in %s", (names,))
		frappe.db.sql("delete from `tabCustomer Profile` where name in %s", (names,))
		frappe.db.sql("delete from `tabCustomer` where name in %s", (names,))
	imports = frappe.get_all(importing.IMPORT, filters={"import_file": ("like", f"%{SHEET}%")}, pluck="name")
	for name in imports:
		frappe.delete_doc(
			importing.IMPORT, name, force=True, ignore_permissions=True
		)  # Safe: benchmark's own
	for file in frappe.get_all("File", filters={"file_name": ("like", f"{SHEET}%")}, pluck="name"):
		frappe.delete_doc("File", file, force=True, ignore_permissions=True)  # Safe: benchmark's own files
	frappe.db.commit()


def run(n: int = 10_000, echo=print) -> list[tuple]:
	clear()
	try:
		preview, first, result = _timed_run(n)
		echo(f"sheet import of {n} rows: preview {preview:.1f} s, import {first:.1f} s, {result}")
		preview_again, again, result_again = _timed_run(n)
		echo(f"same sheet again: preview {preview_again:.1f} s, import {again:.1f} s, {result_again}")
		clear()
		sample = min(n, ROW_BY_ROW_SAMPLE)
		_preview, one_by_one, result_one_by_one = _timed_run(sample, bulk_write=0)
		echo(f"{sample} rows with bulk writing off: import {one_by_one:.1f} s, {result_one_by_one}")
	finally:
		clear()
	echo("")
	echo("| What | Seconds | Rows/s |")
	echo("|---|---:|---:|")
	for label, seconds in (
		(f"(9) preview of a {n}-row sheet (read, check, match)", preview),
		(f"(9) import of {n} new customers (Customer, Contact, Address, Profile)", first),
		(f"(9) preview of the same sheet again ({n} updates)", preview_again),
		(f"(9) import of the same sheet again ({n} updates)", again),
	):
		echo(f"| {label} | {seconds:.1f} | {n / seconds:.1f} |")
	echo(
		f"| (9) import of {sample} new customers with bulk writing off (each document's full save) "
		f"| {one_by_one:.1f} | {sample / one_by_one:.1f} |"
	)
	echo(
		f"| (9) new customers per second, in bulk ÷ one by one | {(n / first) / (sample / one_by_one):.1f} | |"
	)
	total = preview + first
	echo("")
	echo("| Target | Measured | Goal | Met |")
	echo("|---|---:|---:|---|")
	scaled = total * 10_000 / n
	echo(
		f"| preview + import of 10,000 rows (s, scaled from {n}) | {scaled:.1f} | <= 60 | {'yes' if scaled <= 60 else 'NO'} |"
	)
	return [("sheet preview + import, s per 10,000 rows", scaled)]
