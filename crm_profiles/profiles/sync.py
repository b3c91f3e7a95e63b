"""Keep exactly one Customer Profile per ERPNext Customer.

Each doc_events handler on Customer is one small named step. Creation and backfill share one
set-based INSERT ... SELECT, so the install-time backfill of many customers and the creation of a
single profile run the same code.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.model.rename_doc import (
	get_link_fields,
	rename_doc,
	rename_dynamic_links,
	rename_versions,
	update_link_field_values,
)
from frappe.utils import now_datetime
from frappe.utils.caching import site_cache

from crm_profiles.compat import LEAD_SOURCE_FIELD
from crm_profiles.privacy.sensitive import encrypted_fields
from crm_profiles.quality import completeness, match_keys, matching
from crm_profiles.utils import data_import

PROFILE = "Customer Profile"
INTERACTION = "Customer Interaction"


# The profile columns a new profile takes, each with what it is read from: the Customer ``c``, its primary
# Contact ``ct`` and the Lead ``ld`` it came from.
_INSERTED = (
	("name", "c.name"),
	("creation", "%(now)s"),
	("modified", "%(now)s"),
	("owner", "%(user)s"),
	("modified_by", "%(user)s"),
	("docstatus", "0"),
	("idx", "0"),
	("customer", "c.name"),
	("customer_name", "c.customer_name"),
	("customer_group", "c.customer_group"),
	("territory", "c.territory"),
	("industry", "c.industry"),
	("primary_contact", "c.customer_primary_contact"),
	("contact_person_name", "ct.full_name"),
	("position", "ct.designation"),
	("email_id", "c.email_id"),
	("mobile_no", "c.mobile_no"),
	("organization", "if(c.customer_type = 'Individual', null, c.customer_name)"),
	("address", "c.customer_primary_address"),
	("address_display", "c.primary_address"),
	("website", "c.website"),
	("account_owner", "c.account_manager"),
	("source", f"ld.{LEAD_SOURCE_FIELD}"),
	("lifecycle_stage", "'Prospect'"),
)
_MISSING_PROFILES = """from `tabCustomer` c
	left join `tabCustomer Profile` p on p.name = c.name
	left join `tabContact` ct on ct.name = c.customer_primary_contact
	left join `tabLead` ld on ld.name = c.lead_name
	where p.name is null {condition}"""
_COLUMNS = tuple(c for c, _e in _INSERTED)
_INSERT_MISSING_PROFILES = f"""insert into `tabCustomer Profile` ({", ".join(_COLUMNS)})
	select {", ".join(e for _c, e in _INSERTED)}
	{_MISSING_PROFILES}"""


def insert_profile_sql(weights: dict[str, int]) -> str:
	"""One new customer's profile (``%(customer)s``) with its match keys (``%(match_...)s``) and its
	completeness score, in one INSERT ... SELECT: the score is read from the new row's values, and from
	the column defaults for the weighted fields the INSERT does not set (field names from ``weights``,
	which keeps fields of the profile's meta only)."""
	values = [f"{e} as `{c}`" for c, e in _INSERTED]
	values += [f"default(p.`{f}`) as `{f}`" for f in weights if f not in _COLUMNS]
	columns = [*_COLUMNS, *match_keys.FIELDS, "completeness_score"]
	selected = [
		*(f"s.`{c}`" for c in _COLUMNS),
		*(f"%({f})s" for f in match_keys.FIELDS),
		completeness.score_expression(weights),
	]
	return f"""insert into `tabCustomer Profile` ({", ".join(columns)})
	select {", ".join(selected)}
	from (select {", ".join(values)} {_MISSING_PROFILES.format(condition="and c.name = %(customer)s")}) s"""


def auto_create_enabled() -> bool:
	return bool(frappe.db.get_single_value("CRM Profile Settings", "auto_create_profiles"))


def create_missing_profiles(customers: list[str] | None = None) -> int:
	"""Create a profile for every given customer (all customers when None) that has none.

	One INSERT ... SELECT, so 10,000 customers cost one statement, not 10,000 documents.
	Returns the number of profiles created.
	"""
	params = {"now": now_datetime(), "user": frappe.session.user or "Administrator"}
	condition = ""
	if customers is not None:
		if not customers:
			return 0
		condition = "and c.name in %(customers)s"
		params["customers"] = tuple(customers)
	frappe.db.sql(_INSERT_MISSING_PROFILES.format(condition=condition), params)
	# the statement's own row count: counting the profile table before and after read the whole table
	# on every new customer
	created = frappe.db._cursor.rowcount
	if created:
		match_keys.refresh(customers)
	return created


@site_cache()
def app_doctypes() -> tuple[str, ...]:
	"""The app's own non-child, non-single DocTypes. They change only with a deploy and migrate, which
	restart every process; cached per site, as every Customer event used to query the DocType table."""
	return tuple(
		sorted(
			frappe.get_all(
				"DocType", filters={"module": "CRM Profiles", "istable": 0, "issingle": 0}, pluck="name"
			)
		)
	)


def denormalised_fields(source: str) -> list[tuple[str, str, str, str]]:
	"""(doctype, fieldname, link fieldname, source fieldname) of every field of the app's doctypes that
	copies a value of a ``source`` document (``fetch_from`` in the DocType JSON).

	Read from the meta, so a new copied field is kept in step without a code change.
	"""
	found = []
	for doctype in app_doctypes():
		meta = frappe.get_meta(doctype)
		for df in meta.fields:
			if not df.fetch_from or "." not in df.fetch_from:
				continue
			link, source_field = df.fetch_from.split(".", 1)
			link_df = meta.get_field(link)
			if link_df and link_df.fieldtype == "Link" and link_df.options == source:
				found.append((doctype, df.fieldname, link, source_field))
	return found


def _copy_from(source: str, names: list[str], only: tuple[str, ...] | None = None) -> None:
	"""One UPDATE ... JOIN per doctype (of ``only`` when given): copied fields of rows linked to
	``names`` take the source's values.

	Table and column names come from the DocType meta, never from user input; names are parameters.
	"""
	by_target: dict[tuple[str, str], list[tuple[str, str]]] = {}
	for doctype, fieldname, link, source_field in denormalised_fields(source):
		if only is not None and doctype not in only:
			continue
		by_target.setdefault((doctype, link), []).append((fieldname, source_field))
	for (doctype, link), pairs in by_target.items():
		assignments = ", ".join(f"t.`{f}` = s.`{sf}`" for f, sf in pairs)
		frappe.db.sql(
			f"""update `tab{doctype}` t join `tab{source}` s on s.name = t.`{link}`
			set {assignments} where t.`{link}` in %(names)s""",
			{"names": tuple(names)},
		)


def sync_customer_fields(customer: str | list[str]) -> None:
	"""Keep every copied customer field (name, group, territory, industry...) of the app's doctypes in
	step with the Customer: profiles, interactions, consents, and what copies from the profile in turn
	(possible duplicates). Set-based: one UPDATE per doctype, whatever the number of rows.

	Interactions and consents carry territory and group so that User Permissions restrict them like
	Customers; a stale copy would check the old territory.
	"""
	names = [customer] if isinstance(customer, str) else list(customer)
	if not names:
		return
	_copy_from("Customer", names)
	_copy_from(PROFILE, names)


def merge_profile_into(source: str, target: str) -> None:
	"""Merge profile ``source`` into profile ``target``, keeping the union of everything.

	Child rows (preferences, tags) move to the target after its own rows, empty target fields take the
	source's values, every Link and Dynamic Link to the source (interactions and any later record)
	points at the target, the source's Versions move too, and then the source is deleted.
	"""
	_move_child_rows(source, target)
	_fill_empty_fields(source, target)
	match_keys.refresh([target])
	update_link_field_values(get_link_fields(PROFILE), source, target, PROFILE)
	rename_dynamic_links(PROFILE, source, target)
	rename_versions(PROFILE, source, target)
	# Safe: this runs inside a Customer merge that Frappe authorises for the user, and every record
	# that pointed at the source profile was moved to the target above, so nothing is lost.
	frappe.delete_doc(PROFILE, source, ignore_permissions=True, force=True)
	frappe.get_doc(PROFILE, target).add_comment(
		"Edit", _("merged profile {0} into {1}").format(frappe.bold(source), frappe.bold(target))
	)


def _move_child_rows(source: str, target: str) -> None:
	for df in frappe.get_meta(PROFILE).get_table_fields():
		table = f"tab{df.options}"
		offset = frappe.db.sql(
			f"select coalesce(max(idx), 0) from `{table}` where parenttype = %s and parent = %s and parentfield = %s",
			(PROFILE, target, df.fieldname),
		)[0][0]
		frappe.db.sql(
			f"""update `{table}` set parent = %(target)s, idx = idx + %(offset)s
			where parenttype = %(dt)s and parent = %(source)s and parentfield = %(field)s""",
			{"target": target, "source": source, "offset": offset, "dt": PROFILE, "field": df.fieldname},
		)


def _fill_empty_fields(source: str, target: str) -> None:
	src = frappe.db.get_value(PROFILE, source, "*", as_dict=True)
	dst = frappe.db.get_value(PROFILE, target, "*", as_dict=True)
	skip = {"name", "customer", "creation", "modified", "owner", "modified_by", "idx", "docstatus"}
	updates = {}
	for df in frappe.get_meta(PROFILE).fields:
		if df.fieldname in skip or df.fieldname not in src or df.read_only:
			continue
		if src.get(df.fieldname) and not dst.get(df.fieldname):
			updates[df.fieldname] = src[df.fieldname]
	if src.get("notes") and dst.get("notes") and src.notes != dst.notes:
		updates["notes"] = f"{dst.notes}<hr>{src.notes}"
	if updates:
		frappe.db.set_value(PROFILE, target, updates, update_modified=False)
	_move_encrypted_values(source, target, [f for f in updates if f in encrypted_fields()])


def _move_encrypted_values(source: str, target: str, fieldnames: list[str]) -> None:
	"""A Password field's column holds only its mask; the value itself is in ``__Auth``, under the
	profile's name. When the target took the source's mask, the encrypted value moves with it (the
	source's other rows go when the source is deleted)."""
	if fieldnames:
		# a stale row of the target (its column was emptied) would block the move
		frappe.db.delete("__Auth", {"doctype": PROFILE, "name": target, "fieldname": ("in", fieldnames)})
		frappe.db.sql(
			"""update `__Auth` set name = %(target)s
			where doctype = %(dt)s and name = %(source)s and fieldname in %(fields)s""",
			{"dt": PROFILE, "source": source, "target": target, "fields": tuple(fieldnames)},
		)


def rename_profile(old: str, new: str) -> None:
	"""Rename a profile after its customer; Frappe moves its child rows and every link to it."""
	# Safe: mirrors a Customer rename that Frappe already authorised for this user.
	rename_doc(
		doctype=PROFILE,
		old=old,
		new=new,
		force=True,
		ignore_permissions=True,
		show_alert=False,
		rebuild_search=False,
	)


# ---------------------------------------------------------------------------------------------
# doc_events on Customer
# ---------------------------------------------------------------------------------------------


def on_customer_insert(doc, method=None) -> None:
	"""The new customer's profile, with its match keys and completeness score, in one statement
	(``insert_profile_sql``). The keys are computed from the customer being inserted, whose values the
	INSERT ... SELECT copies. During a Data Import the settings are read once per import
	(``data_import.cached``).
	"""
	enabled = (
		data_import.cached("crm_auto_create_profiles", auto_create_enabled)
		if data_import.in_data_import(doc)
		else auto_create_enabled()
	)
	if not enabled:
		return
	weights = (
		data_import.cached("crm_completeness_weights", completeness.weights)
		if data_import.in_data_import(doc)
		else completeness.weights()
	)
	keys = matching.match_keys(
		doc.customer_name, doc.get("email_id"), doc.get("mobile_no"), doc.get("tax_id")
	)
	frappe.db.sql(
		insert_profile_sql(weights),
		{
			"now": now_datetime(),
			"user": frappe.session.user or "Administrator",
			"customer": doc.name,
			**keys.as_fields(),
		},
	)


# Customer fields the profile's match keys are computed from
MATCHED_CUSTOMER_FIELDS = ("customer_name", "tax_id")


# Profile columns the INSERT ... SELECT fills from the Customer itself
_INSERTED_FROM_CUSTOMER = frozenset({"customer_name", "customer_group", "territory", "industry"})


def on_customer_update(doc, method=None) -> None:
	# on_update of an insert: ``is_new()`` is already False here (db_insert cleared it), in_insert is not
	if doc.flags.in_insert:
		fill_new_profiles([doc.name])
		return
	copied = {source_field for _dt, _f, _link, source_field in denormalised_fields("Customer")}
	if any(doc.has_value_changed(f) for f in copied):
		sync_customer_fields(doc.name)
	if any(doc.has_value_changed(f) for f in MATCHED_CUSTOMER_FIELDS):
		match_keys.refresh([doc.name])


def fill_new_profiles(customers: list[str]) -> None:
	"""Nothing but its new profile can link to a customer made in this transaction: copy the fields the
	INSERT ... SELECT does not know (e.g. a Custom Field fetched from the Customer), when there are any;
	with the app's own fields there is nothing left to copy."""
	if _profile_fields_not_inserted():
		_copy_from("Customer", customers, only=(PROFILE,))


def _profile_fields_not_inserted() -> list[str]:
	"""Profile fields fetched from the Customer that the INSERT ... SELECT does not set, read from the
	profile's (cached) meta, since a Custom Field may add one."""
	meta = frappe.get_meta(PROFILE)
	return [
		df.fieldname
		for df in meta.fields
		if df.fetch_from
		and df.fieldname not in _INSERTED_FROM_CUSTOMER
		and (link := meta.get_field(df.fetch_from.split(".", 1)[0]))
		and link.fieldtype == "Link"
		and link.options == "Customer"
	]


def on_customer_before_rename(doc, method, old: str, new: str, merge: bool = False) -> None:
	"""On a merge, fold the old customer's profile into the surviving one before links move."""
	if not merge or not frappe.db.exists(PROFILE, old):
		return
	if frappe.db.exists(PROFILE, new):
		merge_profile_into(old, new)
	else:
		rename_profile(old, new)


def on_customer_after_rename(doc, method, old: str, new: str, merge: bool = False) -> None:
	"""On a plain rename, the profile takes the customer's new name."""
	if merge or old == new:
		return
	if frappe.db.exists(PROFILE, old) and not frappe.db.exists(PROFILE, new):
		rename_profile(old, new)


def on_customer_trash(doc, method=None) -> None:
	"""Deleting a customer deletes its profile; interactions (history) block the deletion."""
	count = frappe.db.count(INTERACTION, {"customer": doc.name})
	if count:
		frappe.throw(
			_(
				"Customer {0} has {1} interaction(s). Delete them first, or merge this customer into another one (Rename with Merge) to keep its history."
			).format(frappe.bold(doc.name), count),
			frappe.LinkExistsError,
			title=_("Customer has interactions"),
		)
	if frappe.db.exists(PROFILE, doc.name):
		# Safe: the user is deleting the Customer, and the profile is its one-to-one extension.
		frappe.delete_doc(PROFILE, doc.name, ignore_permissions=True, force=True)
	# its self-service links are only access grants: they go with the customer
	frappe.db.delete("Customer Self-service Link", {"customer": doc.name})
