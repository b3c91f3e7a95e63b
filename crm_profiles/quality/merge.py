"""Merge two customers: side-by-side values, the user's choice, then ERPNext's customer merge in the background.

``frappe.rename_doc("Customer", source, target, merge=True)`` moves every Link and Dynamic Link to the
customer (orders, invoices, interactions, consents, tier and stage history) and, through our
``before_rename`` hook, folds the source profile into the target (crm_profiles.profiles.sync). The job
runs inside one savepoint: if anything fails, both customers are left exactly as they were, and the
Customer Merge Log says why.
"""

from __future__ import annotations

import json

import frappe
from frappe import _
from frappe.model.rename_doc import get_link_fields, rename_doc
from frappe.utils import now_datetime
from frappe.utils.password import get_decrypted_password

from crm_profiles.analytics import figures
from crm_profiles.privacy.permissions import require_exists
from crm_profiles.privacy.sensitive import encrypted_fields
from crm_profiles.utils import args

PROFILE = "Customer Profile"
CUSTOMER = "Customer"
LOG = "Customer Merge Log"
PAIR = "Possible Duplicate"
_SKIP_TYPES = {
	"Section Break",
	"Column Break",
	"Tab Break",
	"HTML",
	"Table",
	"Table MultiSelect",
	"Button",
	"Heading",
}


# ---------------------------------------------------------------------------------------------
# Permission
# ---------------------------------------------------------------------------------------------


def check_merge_permission(source: str, target: str) -> None:
	"""Who may merge: whoever may delete the source and write the target, as a Customer (ERPNext's
	Sales Master Manager) or as a profile (CRM Manager, Sales Manager), within their row rules, and who may
	read the merge log. The rename itself then runs without ERPNext's Customer check (see run_merge)."""
	if not source or not target or source == target:
		frappe.throw(_("Choose two different customers to merge."))
	for name in (source, target):
		require_exists(CUSTOMER, name)
	if not _may_merge(source, target):
		frappe.throw(_("Not permitted to merge these customers."), frappe.PermissionError)


def _may_merge(source: str, target: str) -> bool:
	if not frappe.has_permission(LOG, "read"):
		return False
	as_customer = (
		frappe.has_permission(CUSTOMER, "write", source)
		and frappe.has_permission(CUSTOMER, "delete", source)
		and frappe.has_permission(CUSTOMER, "write", target)
	)
	profiles = [n for n in (source, target) if frappe.db.exists(PROFILE, n)]
	as_profile = (
		len(profiles) == 2
		and frappe.has_permission(PROFILE, "delete", source)
		and frappe.has_permission(PROFILE, "write", target)
	)
	# Either way, both profiles (when they exist) must be writable by this user: their row rules apply.
	return bool(
		(as_customer or as_profile) and all(frappe.has_permission(PROFILE, "write", n) for n in profiles)
	)


# ---------------------------------------------------------------------------------------------
# Side by side
# ---------------------------------------------------------------------------------------------


def mergeable_fields() -> list:
	"""Profile fields a user may choose between: editable, scalar, and readable by this user."""
	meta = frappe.get_meta(PROFILE)
	permitted = set(meta.get_permitted_fieldnames(user=frappe.session.user, permission_type="write") or [])
	return [
		df
		for df in meta.fields
		if df.fieldtype not in _SKIP_TYPES
		and not df.read_only
		and not df.hidden
		and df.fieldname not in ("customer",)
		and (not permitted or df.fieldname in permitted)
	]


@frappe.whitelist()
def get_merge_preview(source: str, target: str) -> dict:
	"""Both profiles side by side, with the fields that differ and the records that will move."""
	source, target = args.name(source, "source"), args.name(target, "target")
	check_merge_permission(source, target)
	docs = {}
	for key, name in (("source", source), ("target", target)):
		docs[key] = frappe.get_doc(PROFILE, name).as_dict() if frappe.db.exists(PROFILE, name) else {}
	rows = []
	for df in mergeable_fields():
		a, b = docs["source"].get(df.fieldname), docs["target"].get(df.fieldname)
		if a in (None, "") and b in (None, ""):
			continue
		differs = (a or "") != (b or "")
		if df.fieldtype == "Password":  # both show their mask; whether they differ is in the values
			differs = _decrypted(source, df.fieldname) != _decrypted(target, df.fieldname)
		rows.append(
			{
				"fieldname": df.fieldname,
				"label": _(df.label),
				"fieldtype": df.fieldtype,
				"source": a,
				"target": b,
				"differs": differs,
			}
		)
	return {"source": source, "target": target, "fields": rows, "counts": linked_counts([source, target])}


# ---------------------------------------------------------------------------------------------
# Counting what must survive
# ---------------------------------------------------------------------------------------------


def linked_counts(customers: list[str]) -> dict[str, int]:
	"""Rows that point at these customers or their profiles, per doctype and field, plus profile child rows.

	The profile rows themselves are counted apart (two before, one after a merge).
	"""
	counts: dict[str, int] = {}
	names = tuple(customers)
	for target_doctype in (CUSTOMER, PROFILE):
		for link in get_link_fields(target_doctype):
			if link.get("issingle") or (target_doctype == CUSTOMER and link.parent == PROFILE):
				continue
			n = frappe.db.sql(
				f"select count(*) from `tab{link.parent}` where `{link.fieldname}` in %s", (names,)
			)[0][0]
			if n:
				counts[f"{link.parent}.{link.fieldname}"] = n
	for df in frappe.get_meta(PROFILE).get_table_fields():
		n = frappe.db.sql(
			f"select count(*) from `tab{df.options}` where parenttype = %s and parent in %s",
			(PROFILE, names),
		)[0][0]
		if n:
			counts[f"{df.options} ({df.fieldname})"] = n
	for label, doctype in (("Dynamic Link (Customer)", CUSTOMER), ("Dynamic Link (Profile)", PROFILE)):
		n = frappe.db.sql(
			"select count(*) from `tabDynamic Link` where link_doctype = %s and link_name in %s",
			(doctype, names),
		)[0][0]
		if n:
			counts[label] = n
	return counts


def lost_rows(before: dict[str, int], after: dict[str, int]) -> dict[str, tuple[int, int]]:
	"""Keys whose count went down: what a merge would have dropped."""
	return {k: (v, after.get(k, 0)) for k, v in before.items() if after.get(k, 0) < v}


# ---------------------------------------------------------------------------------------------
# Starting and running a merge
# ---------------------------------------------------------------------------------------------


def _clean_choices(values) -> dict[str, str]:
	"""{fieldname: "source" | "target"}; anything else is dropped."""
	if isinstance(values, str):
		try:
			values = json.loads(values or "{}")
		except ValueError:
			frappe.throw(_("Chosen values must be a JSON object."))
	if not isinstance(values, dict):
		return {}
	allowed = {df.fieldname for df in mergeable_fields()}
	return {k: v for k, v in values.items() if k in allowed and v in ("source", "target")}


@frappe.whitelist(methods=["POST"])
def merge_customers(source: str, target: str, values: str | dict | None = None) -> str:
	"""Queue the merge of ``source`` into ``target``; ``values`` picks, per field, whose value survives."""
	source, target = args.name(source, "source"), args.name(target, "target")
	values = args.json_object(values, "values")
	check_merge_permission(source, target)
	log = frappe.get_doc(
		{
			"doctype": LOG,
			"source_customer": source,
			"target_customer": target,
			"status": "Queued",
			"merged_by": frappe.session.user,
			"chosen_values": json.dumps(_clean_choices(values), indent=1),
		}
	)
	# Safe: the log is written by the system; the user's right to merge was checked just above.
	log.flags.ignore_permissions = True
	log.flags.computed_by_server = True  # every field of the log is read-only and set here
	log.insert()
	frappe.enqueue(
		"crm_profiles.quality.merge.run_merge",
		queue="long",
		timeout=3600,
		job_id=f"crm_profiles_merge::{source}",
		deduplicate=True,
		enqueue_after_commit=True,
		log=log.name,
	)
	return log.name


def _progress(percent: int, log: str, description: str) -> None:
	frappe.publish_progress(
		percent, title=_("Merging customers"), doctype=LOG, docname=log, description=description
	)


def run_merge(log: str, commit: bool = True) -> str:
	"""The background job. Everything happens inside one savepoint; a failure undoes all of it."""
	doc = frappe.get_doc(LOG, log)
	source, target = doc.source_customer, doc.target_customer
	choices = json.loads(doc.chosen_values or "{}")
	_set_log(log, status="Running", started_on=now_datetime())
	if commit:
		frappe.db.commit()
	savepoint = "crm_profiles_merge"
	frappe.db.savepoint(savepoint)
	try:
		check_merge_permission(source, target)
		_progress(5, log, _("Counting linked records"))
		before = linked_counts([source, target])
		chosen = _chosen_values(source, target, choices)
		_progress(20, log, _("Moving orders, interactions, consents and history"))
		_mark_pairs_merged(source, target, log)
		# Safe: check_merge_permission above decided that this user may merge these two customers.
		rename_doc(
			CUSTOMER,
			source,
			target,
			merge=True,
			show_alert=False,
			rebuild_search=False,
			ignore_permissions=True,
		)
		_progress(80, log, _("Applying the chosen values"))
		_apply_chosen_values(target, chosen)
		_recompute_figures(target)
		after = linked_counts([target])
		lost = lost_rows(before, after)
		if lost:
			raise frappe.ValidationError(_("The merge would lose records: {0}").format(json.dumps(lost)))
		_set_log(
			log,
			status="Completed",
			finished_on=now_datetime(),
			counts_before=json.dumps(before, indent=1, sort_keys=True),
			counts_after=json.dumps(after, indent=1, sort_keys=True),
		)
		frappe.get_doc(CUSTOMER, target).add_comment(
			"Edit", _("Customer {0} was merged into this customer ({1}).").format(frappe.bold(source), log)
		)
	except Exception as error:
		frappe.db.rollback(save_point=savepoint)
		frappe.clear_messages()
		_set_log(log, status="Failed", finished_on=now_datetime(), error=str(error)[:1000])
		if commit:
			frappe.db.commit()
		_progress(100, log, _("The merge failed; nothing was changed."))
		return "Failed"
	if commit:
		frappe.db.commit()
	_progress(100, log, _("Merge completed"))
	return "Completed"


def _recompute_figures(target: str) -> None:
	"""The target's figures now count the source's orders too (and its basis is today's again)."""
	config = figures.load_config()
	if config.update_on_events:
		figures.recompute_customer(target, config)


def _set_log(log: str, **values) -> None:
	frappe.db.set_value(LOG, log, values, update_modified=True)


def _chosen_values(source: str, target: str, choices: dict[str, str]) -> dict:
	"""The values taken from the source profile, read before it is merged away."""
	fields = [f for f, side in choices.items() if side == "source"]
	if not fields or not frappe.db.exists(PROFILE, source):
		return {}
	values = frappe.db.get_value(PROFILE, source, fields, as_dict=True) or {}
	for fieldname in encrypted_fields() & set(fields):
		# the column holds only a mask; the value is encrypted in __Auth under the source's name,
		# which goes with the source profile, so the plain value is carried over and encrypted again
		values[fieldname] = _decrypted(source, fieldname)
	return values


def _decrypted(profile: str, fieldname: str) -> str | None:
	return get_decrypted_password(PROFILE, profile, fieldname, raise_exception=False)


def _apply_chosen_values(target: str, chosen: dict) -> None:
	if not chosen or not frappe.db.exists(PROFILE, target):
		return
	profile = frappe.get_doc(PROFILE, target)
	profile.update(chosen)
	profile.flags.ignore_duplicate_check = True
	profile.save()


def _mark_pairs_merged(source: str, target: str, log: str) -> None:
	"""Pairs between the two profiles are settled; the rename then moves the other pairs to the target."""
	frappe.db.sql(
		"""update `tabPossible Duplicate` set status = 'Merged', merge_log = %(log)s
		where (profile_a = %(s)s and profile_b = %(t)s) or (profile_a = %(t)s and profile_b = %(s)s)""",
		{"s": source, "t": target, "log": log},
	)
