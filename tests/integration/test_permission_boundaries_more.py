"""Permission boundaries, continued: reports by role, capture privacy, database uniqueness, the complaint
workflow across migrate, and Find Duplicates and merge as a CRM Manager. Committed data, REST calls."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import frappe
import pytest
from frappe.utils import add_days, now_datetime
from support.factories import make_customer, make_territory, make_user, unique
from support.rest import api_token, call

APP = Path(__file__).resolve().parents[2] / "crm_profiles"
INTERACTION = "Customer Interaction"
PAIR = "Possible Duplicate"
REPORT_FILTERS = {"Interaction Activity": {"group_by": "Type", "period": "Monthly"}}


def _reports() -> list[dict]:
	return [json.loads(p.read_text()) for p in sorted((APP / "crm_profiles" / "report").glob("*/*.json"))]


def _role_user(role: str, territory: str | None = None) -> str:
	slug = role.lower().replace(" ", ".")
	email = f"crm.report.{slug}{'.t' if territory else ''}@crm-profiles.test"
	return make_user(email, [role], territory=territory)


# ---------------------------------------------------------------------------------------------
# 3. Every report runs for every role declared on it, and for territory-restricted users
# ---------------------------------------------------------------------------------------------


def test_every_report_runs_for_every_declared_role_and_keeps_to_the_territory(made):
	north, south = made.add("Territory", make_territory()), made.add("Territory", make_territory())
	mine = made.add("Customer", make_customer(unique("_CRM RepMine"), territory=north).name)
	theirs = made.add("Customer", make_customer(unique("_CRM RepTheirs"), territory=south).name)
	for customer in (mine, theirs):
		doc = frappe.get_doc(
			{
				"doctype": INTERACTION,
				"customer": customer,
				"interaction_type": "Complaint",
				"subject": "report row",
				"rating": 2,
				"follow_up_required": 1,
				"follow_up_date": add_days(now_datetime().date(), -1),
			}
		)
		doc.insert(ignore_permissions=True)
		made.add(INTERACTION, doc.name)
	for name in (mine, theirs):
		frappe.db.set_value("Customer Profile", name, {"lifecycle_stage": "At Risk", "order_count": 1})
	# Campaign Effect needs a sent campaign to run at all
	segment = frappe.get_doc(
		{
			"doctype": "Customer Segment",
			"segment_name": unique("_CRM RepSegment"),
			"filters_json": json.dumps([["Customer Profile", "territory", "=", north]]),
		}
	).insert(ignore_permissions=True)
	made.add("Customer Segment", segment.name)
	erp_campaign = made.add("Campaign", unique("_CRM RepCampaign"))
	frappe.get_doc({"doctype": "Campaign", "campaign_name": erp_campaign}).insert(ignore_permissions=True)
	campaign = frappe.get_doc(
		{
			"doctype": "Customer Campaign",
			"campaign_name": unique("_CRM RepCustomerCampaign"),
			"segment": segment.name,
			"campaign": erp_campaign,
			"control_percent": 10,
			"effect_days": 30,
		}
	).insert(ignore_permissions=True)
	campaign.db_set({"status": "Sent", "sent_on": now_datetime().date()})
	made.add("Customer Campaign", campaign.name)
	report_filters = {**REPORT_FILTERS, "Campaign Effect": {"customer_campaign": campaign.name}}
	runs = []
	for report in _reports():
		for role in [r["role"] for r in report["roles"]]:
			runs.append((report["name"], _role_user(role), None))
		for role in ("CRM User", "Sales User"):
			if role in [r["role"] for r in report["roles"]]:
				runs.append((report["name"], _role_user(role, territory=north), north))
	tokens = {user: api_token(user) for _, user, _ in runs}
	frappe.db.commit()
	failures = []
	for report_name, user, territory in runs:
		r = call(
			"POST",
			"/api/method/frappe.desk.query_report.run",
			tokens[user],
			json={"report_name": report_name, "filters": report_filters.get(report_name, {})},
		)
		if r.status_code != 200:
			failures.append((report_name, user, r.status_code, r.text[-700:]))
			continue
		message = r.json["message"]
		if message.get("prepared_report"):
			# Queued for a worker: run the same computation here, as that user.
			from frappe.desk.query_report import generate_report_result

			frappe.set_user(user)
			try:
				message = generate_report_result(
					frappe.get_doc("Report", report_name), filters=report_filters.get(report_name, {})
				)
			except Exception as error:
				failures.append((report_name, user, repr(error)[:200]))
				continue
			finally:
				frappe.set_user("Administrator")
		body = json.dumps(message["result"], default=str)
		if territory and (theirs in body or frappe.db.get_value("Customer", theirs, "customer_name") in body):
			failures.append((report_name, user, "shows a customer of another territory"))
		if (
			territory
			and report_name in ("Customer 360", "Follow-ups Due", "At-Risk Customers")
			and mine not in body
		):
			failures.append((report_name, user, "misses a customer of the user's territory"))
	assert len(runs) >= 50
	assert not failures, failures


# ---------------------------------------------------------------------------------------------
# 6. Capture respects the privacy of its source
# ---------------------------------------------------------------------------------------------


def _contact_for(customer: str, email: str) -> str:
	contact = frappe.get_doc(
		{
			"doctype": "Contact",
			"first_name": "Bound",
			"email_ids": [{"email_id": email, "is_primary": 1}],
			"links": [{"link_doctype": "Customer", "link_name": customer}],
		}
	)
	contact.insert(ignore_permissions=True)
	return contact.name


def test_private_events_are_not_captured(made):
	customer = made.add("Customer", make_customer(unique("_CRM Event")).name)
	event = frappe.get_doc(
		{
			"doctype": "Event",
			"subject": "Private lunch",
			"starts_on": now_datetime(),
			"event_type": "Private",
			"event_participants": [{"reference_doctype": "Customer", "reference_docname": customer}],
		}
	).insert(ignore_permissions=True)
	assert not frappe.db.exists(INTERACTION, {"reference_doctype": "Event", "reference_name": event.name})
	event.event_type = "Public"
	event.save(ignore_permissions=True)
	assert frappe.db.exists(INTERACTION, {"reference_doctype": "Event", "reference_name": event.name})
	event.event_type = "Private"
	event.save(ignore_permissions=True)  # made private again: the team's copy goes
	assert not frappe.db.exists(INTERACTION, {"reference_doctype": "Event", "reference_name": event.name})


def _personal_account(owner: str) -> str:
	account = frappe.get_doc(
		{
			"doctype": "Email Account",
			"email_account_name": unique("_CRM Personal"),
			"email_id": owner,
			"enable_incoming": 0,
			"enable_outgoing": 0,
			"awaiting_password": 0,
			"password": "x",
		}
	)
	account.flags.ignore_validate = True
	account.insert(ignore_permissions=True)
	return account.name


def _email(customer_email: str, account: str):
	return frappe.get_doc(
		{
			"doctype": "Communication",
			"communication_type": "Communication",
			"communication_medium": "Email",
			"sent_or_received": "Received",
			"sender": customer_email,
			"recipients": "someone@crm-profiles.test",
			"subject": "Private matter",
			"content": "body of a personal mail",
			"email_account": account,
		}
	).insert(ignore_permissions=True)


def test_personal_mailbox_emails_are_captured_only_when_allowed_and_stay_private(made):
	owner = make_user("crm.bound.mailbox@crm-profiles.test", ["CRM User"])
	colleague = make_user("crm.bound.colleague@crm-profiles.test", ["CRM User"])
	customer = made.add("Customer", make_customer(unique("_CRM Mail")).name)
	address = f"{unique('mail').replace(' ', '')}@example.com"
	made.add("Contact", _contact_for(customer, address))
	account = made.add("Email Account", _personal_account(owner))
	settings = frappe.get_single("CRM Profile Settings")
	assert not settings.get("capture_personal_emails")  # off by default
	first = made.add("Communication", _email(address, account).name)
	assert not frappe.db.exists(INTERACTION, {"reference_doctype": "Communication", "reference_name": first})

	frappe.db.set_single_value("CRM Profile Settings", "capture_personal_emails", 1)
	try:
		second = made.add("Communication", _email(address, account).name)
		captured = frappe.db.get_value(
			INTERACTION,
			{"reference_doctype": "Communication", "reference_name": second},
			["name", "is_private", "private_to"],
			as_dict=True,
		)
		assert captured and captured.is_private and captured.private_to == owner
		made.add(INTERACTION, captured.name)
		tokens = {u: api_token(u) for u in (owner, colleague)}
		frappe.db.commit()
		path = f"/api/resource/{quote(INTERACTION)}"
		assert call("GET", f"{path}/{captured.name}", tokens[owner]).status_code == 200
		assert call("GET", f"{path}/{captured.name}", tokens[colleague]).status_code == 403
		listed = call(
			"GET", path, tokens[colleague], params={"filters": json.dumps([["name", "=", captured.name]])}
		)
		assert listed.status_code == 200 and listed.json["data"] == []
		timeline = call(
			"GET",
			"/api/method/crm_profiles.interactions.timeline.get_timeline",
			tokens[colleague],
			params={"customer": customer},
		)
		assert timeline.status_code == 200 and captured.name not in timeline.get_data(as_text=True)

		# its follow-up shows in Follow-ups Due only to the owner of the private interaction
		todo = frappe.get_doc(
			{
				"doctype": "ToDo",
				"allocated_to": owner,
				"date": frappe.utils.today(),
				"reference_type": INTERACTION,
				"reference_name": captured.name,
				"description": "call back about the private matter",
			}
		).insert(ignore_permissions=True)
		made.add("ToDo", todo.name)
		frappe.db.commit()
		for user, expected in ((owner, True), (colleague, False)):
			r = call(
				"POST",
				"/api/method/frappe.desk.query_report.run",
				tokens[user],
				json={"report_name": "Follow-ups Due", "filters": {}},
			)
			assert r.status_code == 200, r.text[-500:]
			refs = {row.get("reference_name") for row in r.json["message"]["result"] if isinstance(row, dict)}
			assert (captured.name in refs) is expected, user
	finally:
		frappe.db.set_single_value("CRM Profile Settings", "capture_personal_emails", 0)
		frappe.db.commit()


# ---------------------------------------------------------------------------------------------
# Uniqueness in the database
# ---------------------------------------------------------------------------------------------


def test_one_interaction_per_source_document_in_the_database():
	customer = make_customer().name
	values = {"customer": customer, "interaction_type": "Call", "subject": "a"}
	first = frappe.get_doc(
		{"doctype": INTERACTION, **values, "reference_doctype": "Customer", "reference_name": customer}
	)
	first.insert(ignore_permissions=True)
	second = frappe.get_doc(
		{"doctype": INTERACTION, **values, "reference_doctype": "Customer", "reference_name": customer}
	)
	with pytest.raises(frappe.UniqueValidationError):
		second.insert(ignore_permissions=True)
	# Interactions without a source are many.
	for _ in range(2):
		frappe.get_doc({"doctype": INTERACTION, **values}).insert(ignore_permissions=True)
	# The raw table refuses it too, whatever the code path.
	with pytest.raises(Exception, match=r"(?i)duplicate"):
		frappe.db.sql(
			"""insert into `tabCustomer Interaction` (name, customer, interaction_type, reference_doctype, reference_name)
			values (%s, %s, 'Call', 'Customer', %s)""",
			(frappe.generate_hash(length=10), customer, customer),
		)


def test_one_possible_duplicate_per_pair_in_the_database():
	a, b = make_customer().name, make_customer().name
	first = frappe.get_doc({"doctype": PAIR, "profile_a": a, "profile_b": b}).insert(ignore_permissions=True)
	# The other way round is the same pair: stored in order, and refused.
	with pytest.raises(frappe.UniqueValidationError):
		frappe.get_doc({"doctype": PAIR, "profile_a": b, "profile_b": a}).insert(ignore_permissions=True)
	# The database itself refuses the stored pair again. Stored in the database's collation order
	# (case-insensitive), which Python's sorted() need not agree with: read it back.
	stored = frappe.db.get_value(PAIR, first.name, ["profile_a", "profile_b"])
	assert set(stored) == {a, b}
	with pytest.raises(Exception, match=r"(?i)duplicate"):
		frappe.db.sql(
			"insert into `tabPossible Duplicate` (name, profile_a, profile_b) values (%s, %s, %s)",
			(frappe.generate_hash(length=10), *stored),
		)


# ---------------------------------------------------------------------------------------------
# The complaint workflow is made once; migrate leaves an admin's edits alone
# ---------------------------------------------------------------------------------------------


def test_migrate_keeps_an_admins_edits_to_the_complaint_workflow():
	from support.bench import SITE, run_bench

	assert not (APP / "fixtures" / "workflow.json").exists()
	hooks = frappe.get_hooks("fixtures", app_name="crm_profiles")
	assert not any(f.get("dt") if isinstance(f, dict) else f for f in hooks if "Workflow" in str(f))
	state = frappe.db.get_value(
		"Workflow Document State", {"parent": "Customer Complaint", "state": "Resolved"}, "name"
	)
	before = frappe.db.get_value("Workflow Document State", state, "allow_edit")
	frappe.db.set_value("Workflow Document State", state, "allow_edit", "CRM Manager")
	frappe.db.set_value("Workflow", "Customer Complaint", "send_email_alert", 1)
	frappe.db.commit()
	try:
		run_bench("--site", SITE, "migrate", "--skip-search-index", timeout=1200)
		frappe.db.rollback()
		assert frappe.db.get_value("Workflow Document State", state, "allow_edit") == "CRM Manager"
		assert frappe.db.get_value("Workflow", "Customer Complaint", "send_email_alert") == 1
	finally:
		frappe.db.set_value("Workflow Document State", state, "allow_edit", before)
		frappe.db.set_value("Workflow", "Customer Complaint", "send_email_alert", 0)
		frappe.db.commit()


# ---------------------------------------------------------------------------------------------
# Find Duplicates and merge, as a CRM Manager (not Administrator)
# ---------------------------------------------------------------------------------------------


def test_crm_manager_finds_duplicates_and_merges_end_to_end(made):
	from crm_profiles.quality import matching, merge

	manager = make_user("crm.bound.merger@crm-profiles.test", ["CRM Manager"])
	tax_id = unique("MERGETAX").replace(" ", "")
	source = made.add("Customer", make_customer(unique("_CRM Merge Src"), tax_id=tax_id).name)
	target = made.add("Customer", make_customer(unique("_CRM Merge Dst"), tax_id=tax_id).name)
	note = frappe.get_doc(
		{"doctype": INTERACTION, "customer": source, "interaction_type": "Call", "subject": "moves along"}
	).insert(ignore_permissions=True)
	made.add(INTERACTION, note.name)
	token = api_token(manager)
	frappe.db.commit()

	r = call("POST", "/api/method/crm_profiles.quality.matching.enqueue_duplicate_queue", token)
	assert r.status_code == 200, r.text[:300]
	frappe.set_user(manager)  # the job runs as the user who asked for it
	matching.refresh_duplicate_queue()
	frappe.db.commit()
	pair = frappe.get_list(
		PAIR,
		filters={"profile_a": ("in", [source, target]), "profile_b": ("in", [source, target])},
		pluck="name",
	)
	assert len(pair) == 1
	frappe.set_user("Administrator")

	r = call(
		"GET",
		"/api/method/crm_profiles.quality.merge.get_merge_preview",
		token,
		params={"source": source, "target": target},
	)
	assert r.status_code == 200, r.text[:300]
	r = call(
		"POST",
		"/api/method/crm_profiles.quality.merge.merge_customers",
		token,
		json={"source": source, "target": target},
	)
	assert r.status_code == 200, r.text[:300]
	log = r.json["message"]
	made.add("Customer Merge Log", log)
	frappe.db.rollback()
	frappe.set_user(manager)
	assert merge.run_merge(log) == "Completed", frappe.db.get_value("Customer Merge Log", log, "error")
	frappe.set_user("Administrator")
	assert not frappe.db.exists("Customer", source)
	assert frappe.db.get_value(INTERACTION, note.name, "customer") == target
	assert frappe.db.get_value(PAIR, pair[0], "status") == "Merged"


def test_a_user_without_merge_rights_cannot_merge(made):
	user = make_user("crm.bound.nomerge@crm-profiles.test", ["CRM User"])
	a = made.add("Customer", make_customer().name)
	b = made.add("Customer", make_customer().name)
	token = api_token(user)
	frappe.db.commit()
	r = call(
		"POST",
		"/api/method/crm_profiles.quality.merge.merge_customers",
		token,
		json={"source": a, "target": b},
	)
	assert r.status_code == 403
	r = call("POST", "/api/method/crm_profiles.quality.matching.enqueue_duplicate_queue", token)
	assert r.status_code == 403


# ---------------------------------------------------------------------------------------------
# Record scoping: an assignment grants access, so nobody can assign themselves to what they can't read
# ---------------------------------------------------------------------------------------------


def test_a_scoped_user_cannot_assign_themselves_to_a_profile_they_cannot_read(made):
	me = make_user("crm.bound.scoped@crm-profiles.test", ["CRM User"])
	other = make_user("crm.bound.scoped.other@crm-profiles.test", ["CRM User"])
	mine = made.add("Customer", make_customer(unique("_CRM ScopeMine")).name)
	theirs = made.add("Customer", make_customer(unique("_CRM ScopeTheirs")).name)
	frappe.db.set_value("Customer Profile", mine, "account_owner", me)
	frappe.db.set_value("Customer Profile", theirs, "account_owner", other)
	token = api_token(me)
	frappe.db.set_single_value("CRM Profile Settings", "restrict_profiles_to_owner", 1)
	frappe.db.commit()
	try:
		profile_path = f"/api/resource/{quote('Customer Profile')}"
		assert call("GET", f"{profile_path}/{quote(theirs)}", token).status_code == 403

		def todo(reference):
			body = {
				"allocated_to": me,
				"reference_type": "Customer Profile",
				"reference_name": reference,
				"description": "mine now",
			}
			return call("POST", "/api/resource/ToDo", token, json=body)

		refused = todo(theirs)
		assert refused.status_code == 403, refused.text[-300:]
		assert not frappe.db.get_value("Customer Profile", theirs, "_assign")
		assigned = call(
			"POST",
			"/api/method/frappe.desk.form.assign_to.add",
			token,
			json={"doctype": "Customer Profile", "name": theirs, "assign_to": json.dumps([me])},
		)
		assert assigned.status_code == 403, assigned.text[-300:]
		assert call("GET", f"{profile_path}/{quote(theirs)}", token).status_code == 403

		# a ToDo of their own on a profile they may read is still theirs to make
		allowed = todo(mine)
		assert allowed.status_code == 200, allowed.text[-300:]
		made.add("ToDo", allowed.json["data"]["name"])
	finally:
		frappe.db.set_single_value("CRM Profile Settings", "restrict_profiles_to_owner", 0)
		frappe.db.commit()


# ---------------------------------------------------------------------------------------------
# A method naming a profile that does not exist answers 404 for every user, Administrator too
# ---------------------------------------------------------------------------------------------

NAMING_A_PROFILE = [
	("crm_profiles.profiles.header.get_profile_header", "name"),
	("crm_profiles.interactions.timeline.get_timeline", "customer"),
	("crm_profiles.analytics.api.get_purchase_history", "customer"),
	("crm_profiles.recommendations.api.get_recommendations", "customer"),
	("crm_profiles.interactions.surveys.send_survey", "customer"),
	("crm_profiles.privacy.self_service.send_link", "customer"),
	("crm_profiles.privacy.sensitive.reveal_personal_id", "customer"),
]


@pytest.mark.parametrize("role", ["Administrator", "CRM Manager", "CRM User"])
def test_a_method_naming_a_profile_that_does_not_exist_answers_404_naming_it(role):
	# Frappe's has_permission lets Administrator through without reading the document, so these
	# answered 200 with nothing (or 417) for Administrator and 404 for everyone else.
	user = "Administrator" if role == "Administrator" else _role_user(role)
	token = api_token(user)
	missing = unique("_CRM Nobody")
	for method, field in NAMING_A_PROFILE:
		response = call("POST", f"/api/method/{method}", token, json={field: missing})
		assert response.status_code == 404, (
			method,
			role,
			response.status_code,
			response.get_data(as_text=True)[:300],
		)
		assert missing in response.get_data(as_text=True), method
