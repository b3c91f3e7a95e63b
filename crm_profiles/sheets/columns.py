"""The columns of a customer sheet: which header means which value, in English and Chinese.

Each column has one English header, written through ``_()`` so that an export in the reader's language
carries the translated header; an import recognises the English header, its translation in the reader's
language and the usual synonyms of both languages, whatever the importer's language. A header that is
none of these but equals the label or fieldname of a field of Customer or Customer Profile (custom fields
included) fills that field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import frappe
from frappe import _
from frappe.model import no_value_fields, table_fields

CUSTOMER = "Customer"
PROFILE = "Customer Profile"


@dataclass(frozen=True)
class Column:
	key: str
	header: str  # English; the export writes _(header)
	synonyms: tuple[str, ...] = ()


# In the order the export writes them. Synonyms are matched after normalisation (case, spaces, marks).
COLUMNS: tuple[Column, ...] = (
	Column(
		"customer_name",
		"Customer Name",
		("客户名称", "客户", "客户名", "公司名称", "公司", "Customer", "Company Name", "Name"),
	),
	Column("customer_type", "Customer Type", ("客户类型", "Type")),
	Column("contact", "Contact", ("联系人", "联系人姓名", "Contact Person", "Contact Name")),
	Column("designation", "Designation", ("职位", "职务", "Position", "Job Title", "Title")),
	Column(
		"mobile",
		"Mobile",
		("手机", "手机号", "手机号码", "电话", "Phone", "Mobile No", "Mobile Number", "Telephone"),
	),
	Column("email", "Email", ("邮箱", "电子邮件", "电子邮箱", "E-mail", "Email Address", "Email Id")),
	Column("address", "Address", ("地址", "详细地址", "Address Line 1", "Street")),
	Column("city", "City", ("城市", "Town")),
	Column("country", "Country", ("国家",)),
	Column("industry", "Industry", ("行业", "Industry Type")),
	Column("tax_id", "Tax ID", ("税号", "纳税人识别号", "Tax Id", "VAT")),
	Column("tier", "Customer Tier", ("客户等级", "等级", "Tier")),
	Column("customer_group", "Customer Group", ("客户组", "客户群组", "Group")),
	Column("territory", "Territory", ("区域", "地区", "Region")),
	Column("notes", "Notes", ("备注", "Note", "Remarks")),
	Column("preferences", "Preferences", ("偏好", "Preference")),
	Column("tags", "Tags", ("标签", "Tag")),
)
BY_KEY = {c.key: c for c in COLUMNS}
# Fields of Customer and Customer Profile that the known columns fill
KNOWN_FIELDS = frozenset(
	{
		"customer_name",
		"customer_type",
		"customer_group",
		"territory",
		"industry",
		"tax_id",
		"tier",
		"email_id",
		"mobile_no",
		"position",
		"notes",
		"tags",
		"preferences",
		"primary_contact",
		"contact_person_name",
		"address",
	}
)

# spaces, stars, underscores, dashes, colons and brackets, also full-width ones
_NOT_HEADER = re.compile("[\\s*:\uff1a_\\-()\uff08\uff09]+")

# Field types a sheet cell can fill directly (no child tables, no layout, no passwords or files)
_CELL_TYPES = {
	"Data",
	"Select",
	"Link",
	"Int",
	"Float",
	"Currency",
	"Percent",
	"Check",
	"Date",
	"Datetime",
	"Small Text",
	"Text",
	"Long Text",
	"Phone",
	"Rating",
}


def normalise_header(header) -> str:
	return _NOT_HEADER.sub("", str(header or "")).casefold()


@dataclass(frozen=True)
class Mapping:
	"""Where each column of the sheet goes: ``known`` {index: key}, ``fields`` {index: (doctype, fieldname,
	fieldtype)}, ``ignored`` the headers nothing takes."""

	known: dict[int, str]
	fields: dict[int, tuple[str, str, str]]
	ignored: list[str]

	def keys(self) -> set[str]:
		return set(self.known.values())


def _known_headers() -> dict[str, str]:
	"""{normalised header: key}, English, the reader's language and the synonyms."""
	found: dict[str, str] = {}
	for column in COLUMNS:
		for header in (column.header, _(column.header), *column.synonyms):
			found.setdefault(normalise_header(header), column.key)
	return found


def settable_fields(doctype: str) -> dict[str, tuple[str, str, str]]:
	"""{normalised label or fieldname: (doctype, fieldname, fieldtype)} of the fields a cell may fill:
	plain value fields at permlevel 0 that are not read-only, custom fields included (from the meta)."""
	found: dict[str, tuple[str, str, str]] = {}
	for df in frappe.get_meta(doctype).fields:
		if (
			df.fieldtype in table_fields
			or df.fieldtype in no_value_fields
			or df.fieldtype not in _CELL_TYPES
			or df.read_only
			or df.hidden
			or df.permlevel
			or df.fieldname.startswith("match_")
		):
			continue
		target = (doctype, df.fieldname, df.fieldtype)
		for header in (df.fieldname, df.label, _(df.label or "")):
			if header:
				found.setdefault(normalise_header(header), target)
	return found


def map_headers(headers: list) -> Mapping:
	"""Map a sheet's header row; the first column taking a key wins, a repeated one is ignored."""
	known_headers = _known_headers()
	custom = {
		header: target
		for header, target in {**settable_fields(CUSTOMER), **settable_fields(PROFILE)}.items()
		if target[1] not in KNOWN_FIELDS  # fields the known columns set are never filled twice
	}
	known: dict[int, str] = {}
	fields: dict[int, tuple[str, str, str]] = {}
	ignored: list[str] = []
	for index, header in enumerate(headers):
		normalised = normalise_header(header)
		if not normalised:
			continue
		key = known_headers.get(normalised)
		if key and key not in known.values():
			known[index] = key
		elif not key and normalised in custom and custom[normalised] not in fields.values():
			fields[index] = custom[normalised]
		else:
			ignored.append(str(header))
	return Mapping(known, fields, ignored)


def export_headers() -> list[str]:
	"""The header row in the reader's language."""
	return [_(c.header) for c in COLUMNS]
