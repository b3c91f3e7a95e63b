"""Every doctype of ours x roles x read, write, create, delete, report, export, through REST.

Committed data (REST runs in another connection); everything made here is removed afterwards.
"Report" is the Report Builder's data call (frappe.desk.reportview.get), "export" its export.
Permlevel-1 fields (birthday, personal ID, private notes) reach only CRM Managers.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import frappe
import pytest
from support.factories import make_customer, make_territory, make_user, unique
from support.rest import api_token, call

OPS = ("read", "write", "create", "delete", "report", "export")
ALL = set(OPS)
MANAGER, CRM, SALES, TERRITORY = (
	"crm.matrix.manager@crm-profiles.test",
	"crm.matrix.user@crm-profiles.test",
	"crm.matrix.sales@crm-profiles.test",
	"crm.matrix.territory@crm-profiles.test",
)
USERS = {MANAGER: ["CRM Manager"], CRM: ["CRM User"], SALES: ["Sales User"], TERRITORY: ["CRM User"]}
ROLES = (MANAGER, CRM, SALES, TERRITORY, "Guest")
RWC_RE = {"read", "write", "create", "report", "export"}

# doctype -> role -> allowed operations (the spec; README "Roles")
EXPECTED = {
	"Customer Profile": {MANAGER: ALL, CRM: RWC_RE, SALES: RWC_RE, TERRITORY: RWC_RE},
	"Customer Interaction": {MANAGER: ALL, CRM: RWC_RE, SALES: RWC_RE, TERRITORY: RWC_RE},
	"Customer Tier": {
		MANAGER: ALL,
		CRM: {"read", "report", "export"},
		SALES: {"read", "report", "export"},
		TERRITORY: {"read", "report", "export"},
	},
	"CRM Profile Settings": {MANAGER: {"read", "write"}},
	"Customer Consent": {
		MANAGER: ALL,
		CRM: {"read", "create", "report"},
		SALES: {"read", "create", "report"},
		TERRITORY: {"read", "create", "report"},
	},
	"Duplicate Matching Rule": {
		MANAGER: ALL,
		CRM: {"read", "report"},
		SALES: {"read", "report"},
		TERRITORY: {"read", "report"},
	},
	"Possible Duplicate": {MANAGER: {"read", "write", "delete", "report", "export"}},
	"Customer Merge Log": {MANAGER: {"read", "report", "export"}},
	"Customer Sheet Import": {MANAGER: ALL},
	"Customer Profile Change": {
		MANAGER: {"read", "delete", "report", "export"},
		CRM: {"read", "report", "export"},
		SALES: {"read", "report", "export"},
		TERRITORY: {"read", "report", "export"},
	},
}
SENSITIVE = {
	"birthday": "1988-02-29",
	"personal_id": "MATRIX-ID-4711",
	"private_notes": "matrix private note",
}


class World:
	"""Records made as Administrator and committed; ``undo`` removes them."""

	def __init__(self):
		self.made: list[tuple[str, str]] = []

	def add(self, doctype: str, name: str) -> str:
		self.made.append((doctype, name))
		return name

	def customer(self, territory: str) -> str:
		return self.add("Customer", make_customer(unique("_CRM Matrix"), territory=territory).name)

	def record(self, doctype: str, territory: str) -> str:
		"""A fresh record of ``doctype`` to read, change or delete."""
		if doctype == "Customer Profile":
			return self.customer(territory)
		if doctype == "CRM Profile Settings":
			return doctype
		values = self.payload(doctype, territory)
		doc = frappe.get_doc({"doctype": doctype, **values})
		doc.flags.ignore_duplicate_check = True
		doc.insert(ignore_permissions=True)
		return self.add(doctype, doc.name)

	def payload(self, doctype: str, territory: str) -> dict:
		"""Values that make a valid new record (for create through REST)."""
		customer = self.customer(territory)
		if doctype == "Customer Profile":
			frappe.db.delete("Customer Profile", {"name": customer})
			return {"customer": customer}
		if doctype == "Customer Interaction":
			return {"customer": customer, "interaction_type": "Call", "subject": "Matrix call"}
		if doctype == "Customer Tier":
			return {"tier_name": unique("_CRM Matrix Tier"), "rank": 90}
		if doctype == "Customer Consent":
			return {"customer": customer, "purpose": "Surveys", "status": "Granted"}
		if doctype == "Duplicate Matching Rule":
			return {
				"rule_name": unique("_CRM Matrix Rule"),
				"rule_type": "Email",
				"action": "Warn",
				"enabled": 0,
			}
		if doctype == "Possible Duplicate":
			return {"profile_a": customer, "profile_b": self.customer(territory)}
		if doctype == "Customer Merge Log":
			return {"source_customer": "_CRM gone", "target_customer": customer, "status": "Completed"}
		if doctype == "Customer Sheet Import":
			file = frappe.get_doc(
				{
					"doctype": "File",
					"file_name": f"{unique('_crm-matrix')}.csv",
					"content": "Customer Name\nx\n",
				}
			).insert(ignore_permissions=True)  # a public file: every user may read it
			self.add("File", file.name)
			return {"import_file": file.file_url}
		if doctype == "Customer Profile Change":
			return {
				"customer_profile": customer,
				"customer": customer,
				"change_type": "Tier",
				"to_value": "Gold",
				"reason": "Manual",
			}
		raise AssertionError(doctype)

	def undo(self):
		frappe.db.rollback()
		for doctype, name in reversed(self.made):
			if doctype == "Customer":
				for dt in ("Customer Interaction", "Customer Consent", "Customer Profile Change"):
					frappe.db.delete(dt, {"customer": name})
				frappe.db.delete("Possible Duplicate", {"profile_a": name})
				frappe.db.delete("Possible Duplicate", {"profile_b": name})
				frappe.db.delete("Customer Merge Log", {"target_customer": name})
			if frappe.db.exists(doctype, name):
				frappe.delete_doc(doctype, name, force=True, ignore_permissions=True)
		frappe.db.commit()


WRITES = {
	"Customer Profile": {"position": "Matrix buyer"},
	"Customer Interaction": {"outcome": "Matrix outcome"},
	"Customer Tier": {"description": "Matrix tier"},
	"CRM Profile Settings": {"stale_review_days": 364},
	"Customer Consent": {"evidence": "Matrix evidence"},
	"Duplicate Matching Rule": {"description": "Matrix rule"},
	"Possible Duplicate": {"status": "Not a Duplicate"},
	"Customer Merge Log": {"error": "forged"},
	"Customer Sheet Import": {"create_duplicates": 1},
	"Customer Profile Change": {"to_value": "Forged"},
}


@pytest.fixture(scope="module")
def world(site):
	north, south = make_territory(), make_territory()
	for user, roles in USERS.items():
		make_user(user, roles, territory=north if user == TERRITORY else None)
	w = World()
	w.add("Territory", north)
	w.add("Territory", south)
	settings_before = frappe.db.get_single_value("CRM Profile Settings", "stale_review_days")
	w.north, w.south = north, south
	w.tokens = {user: api_token(user) for user in USERS}
	w.tokens["Guest"] = None
	frappe.db.commit()
	try:
		yield w
	finally:
		w.undo()
		frappe.db.set_single_value("CRM Profile Settings", "stale_review_days", settings_before)
		frappe.db.commit()


def _path(doctype: str, name: str | None = None) -> str:
	return f"/api/resource/{quote(doctype)}" + (f"/{quote(name)}" if name else "")


def _allowed(response) -> bool:
	assert response.status_code in (200, 201, 202, 403), (response.status_code, response.text[:500])
	return response.status_code != 403


def attempt(world: World, doctype: str, op: str, user: str) -> bool | None:
	token, territory = world.tokens[user], world.north
	single = doctype == "CRM Profile Settings"
	if single and op in ("create", "delete", "report", "export"):
		return None  # a single has no list, Report Builder or export
	if op == "read":
		name = world.record(doctype, territory)
		frappe.db.commit()
		return _allowed(call("GET", _path(doctype, name), token))
	if op == "write":
		name = world.record(doctype, territory)
		frappe.db.commit()
		return _allowed(call("PUT", _path(doctype, name), token, json=WRITES[doctype]))
	if op == "create":
		payload = world.payload(doctype, territory)
		frappe.db.commit()
		response = call("POST", _path(doctype), token, json=payload)
		if response.status_code == 200:
			world.add(doctype, response.json["data"]["name"])
		return _allowed(response)
	if op == "delete":
		name = world.record(doctype, territory)
		frappe.db.commit()
		return _allowed(call("DELETE", _path(doctype, name), token))
	params = {"doctype": doctype, "fields": json.dumps([f"`tab{doctype}`.`name`"])}
	if op == "report":
		return _allowed(call("GET", "/api/method/frappe.desk.reportview.get", token, params=params))
	if op == "export":
		params.update({"file_format_type": "CSV", "title": doctype})
		return _allowed(call("GET", "/api/method/frappe.desk.reportview.export_query", token, params=params))
	raise AssertionError(op)


@pytest.mark.parametrize("doctype", list(EXPECTED))
def test_matrix(world, doctype):
	mismatches = []
	for user in ROLES:
		expected = EXPECTED[doctype].get(user, set())
		for op in OPS:
			allowed = attempt(world, doctype, op, user)
			if allowed is not None and allowed != (op in expected):
				mismatches.append((user, op, "allowed" if allowed else "denied"))
	assert not mismatches, mismatches


@pytest.mark.parametrize("doctype", ["Customer Profile", "Customer Interaction", "Customer Consent"])
def test_territory_user_is_kept_to_their_territory(world, doctype):
	theirs = world.record(doctype, world.south)
	mine = world.record(doctype, world.north)
	frappe.db.commit()
	token = world.tokens[TERRITORY]
	assert call("GET", _path(doctype, theirs), token).status_code == 403
	assert call("PUT", _path(doctype, theirs), token, json=WRITES[doctype]).status_code == 403
	listed = call(
		"GET", _path(doctype), token, params={"filters": json.dumps([["name", "in", [mine, theirs]]])}
	)
	assert [row["name"] for row in listed.json["data"]] == [mine]


def test_permlevel_one_fields_reach_only_crm_managers(world):
	from frappe.utils.password import set_encrypted_password

	profile = world.record("Customer Profile", world.north)
	plain = {k: v for k, v in SENSITIVE.items() if k != "personal_id"}
	# Personal ID is a Password field: stored encrypted, the column holds only the mask
	frappe.db.set_value("Customer Profile", profile, {**plain, "personal_id": "*" * 8})
	set_encrypted_password("Customer Profile", profile, SENSITIVE["personal_id"], "personal_id")
	frappe.db.commit()
	fields = json.dumps(["name", *SENSITIVE])
	for user in ROLES:
		token = world.tokens[user]
		doc = call("GET", _path("Customer Profile", profile), token)
		listed = call(
			"GET",
			_path("Customer Profile"),
			token,
			params={"fields": fields, "filters": json.dumps([["name", "=", profile]])},
		)
		report = call(
			"GET",
			"/api/method/frappe.desk.reportview.get",
			token,
			params={
				"doctype": "Customer Profile",
				"fields": json.dumps([f"`tabCustomer Profile`.`{f}`" for f in ["name", *SENSITIVE]]),
				"filters": json.dumps([["name", "=", profile]]),
			},
		)
		export = call(
			"GET",
			"/api/method/frappe.desk.reportview.export_query",
			token,
			params={
				"doctype": "Customer Profile",
				"file_format_type": "CSV",
				"title": "x",
				"fields": json.dumps([f"`tabCustomer Profile`.`{f}`" for f in ["name", *SENSITIVE]]),
				"filters": json.dumps([["name", "=", profile]]),
			},
		)
		for response in (doc, listed, report, export):
			assert response.status_code in (200, 403, 417), (user, response.status_code, response.text[:300])
			text = response.get_data(as_text=True)
			visible = SENSITIVE["private_notes"] in text
			assert visible == (user == MANAGER and response.status_code == 200), (user, response.request.path)
			assert SENSITIVE["personal_id"] not in text  # encrypted at rest: no channel shows it
		assert doc.status_code == (403 if user == "Guest" else 200)
