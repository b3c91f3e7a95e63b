"""Import a planned sheet. New rows go, 500 at a time, through the bulk writer (``sheets.bulk``) when
the import says so (*Write new customers in bulk*, the default): one savepoint and one commit per chunk,
and a chunk the writer refuses is written again row by row. Every other row (updates, likely duplicates
created anyway, new rows with bulk writing off) is its own savepoint and commit, as in Frappe's Data
Import: a bad row leaves nothing behind while the good rows land.

A row written row by row goes through the ORM, with the importing user's permissions:

- the **Customer** (new), or its changed fields (update);
- its primary **Contact** (name, designation, email, mobile), created when the customer has none,
  else completed with the email and mobile it lacks;
- its primary **Address** (address line, city, country), created when the customer has none, else
  updated;
- its **Customer Profile** (created by the app's Customer hook): contact values, tier, notes, tags,
  preferences and custom fields. Tags and preferences already there are not added again, so running
  the same sheet twice updates every customer and creates none.

Rows the plan marked as errors are reported and skipped; likely duplicates are skipped unless the import
says to create them anyway.
"""

from __future__ import annotations

import json
import time

import frappe
from frappe import _
from frappe.utils import now_datetime, nowdate, strip_html

from crm_profiles.profiles import sync
from crm_profiles.sheets import bulk
from crm_profiles.sheets import plan as planning
from crm_profiles.sheets.columns import CUSTOMER, PROFILE

IMPORT = "Customer Sheet Import"
CREATED, UPDATED, SKIPPED, FAILED = "Created", "Updated", "Skipped", "Failed"
# Publish progress at most this often (seconds)
PROGRESS_EVERY = 1.0


def run_import(name: str, commit: bool = True, lang: str | None = None) -> dict:
	"""The background job (also called directly by tests and the benchmark). ``lang``: the language of
	the user who started it, for the row messages (a worker starts in the site's language)."""
	if lang:
		frappe.local.lang = lang
	doc = frappe.get_doc(IMPORT, name)
	_set(name, status="Running", started_on=now_datetime())
	if commit:
		frappe.db.commit()
	try:
		plan = planning.plan_sheet(doc.import_file)
	except Exception as error:
		if commit:
			frappe.db.rollback()
		_set(name, status="Failed", finished_on=now_datetime(), error=_message(error))
		if commit:
			frappe.db.commit()
		return {"status": "Failed"}
	context = _Context()
	progress = _Progress(name, len(plan.rows))
	in_import = frappe.flags.in_import
	# As Frappe's Data Import does: documents skip what only makes sense one by one at a desk (e.g. a
	# network lookup of each new contact's avatar)
	frappe.flags.in_import = True
	try:
		results = _import_rows(plan, context, doc, commit, progress)
	finally:
		frappe.flags.in_import = in_import
	summary = _summary(results)
	status = "Completed" if not summary["failed_rows"] else "Completed with Errors"
	_set(
		name,
		status=status,
		finished_on=now_datetime(),
		row_log=json.dumps(results, ensure_ascii=False, separators=(",", ":")),
		**summary,
	)
	if commit:
		frappe.db.commit()
	frappe.publish_realtime(
		"crm_sheet_import_done", {"name": name, "status": status}, doctype=IMPORT, docname=name
	)
	return {"status": status, **summary}


def _import_rows(
	plan: planning.Plan, context: _Context, doc, commit: bool, progress: _Progress
) -> list[dict]:
	"""Each row's result, in the sheet's order. New rows go in chunks through the bulk writer when the
	import asks for it (a chunk it refuses goes row by row); the others row by row."""
	create_duplicates = bool(doc.create_duplicates)
	results: dict[int, dict] = {}
	rows = plan.rows
	if doc.bulk_write:
		new = [r for r in rows if r.status == planning.NEW]
		rows = [r for r in rows if r.status != planning.NEW]
		for start in range(0, len(new), bulk.CHUNK):
			chunk = new[start : start + bulk.CHUNK]
			for row in _bulk_chunk(chunk, plan, context):
				results[row["row"]] = row
			if commit:
				frappe.db.commit()
			progress.advance(len(chunk))
	for row in rows:
		results[row.number] = import_row(row, plan, context, create_duplicates=create_duplicates)
		if commit:
			frappe.db.commit()
		progress.advance(1)
	return [results[number] for number in sorted(results)]


def _bulk_chunk(chunk: list[planning.Row], plan: planning.Plan, context: _Context) -> list[dict]:
	"""The chunk written set-based, or, when the bulk writer refuses it, row by row."""
	savepoint = "crm_sheet_chunk"
	frappe.db.savepoint(savepoint)
	tags = set(context.tags)
	try:
		created = bulk.write_chunk(chunk, context)
	except Exception:
		frappe.db.rollback(save_point=savepoint)
		frappe.clear_messages()
		context.tags = tags
		return [import_row(row, plan, context, create_duplicates=False) for row in chunk]
	frappe.clear_messages()
	return [
		{
			"row": row.number,
			"customer_name": row.values.get("customer_name", ""),
			"customer": created[row.number],
			"status": CREATED,
		}
		for row in chunk
	]


class _Progress:
	"""The progress bar on the import's form, published at most every PROGRESS_EVERY seconds."""

	def __init__(self, name: str, total: int):
		self.name, self.total, self.done, self.last = name, total, 0, 0.0

	def advance(self, rows: int) -> None:
		self.done += rows
		if time.monotonic() - self.last < PROGRESS_EVERY and self.done < self.total:
			return
		self.last = time.monotonic()
		frappe.publish_progress(
			int(100 * self.done / self.total),
			title=_("Importing customers"),
			doctype=IMPORT,
			docname=self.name,
			description=_("{0} of {1} rows").format(self.done, self.total),
		)


def _summary(results: list[dict]) -> dict[str, int]:
	count = {s: 0 for s in (CREATED, UPDATED, SKIPPED, FAILED)}
	for result in results:
		count[result["status"]] += 1
	return {
		"created_rows": count[CREATED],
		"updated_rows": count[UPDATED],
		"skipped_rows": count[SKIPPED],
		"failed_rows": count[FAILED],
	}


def _set(name: str, **values) -> None:
	frappe.db.set_value(IMPORT, name, values, update_modified=True)


def _message(error: Exception) -> str:
	"""The error as people read it: Frappe's last message when it threw one, without HTML."""
	messages = [
		(json.loads(m) if isinstance(m, str) else m).get("message", "")  # a dict since Frappe 15
		for m in frappe.local.message_log or []
		if m
	]
	text = messages[-1] if messages else str(error)
	frappe.clear_messages()
	return strip_html(str(text))[:500]


class _Context:
	"""What every row reuses: the default group, territory and country, and the tags known to exist."""

	def __init__(self):
		self.customer_group = frappe.db.get_single_value(
			"Selling Settings", "customer_group"
		) or frappe.db.get_value("Customer Group", {"is_group": 0}, "name")
		self.territory = frappe.db.get_single_value("Selling Settings", "territory") or frappe.db.get_value(
			"Territory", {"is_group": 0}, "name"
		)
		self.country = frappe.db.get_default("country")
		self.tags: set[str] = set()


def import_row(row: planning.Row, plan: planning.Plan, context: _Context, create_duplicates: bool) -> dict:
	result = {"row": row.number, "customer_name": row.values.get("customer_name", ""), "customer": None}
	if row.status == planning.ERROR:
		return {**result, "status": FAILED, "errors": row.errors}
	if row.status == planning.DUPLICATE and not create_duplicates:
		names = ", ".join(d["customer_name"] or d["customer"] for d in row.duplicates)
		return {
			**result,
			"status": SKIPPED,
			"errors": [{"column": "", "message": _("Looks like {0}").format(names)}],
		}
	savepoint = "crm_sheet_row"
	frappe.db.savepoint(savepoint)
	try:
		if row.status == planning.UPDATE:
			customer = _update_customer(row, context)
			status = UPDATED
		else:
			customer = _new_customer(row, context)
			status = CREATED
		_write_contact(row, customer)
		_write_address(row, customer, context)
		_write_profile(row, customer, context)
	except Exception as error:
		frappe.db.rollback(save_point=savepoint)
		return {**result, "status": FAILED, "errors": [{"column": "", "message": _message(error)}]}
	frappe.clear_messages()  # warnings of a row that landed (a possible duplicate) reach no one
	return {**result, "status": status, "customer": customer.name}


# ---------------------------------------------------------------------------------------------
# Customer
# ---------------------------------------------------------------------------------------------


def _new_customer(row: planning.Row, context: _Context):
	doc = frappe.new_doc(CUSTOMER)
	doc.update(
		{
			"customer_name": row.values["customer_name"],
			"customer_type": "Company",
			"customer_group": context.customer_group,
			"territory": context.territory,
			**bulk.customer_values(row),
		}
	)
	# A row the plan called new was just compared with every profile by the same rules; a likely
	# duplicate the user chose to create is checked again, so a blocking rule still blocks it.
	doc.flags.ignore_duplicate_check = row.status == planning.NEW
	doc.insert()
	if not frappe.db.exists(PROFILE, doc.name):  # profiles are not created automatically on this site
		sync.create_missing_profiles([doc.name])
	return doc


def _update_customer(row: planning.Row, context: _Context):
	doc = frappe.get_doc(CUSTOMER, row.customer)
	changes = bulk.customer_values(row)
	changed = {k: v for k, v in changes.items() if doc.get(k) != v}
	if changed:
		doc.update(changed)
		doc.save()
	else:
		doc.check_permission("write")
	if not frappe.db.exists(PROFILE, doc.name):
		sync.create_missing_profiles([doc.name])
	return doc


# ---------------------------------------------------------------------------------------------
# Contact and Address
# ---------------------------------------------------------------------------------------------


def _write_contact(row: planning.Row, customer) -> None:
	v = row.values
	if not (v.get("contact") or row.email or row.mobile):
		return
	if customer.customer_primary_contact:
		contact = frappe.get_doc("Contact", customer.customer_primary_contact)
		changed = False
		if row.email and row.email not in {e.email_id for e in contact.email_ids}:
			contact.append("email_ids", {"email_id": row.email, "is_primary": not contact.email_ids})
			changed = True
		if row.mobile and row.mobile not in {p.phone for p in contact.phone_nos}:
			contact.append("phone_nos", {"phone": row.mobile, "is_primary_mobile_no": not contact.phone_nos})
			changed = True
		if v.get("designation") and contact.designation != v["designation"]:
			contact.designation = v["designation"]
			changed = True
		if changed:
			contact.save()
		return
	contact = bulk.new_contact(row, customer)
	# ERPNext links earlier call logs to a new contact with a LIKE over every Call Log and a commit; a
	# sheet's contacts are new to the site, and a commit inside a row would break its savepoint.
	contact.flags.ignore_auto_link_call_log = True
	contact.insert()
	customer.db_set(
		{
			"customer_primary_contact": contact.name,
			"email_id": row.email or None,
			"mobile_no": row.mobile or None,
		},
		update_modified=False,
	)


def _write_address(row: planning.Row, customer, context: _Context) -> None:
	values = bulk.address_values(row, context.country)
	if not values:
		return
	if customer.customer_primary_address:
		address = frappe.get_doc("Address", customer.customer_primary_address)
		changed = {k: value for k, value in values.items() if address.get(k) != value}
		if changed:
			address.update(changed)
			address.save()
		return
	address = bulk.new_address(row, customer, context.country)
	address.insert()
	from frappe.contacts.doctype.address.address import get_address_display

	customer.db_set(
		{"customer_primary_address": address.name, "primary_address": get_address_display(address.as_dict())},
		update_modified=False,
	)


# ---------------------------------------------------------------------------------------------
# Profile
# ---------------------------------------------------------------------------------------------


def _write_profile(row: planning.Row, customer, context: _Context) -> None:
	values = {
		"primary_contact": customer.customer_primary_contact,
		"position": row.values.get("designation"),
		"email_id": row.email,
		"mobile_no": row.mobile,
		"address": customer.customer_primary_address,
		**bulk.profile_values(row),
	}
	values = {k: value for k, value in values.items() if value}
	computed = {}
	if customer.customer_primary_contact:  # the contact's name is copied to the profile by the server
		computed["contact_person_name"] = frappe.db.get_value(
			"Contact", customer.customer_primary_contact, "full_name"
		)
	if _profile_has(customer.name, {**values, **computed}, row):
		# A sheet run again: nothing to write, and no new version of the profile. The user must still
		# be allowed to write it, as a save would have checked.
		frappe.has_permission(PROFILE, "write", doc=customer.name, throw=True)
		return
	profile = frappe.get_doc(PROFILE, customer.name)
	profile.update(values)
	if computed:
		profile.update(computed)
		profile.flags.computed_by_server = True
	_add_tags(profile, row.tags, context)
	have = {(p.category, p.preference) for p in profile.preferences}
	for category, preference in row.preferences:
		if (category, preference) not in have:
			profile.append(
				"preferences", {"category": category, "preference": preference, "recorded_on": nowdate()}
			)
	profile.save()


def _profile_has(name: str, wanted: dict, row: planning.Row) -> bool:
	"""Whether the profile already holds every value, tag and preference of the row: three small
	reads instead of loading the profile with all its tables."""
	current = frappe.db.get_value(PROFILE, name, list(wanted), as_dict=True) if wanted else {}
	if current is None or any(current.get(k) != v for k, v in wanted.items()):
		return False
	children = {"parent": name, "parenttype": PROFILE}
	tags = set(frappe.get_all("Customer Profile Tag", filters=children, pluck="tag"))
	if any(tag not in tags for tag in row.tags):
		return False
	preferences = {
		(p.category, p.preference)
		for p in frappe.get_all("Customer Preference", filters=children, fields=["category", "preference"])
	}
	return all(p in preferences for p in row.preferences)


def _add_tags(profile, tags: list[str], context: _Context) -> None:
	have = {t.tag for t in profile.tags}
	for tag in tags:
		if tag in have:
			continue
		if tag not in context.tags and not frappe.db.exists("Tag", tag):
			frappe.get_doc({"doctype": "Tag", "name": tag}).insert()  # every desk user may create a Tag
		context.tags.add(tag)
		profile.append("tags", {"tag": tag})
