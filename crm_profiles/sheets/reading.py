"""Read the attached sheet (the first worksheet of an .xlsx, or a .csv) into a header and rows of text,
with what Frappe ships: ``read_xlsx_file_from_attached_file`` and ``read_csv_content``."""

from __future__ import annotations

import datetime

import frappe
from frappe import _
from frappe.utils.csvutils import read_csv_content
from frappe.utils.xlsxutils import read_xlsx_file_from_attached_file

# A sheet larger than this is refused before it is read row by row
MAX_ROWS = 50_000


def read_sheet(file_url: str) -> tuple[list[str], list[list[str]]]:
	"""(headers, rows): every cell as stripped text ("" when empty); blank rows are kept (they keep the
	row numbers people see in their spreadsheet) and skipped by the plan."""
	file = readable_file(file_url)
	name = (file.file_name or file_url).lower()
	content = _raw_content(file)
	if name.endswith(".xlsx"):
		if isinstance(content, str):
			content = content.encode()
		rows = read_xlsx_file_from_attached_file(fcontent=content) or []
	elif name.endswith(".csv"):
		rows = read_csv_content(_decode(content))
	else:
		frappe.throw(_("Attach an Excel (.xlsx) or CSV (.csv) sheet."), frappe.ValidationError)
	if not rows:
		frappe.throw(_("The sheet is empty."), frappe.ValidationError)
	if len(rows) > MAX_ROWS + 1:
		frappe.throw(
			_("The sheet has {0} rows; import at most {1} rows at a time.").format(len(rows) - 1, MAX_ROWS),
			frappe.ValidationError,
		)
	headers = [_cell(v) for v in rows[0]]
	return headers, [[_cell(v) for v in row] for row in rows[1:]]


def readable_file(file_url: str):
	"""The File at ``file_url`` that the user may read (their own upload, a public file, or one attached
	to a document they may read); the URL is the user's input."""
	names = frappe.get_all("File", filters={"file_url": file_url}, pluck="name", order_by="creation asc")
	if not names:
		frappe.throw(_("The file {0} was not found.").format(file_url), frappe.ValidationError)
	for name in names:
		file = frappe.get_doc("File", name)
		if frappe.has_permission("File", "read", doc=file):
			return file
	frappe.throw(_("Not permitted to read the file {0}.").format(file_url), frappe.PermissionError)


def _raw_content(file) -> bytes | str:
	"""The stored file's bytes. ``File.get_content`` of Frappe 16 decodes text itself, falling back to
	windows-1250, which turns a GB18030 sheet into mojibake; ``_decode`` chooses the encoding here."""
	if file.get("content") or not file.file_url:
		return file.get_content()
	file.validate_file_url()
	with open(file.get_full_path(), "rb") as f:
		return f.read()


def _decode(content) -> str:
	"""UTF-8 (with or without BOM), else GB18030, which Excel writes for Chinese CSV files."""
	if isinstance(content, str):
		return content.lstrip("\ufeff")
	for encoding in ("utf-8-sig", "gb18030"):
		try:
			return content.decode(encoding)
		except UnicodeDecodeError:
			continue
	frappe.throw(_("The CSV file is neither UTF-8 nor GB18030 text."), frappe.ValidationError)


def _cell(value) -> str:
	if value is None:
		return ""
	if isinstance(value, datetime.datetime):
		return value.strftime("%Y-%m-%d %H:%M:%S") if value.time() != datetime.time() else str(value.date())
	if isinstance(value, datetime.date):
		return value.isoformat()
	if isinstance(value, float) and value.is_integer():
		return str(int(value))  # a phone number Excel stored as a number
	return str(value).strip()
