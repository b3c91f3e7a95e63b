"""Write a chunk of a sheet's new customers set-based: one INSERT per table for the whole chunk.

A new row of a sheet is four documents (Customer, Contact, Address, Customer Profile) and, through the
ORM, about 150 queries. Here each document is still built and checked by Frappe's own code, in memory:
its defaults, the importing user's create permission (User Permissions included), its name from the
doctype's naming rule, and the field checks of ``Document._validate`` (mandatory, lengths, select
values, HTML sanitising). What the ORM would check one query at a time was checked by the plan for the
whole sheet (groups, territories, industries, countries and tiers exist; no customer of that name;
emails and phones valid). Then every table gets one multi-row INSERT per chunk, and the profiles are
made by the app's own set-based INSERT ... SELECT.

What is left out, and why this path is a choice on the import (*Write new customers in bulk*, on by
default): controllers' ``validate``/``on_update`` and other apps' ``doc_events`` on the new Customer,
Contact and Address, so Notifications and Webhooks on them do not fire. What those controllers do for
a plain new customer from a sheet is done here instead: the contact's full name, primary email and
mobile and its user, each link's title, the customer's primary contact, address and address display,
the customer's loyalty program when one applies automatically, and the global search entries.

Anything unexpected (a name taken twice within the chunk, a permission refused, a value too long)
raises, and the caller writes that chunk again row by row through the ORM, where each row gets its own
error.
"""

from __future__ import annotations

import frappe
from erpnext.selling.doctype.customer.customer import Customer
from frappe import _
from frappe.contacts.doctype.address.address import Address, get_address_display, get_address_templates
from frappe.contacts.doctype.contact.contact import Contact, get_full_name
from frappe.model.naming import make_autoname, validate_name
from frappe.utils import cstr, escape_html, now_datetime, nowdate
from frappe.utils.global_search import update_global_search

from crm_profiles.analytics import figures
from crm_profiles.profiles import sync
from crm_profiles.quality import completeness
from crm_profiles.sheets import plan as planning
from crm_profiles.sheets.columns import CUSTOMER, PROFILE
from crm_profiles.utils.sql import insert_values

CHUNK = 500
ADDRESS_TYPE = "Billing"


class NotInBulk(frappe.ValidationError):
	"""A chunk that cannot be written set-based: its rows go through the ORM one by one."""


def _custom(row: planning.Row, doctype: str) -> dict:
	meta = frappe.get_meta(doctype)
	return {
		fieldname: planning.custom_value(meta.get_field(fieldname), value)
		for (dt, fieldname), value in row.custom.items()
		if dt == doctype
	}


def customer_values(row: planning.Row) -> dict:
	"""The Customer fields a row sets (beside its name), empty cells left out."""
	v = row.values
	values = {"customer_type": row.customer_type or None}
	for key in ("customer_group", "territory", "industry", "tax_id"):
		values[key] = v.get(key) or None
	return {k: value for k, value in values.items() if value} | _custom(row, CUSTOMER)


def address_values(row: planning.Row, country: str | None) -> dict | None:
	v = row.values
	if not (v.get("address") or v.get("city")):
		return None
	return {
		"address_line1": v.get("address") or v["city"],
		"city": v.get("city") or v["address"],
		"country": v.get("country") or country,
	}


def profile_values(row: planning.Row) -> dict:
	"""The profile fields a row sets that the Customer, Contact and Address do not carry."""
	v = row.values
	values = {"tier": row.tier, **_custom(row, PROFILE)}
	if v.get("notes"):
		values["notes"] = escape_html(v["notes"]).replace("\n", "<br>")
	return {k: value for k, value in values.items() if value}


def _prepare(doc, name: str | None = None):
	"""What ``Document.insert`` does before writing, minus the controller and ``doc_events`` hooks and
	the per-link queries (the plan checked the links for the whole sheet). ``name``: the name the
	doctype's own naming rule gives, already known to be free (``_Names``); else the rule is run."""
	doc.set("__islocal", True)
	doc._set_defaults()
	doc.set_user_and_timestamp()
	doc.set_docstatus()
	doc.check_permission("create")
	if name:
		doc.name = validate_name(doc.doctype, name)  # no "<" or ">", as set_new_name checks
		doc.flags.name_set = True
		for child in doc.get_all_children():
			child.name = make_autoname("hash", child.doctype)
	else:
		doc.set_new_name()
	doc.set_parent_in_children()
	doc.validate_higher_perm_levels()
	doc.flags.in_insert = True
	doc._validate()
	doc.set_docstatus()
	return doc


def _insert(docs: list) -> None:
	"""One multi-row INSERT per table (parents and their child rows)."""
	rows: dict[str, list[dict]] = {}
	for doc in docs:
		for d in (doc, *doc.get_all_children()):
			rows.setdefault(d.doctype, []).append(d.get_valid_dict(convert_dates_to_str=True))
	for doctype, values in rows.items():
		fields = list(values[0])
		insert_values(doctype, fields, [[v.get(f) for f in fields] for v in values])


def _unique(names: list[str], what: str) -> None:
	seen = set()
	for name in names:
		key = name.casefold()
		if key in seen:
			raise NotInBulk(_("{0} {1} would be made twice").format(_(what), name))
		seen.add(key)


class _Names:
	"""The names the naming rules of Customer (by customer name, ERPNext's default), Contact and Address
	give, read for a whole chunk in one query per doctype: a name that is free is used as is, a taken
	one (or any other naming setup: a naming series, a Document Naming Rule, an app's own ``autoname``)
	goes through ``set_new_name`` as in the ORM."""

	def __init__(self):
		ruled = set(
			frappe.get_all(
				"Document Naming Rule", filters={"disabled": 0}, pluck="document_type", distinct=True
			)
		)
		self.by_rule = {
			CUSTOMER: frappe.defaults.get_global_default("cust_master_name") == "Customer Name"
			and type(frappe.new_doc(CUSTOMER)).autoname is Customer.autoname,
			"Contact": type(frappe.new_doc("Contact")).autoname is Contact.autoname,
			"Address": type(frappe.new_doc("Address")).autoname is Address.autoname,
		}
		self.by_rule = {dt: ok and dt not in ruled for dt, ok in self.by_rule.items()}
		self.free: dict[str, set[str]] = {}

	def read(self, doctype: str, candidates: list[str]) -> None:
		"""Which ``candidates`` no ``doctype`` row has (compared as MariaDB compares names)."""
		taken = set()
		if self.by_rule[doctype] and candidates:
			taken = {
				n.casefold()
				for n in frappe.get_all(doctype, filters={"name": ("in", candidates)}, pluck="name")
			}
		self.free[doctype] = {c for c in candidates if c.casefold() not in taken}

	def get(self, doctype: str, candidate: str) -> str | None:
		return candidate if candidate in self.free.get(doctype, ()) else None


def _contact_name(first_name: str, customer: str) -> str:
	"""Contact.autoname: the full name, then the first link's name."""
	return f"{get_full_name(first_name, None, None, None)}-{customer.strip()}"


def _address_name(customer_name: str) -> str:
	"""Address.autoname: the title and the type in the site's words (Frappe's own translation)."""
	return f"{cstr(customer_name).strip()}-{cstr(_(ADDRESS_TYPE)).strip()}"


class _Displays:
	"""Address displays, each country's Address Template compiled once per chunk (Frappe compiles it
	for every address)."""

	def __init__(self):
		self.templates = {}

	def render(self, address: dict) -> str:
		country = address.get("country")
		if country not in self.templates:
			_name, template = get_address_templates(address)
			self.templates[country] = None if ".__" in template else frappe.get_jenv().from_string(template)
		template = self.templates[country]
		return template.render(address) if template else get_address_display(address)


class _Lookups:
	"""What a chunk reads once: users by email, loyalty programs that apply by themselves."""

	def __init__(self, rows: list[planning.Row]):
		emails = sorted({r.email for r in rows if r.email})
		self.users = (
			dict(
				frappe.get_all("User", filters={"email": ("in", emails)}, fields=["email", "name"], as_list=1)
			)
			if emails
			else {}
		)
		self.loyalty = bool(frappe.db.exists("Loyalty Program", {"auto_opt_in": 1}))


def write_chunk(rows: list[planning.Row], context) -> dict[int, str]:
	"""Create the customers of ``rows`` (all planned *new*); {row number: customer}. Raises on
	anything the ORM would refuse; the caller has set a savepoint and rolls back to it.
	``context``: the import's defaults (``customer_group``, ``territory``, ``country``) and the set of
	``tags`` known to exist."""
	saving = list(frappe.flags.currently_saving or [])
	try:
		return _write_chunk(rows, context)
	finally:
		frappe.flags.currently_saving = saving  # what set_user_and_timestamp noted, for a save never run


def _write_chunk(rows: list[planning.Row], context) -> dict[int, str]:
	lookups = _Lookups(rows)
	names, displays = _Names(), _Displays()
	customer_names = [r.values["customer_name"].strip() for r in rows]
	names.read(CUSTOMER, customer_names)
	names.read(
		"Contact",
		[_contact_name(r.values.get("contact") or n, n) for r, n in zip(rows, customer_names, strict=True)],
	)
	names.read("Address", [_address_name(n) for n in customer_names])
	customers, contacts, addresses, created = [], [], [], {}
	for row in rows:
		customer = frappe.new_doc(CUSTOMER)
		customer.update(
			{
				"customer_name": row.values["customer_name"].strip(),
				"customer_type": "Company",
				"customer_group": context.customer_group,
				"territory": context.territory,
				**customer_values(row),
			}
		)
		_prepare(customer, names.get(CUSTOMER, customer.customer_name.strip()))
		if lookups.loyalty and hasattr(customer, "set_loyalty_program"):
			customer.set_loyalty_program()
		customers.append(customer)
		created[row.number] = customer.name
		contact = _contact(row, customer, lookups, names)
		if contact:
			contacts.append(contact)
			customer.update(
				{
					"customer_primary_contact": contact.name,
					"email_id": row.email or None,
					"mobile_no": row.mobile or None,
				}
			)
		address = _address(row, customer, context.country, names)
		if address:
			addresses.append(address)
			customer.update(
				{
					"customer_primary_address": address.name,
					"primary_address": displays.render(address.as_dict()),
				}
			)
	made = [c.name for c in customers]
	_unique(made, "Customer")
	_unique([c.name for c in contacts], "Contact")
	_unique([a.name for a in addresses], "Address")
	groups = frappe.get_all("Customer Group", filters={"name": ("in", made)}, pluck="name")
	if groups:  # ERPNext refuses a customer named like a customer group
		raise NotInBulk(_("A Customer Group named {0} exists").format(groups[0]))
	_insert(customers + contacts + addresses)
	sync.create_missing_profiles(made)
	sync.fill_new_profiles(made)
	_write_profiles(rows, created, context.tags)
	for doc in customers + contacts + addresses:  # queued for Frappe's search index, once all is written
		update_global_search(doc)
	return created


def new_contact(row: planning.Row, customer):
	"""The row's primary Contact for a new customer, not yet saved; None when the row names none."""
	v = row.values
	if not (v.get("contact") or row.email or row.mobile):
		return None
	contact = frappe.new_doc("Contact")
	contact.first_name = v.get("contact") or customer.customer_name
	contact.designation = v.get("designation") or None
	if row.email:
		contact.append("email_ids", {"email_id": row.email, "is_primary": 1})
	if row.mobile:
		contact.append("phone_nos", {"phone": row.mobile, "is_primary_mobile_no": 1})
	contact.append(
		"links", {"link_doctype": CUSTOMER, "link_name": customer.name, "link_title": customer.customer_name}
	)
	return contact


def new_address(row: planning.Row, customer, country: str | None):
	"""The row's primary Address for a new customer, not yet saved; None when the row gives none."""
	values = address_values(row, country)
	if not values:
		return None
	address = frappe.new_doc("Address")
	address.update(
		{
			"address_title": customer.customer_name,
			"address_type": ADDRESS_TYPE,
			"is_primary_address": 1,
			"is_shipping_address": 1,
			**values,
		}
	)
	address.append(
		"links", {"link_doctype": CUSTOMER, "link_name": customer.name, "link_title": customer.customer_name}
	)
	return address


def _contact(row: planning.Row, customer, lookups: _Lookups, names: _Names):
	contact = new_contact(row, customer)
	if not contact:
		return None
	_prepare(contact, names.get("Contact", _contact_name(contact.first_name, customer.name)))
	# Contact.validate's own steps, without its gravatar lookup over the network
	contact.full_name = contact._get_full_name()
	contact.set_primary_email()
	contact.set_primary("phone")
	contact.set_primary("mobile_no")
	contact.user = lookups.users.get(row.email) if row.email else None
	return contact


def _address(row: planning.Row, customer, country: str | None, names: _Names):
	address = new_address(row, customer, country)
	if not address:
		return None
	return _prepare(address, names.get("Address", _address_name(customer.customer_name)))


def _write_profiles(rows: list[planning.Row], created: dict[int, str], tags_known: set[str]) -> None:
	"""The profiles' own values (tier, notes, custom fields), tags and preferences, the tier's change
	log and the completeness scores. The profiles were made by ``sync.create_missing_profiles``."""
	children, tier_changes = [], []
	meta = frappe.get_meta(PROFILE)
	now, today = now_datetime(), nowdate()
	updates: dict[str, dict] = {}
	for row in rows:
		name = created[row.number]
		values = profile_values(row)
		if values:
			checked = frappe.get_doc({"doctype": PROFILE, **values})
			checked._validate_length()
			checked._sanitize_content()
			updates[name] = {f: checked.get(f) for f in values if meta.get_field(f)}
		if row.tier:
			tier_changes.append((name, "Tier", "", row.tier))
		for idx, tag in enumerate(row.tags, 1):
			_known_tag(tag, tags_known)
			children.append(_child("Customer Profile Tag", name, "tags", idx, {"tag": tag}, now))
		for idx, (category, preference) in enumerate(row.preferences, 1):
			children.append(
				_child(
					"Customer Preference",
					name,
					"preferences",
					idx,
					{"category": category, "preference": preference, "recorded_on": today},
					now,
				)
			)
	_update_profiles(updates)
	if children:
		_insert(children)
	figures.log_changes(tier_changes, reason="Manual")
	completeness.update_all_scores(list(created.values()))


def _update_profiles(updates: dict[str, dict]) -> None:
	"""One UPDATE for the chunk: each field takes its row's value where the sheet gave one. Field names
	come from the profile's meta (``_write_profiles``), never from the sheet's text."""
	fields = sorted({f for values in updates.values() for f in values})
	if not fields:
		return
	assignments, params = [], []
	for field in fields:
		given = [(name, values[field]) for name, values in updates.items() if field in values]
		assignments.append(
			f"`{field}` = case name {' '.join(['when %s then %s'] * len(given))} else `{field}` end"
		)
		params.extend(value for pair in given for value in pair)
	frappe.db.sql(
		f"update `tabCustomer Profile` set {', '.join(assignments)} where name in %s",
		[*params, tuple(updates)],
	)


def _child(doctype: str, parent: str, parentfield: str, idx: int, values: dict, now):
	child = frappe.get_doc(
		{"doctype": doctype, "parent": parent, "parenttype": PROFILE, "parentfield": parentfield, "idx": idx}
		| values
	)
	child.name = make_autoname("hash", doctype)
	child.owner = child.modified_by = frappe.session.user
	child.creation = child.modified = now
	child._validate_length()
	child._sanitize_content()
	return child


def _known_tag(tag: str, known: set[str]) -> None:
	if tag not in known and not frappe.db.exists("Tag", tag):
		frappe.get_doc({"doctype": "Tag", "name": tag}).insert()  # every desk user may create a Tag
	known.add(tag)
