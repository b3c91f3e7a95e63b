"""Customers' own answers: a signed, expiring link where a customer updates their contact details,
preferences and consent without a desk account.

An account owner sends the link from the profile (``send_link``). Each link is a Customer Self-service
Link row (its name is the link id, so it can be revoked or looked up) and a signed token
(``utils.signed_links``, purpose "self-service") naming that row and the customer. The link works until
it expires or is revoked, and every submission is counted on its row.

A submission changes only what the page offers (``parse_submission`` reads the whitelisted fields and
validates each; anything else in the request is ignored). Each change is logged on the profile as a
Customer Profile Change with reason "Self-service"; consent goes through the consent ledger
(``privacy.consent.record_consent``) with the evidence (time, IP address, link id), so a withdrawal has
the same effects as one recorded in the desk (summary, email opt-outs, automations asking
``can_contact``).
"""

from __future__ import annotations

import re

import frappe
from frappe import _
from frappe.utils import add_days, cint, escape_html, get_datetime, get_url, now_datetime, nowdate

from crm_profiles.interactions.settings import setting
from crm_profiles.privacy import consent
from crm_profiles.privacy.permissions import require
from crm_profiles.utils import args, signed_links
from crm_profiles.utils.contact_values import ValueProblem, check_email, normalise_email, normalise_phone
from crm_profiles.utils.signed_links import LinkTokenError
from crm_profiles.utils.validation import default_phone_region

PURPOSE = "self-service"
LINK = "Customer Self-service Link"
PROFILE = "Customer Profile"
CHANGE = "Customer Profile Change"
ROUTE = "/crm_self_service"
SOURCE = "Self-service"
# The contact fields the page offers, and their change type; WeChat ID only where a site has added a
# ``wechat_id`` field to the profile.
CONTACT_FIELDS = {"email_id": "Email", "mobile_no": "Mobile", "wechat_id": "WeChat ID"}
FIELD_LENGTHS = {"email_id": 140, "mobile_no": 40, "wechat_id": 40}
PREFERENCE_LENGTH = 140
# Submissions per IP address and hour, over the page and the API together.
RATE_LIMIT, RATE_WINDOW = 20, 3600
_WECHAT_ID = re.compile(r"^[A-Za-z][-_A-Za-z0-9]{5,19}$")


# ---------------------------------------------------------------------------------------------
# Links
# ---------------------------------------------------------------------------------------------


def contact_fields() -> list[str]:
	meta = frappe.get_meta(PROFILE)
	return [f for f in CONTACT_FIELDS if meta.has_field(f)]


def mint_link(customer: str, sent_to: str | None = None) -> tuple[str, str]:
	"""A new link for ``customer``: (link id, token). The caller has checked write on the profile."""
	expires = get_datetime(add_days(now_datetime(), setting("self_service_validity_days"))).replace(
		microsecond=0
	)
	doc = frappe.get_doc(
		{
			"doctype": LINK,
			"customer": customer,
			"sent_to": sent_to,
			"sent_by": frappe.session.user,
			"expires_on": expires,
		}
	)
	# Safe: only send_link calls this, after checking that the user may write this customer's profile;
	# the row only records the link (links are made by the server, never in the desk).
	doc.insert(ignore_permissions=True)
	return doc.name, signed_links.make(PURPOSE, {"l": doc.name, "c": customer}, expires)


def link_url(token: str) -> str:
	return get_url(f"{ROUTE}?token={token}")


def read_link(token) -> frappe._dict:
	"""The link a token opens: ``link``, ``customer``, ``expires``; or LinkTokenError ("tampered",
	"expired", "revoked")."""
	claims = signed_links.read(PURPOSE, token)
	link, customer = claims.get("l"), claims.get("c")
	if not isinstance(link, str) or not isinstance(customer, str):
		raise LinkTokenError("tampered")
	row = frappe.db.get_value(LINK, link, ["customer", "revoked", "expires_on"], as_dict=True)
	if not row or row.customer != customer or not frappe.db.exists(PROFILE, customer):
		raise LinkTokenError("tampered")
	if cint(row.revoked):
		raise LinkTokenError("revoked")
	if row.expires_on and now_datetime() > get_datetime(row.expires_on):
		raise LinkTokenError("expired")
	return frappe._dict(link=link, customer=customer, expires=claims["x"])


def refusal_message(reason: str) -> str:
	return {
		"expired": _("This link has expired. Please ask us for a new one."),
		"revoked": _("This link has been withdrawn. Please ask us for a new one."),
	}.get(reason, _("This link is not valid. Please use the link from your email exactly as sent."))


# ---------------------------------------------------------------------------------------------
# What the page shows
# ---------------------------------------------------------------------------------------------


def preference_categories() -> list[str]:
	options = frappe.get_meta("Customer Preference").get_field("category").options or ""
	return [o for o in options.split("\n") if o]


def current_state(customer: str) -> frappe._dict:
	"""The customer's contact details, preferences and consent as the page shows them."""
	fields = contact_fields()
	profile = frappe.get_doc(PROFILE, customer)
	return frappe._dict(
		customer_name=profile.customer_name or customer,
		contact={f: profile.get(f) or "" for f in fields},
		preferences=[
			{"idx": row.idx, "category": row.category or "", "preference": row.preference or ""}
			for row in profile.preferences
		],
		consents=consent.purpose_states(customer),
	)


# ---------------------------------------------------------------------------------------------
# What a submission may change
# ---------------------------------------------------------------------------------------------


def _label(field: str) -> str:
	"""The label the page shows for a field, translated: errors name what the customer sees."""
	if field.startswith("consent_"):
		return next((_(p) for p in consent.PURPOSES if consent_field(p) == field), _("Consent"))
	if field.startswith("remove_preference_"):
		return _("Preference")
	labels = {**CONTACT_FIELDS, "preference": "Preference", "preference_category": "Category"}
	return _(labels.get(field, "Value"))


def _refuse(field: str, problem: ValueProblem | str) -> None:
	if isinstance(problem, ValueProblem):
		problem = _(problem.message).format(frappe.bold(escape_html(str(problem.value)[:60])))
	label = _label(field)
	frappe.throw(
		_("{0}: {1}").format(frappe.bold(label), problem),
		frappe.ValidationError,
		title=_("Invalid {0}").format(label),
	)


def _text(form: dict, field: str, max_length: int) -> str:
	"""One text value of the form ("" when absent); a list, an object or a too long text is refused."""
	value = form.get(field)
	if value is None:
		return ""
	if isinstance(value, list | tuple | dict | set):
		_refuse(field, _("must be a single value, not a list or an object"))
	if isinstance(value, bool) or not isinstance(value, str | int | float):
		_refuse(field, _("must be text"))
	value = str(value)
	if len(value) > max_length:
		_refuse(field, _("must be at most {0} characters").format(max_length))
	return value.strip()


def _checked(form: dict, field: str) -> bool:
	value = _text(form, field, 10)
	if value not in ("", "0", "1", "on"):
		_refuse(field, _("must be 0 or 1"))
	return value in ("1", "on")


def consent_field(purpose: str) -> str:
	return "consent_" + frappe.scrub(purpose)


def parse_submission(form: dict, state: frappe._dict) -> frappe._dict:
	"""The changes a submission asks for, each field validated; fields the page does not offer are
	ignored. A value of the wrong shape (list, object, too long) or an invalid one is a 417 naming it."""
	if not isinstance(form, dict):
		_refuse("form", _("must be an object"))
	contact = {}
	for field in state.contact:
		if field not in form:
			continue
		value = _text(form, field, FIELD_LENGTHS[field])
		if field == "email_id":
			if not value:
				_refuse(field, _("is required"))
			problem = check_email(value)
			if problem:
				_refuse(field, problem)
			value = normalise_email(value)
		elif field == "mobile_no" and value:
			value = normalise_phone(value, default_phone_region())
			if isinstance(value, ValueProblem):
				_refuse(field, value)
		elif field == "wechat_id" and value and not _WECHAT_ID.match(value):
			_refuse(field, _("must be 6 to 20 letters, digits, - or _, starting with a letter"))
		if value != (state.contact[field] or ""):
			contact[field] = value

	consents = {}
	for purpose, granted in state.consents.items():
		choice = _text(form, consent_field(purpose), 20)
		if not choice:
			continue
		if choice not in ("granted", "withdrawn"):
			_refuse(consent_field(purpose), _("must be granted or withdrawn"))
		if (choice == "granted") != granted:
			consents[purpose] = "Granted" if choice == "granted" else "Withdrawn"

	removed = [row["idx"] for row in state.preferences if _checked(form, f"remove_preference_{row['idx']}")]
	new_preference = None
	text = _text(form, "preference", PREFERENCE_LENGTH)
	category = _text(form, "preference_category", 40)
	if category and category not in preference_categories():
		_refuse("preference_category", _("is not one of the categories offered"))
	if text:
		new_preference = {"category": category or None, "preference": text}
	return frappe._dict(contact=contact, consents=consents, removed=removed, new_preference=new_preference)


# ---------------------------------------------------------------------------------------------
# Recording a submission
# ---------------------------------------------------------------------------------------------


def submit_changes(token, form: dict, ip: str | None) -> frappe._dict:
	"""Check the token, validate the whole submission, then write it. Returns the parsed changes."""
	link = read_link(token)
	changes = parse_submission(form, current_state(link.customer))
	now = now_datetime()
	log: list[tuple[str, str | None, str, str]] = []
	_update_profile(link.customer, changes, log)
	_update_contact(link.customer, changes.contact)
	for purpose, status in changes.consents.items():
		consent.record_consent(
			link.customer,
			purpose,
			status,
			channel="Any",
			source=SOURCE,
			consent_on=now,
			self_service_link=link.link,
			ip_address=ip,
			# evidence is a record, kept in one language whatever the customer's
			evidence=f"{LINK} {link.link}; IP {ip or '-'}; {now.isoformat(sep=' ', timespec='seconds')}",
			# Safe: the signed, unexpired, unrevoked token names this customer; purpose and status come
			# from the page's fixed list and two values, nothing else from the request reaches the row.
			ignore_permissions=True,
		)
		# only a change of the shown state is recorded, so the state before was the other one
		log.append(("Consent", purpose, "Withdrawn" if status == "Granted" else "Granted", status))
	_log_changes(link, log, now)
	_count_submission(link.link, now, ip)
	return changes


def _update_profile(customer: str, changes: frappe._dict, log: list) -> None:
	if not (changes.contact or changes.removed or changes.new_preference):
		return
	profile = frappe.get_doc(PROFILE, customer)
	for field, value in changes.contact.items():
		log.append((CONTACT_FIELDS[field], None, profile.get(field) or "", value))
		profile.set(field, value or None)
	if changes.removed:
		kept = []
		for row in profile.preferences:
			if row.idx in changes.removed:
				log.append(("Preference", row.category or None, row.preference, ""))
			else:
				kept.append(row)
		profile.set("preferences", kept)
	if changes.new_preference:
		profile.append("preferences", {**changes.new_preference, "source": SOURCE, "recorded_on": nowdate()})
		log.append(
			("Preference", changes.new_preference["category"], "", changes.new_preference["preference"])
		)
	# Safe: the signed, unexpired, unrevoked token names this profile, and only the whitelisted contact
	# fields and preference rows, each validated in parse_submission, are changed.
	profile.save(ignore_permissions=True)


def _update_contact(customer: str, contact_changes: dict) -> None:
	"""The profile's primary Contact follows a new email or mobile, when it belongs to this customer."""
	changed = {f: v for f, v in contact_changes.items() if f in ("email_id", "mobile_no")}
	name = frappe.db.get_value(PROFILE, customer, "primary_contact")
	if not changed or not name:
		return
	linked = frappe.db.exists(
		"Dynamic Link",
		{"parenttype": "Contact", "parent": name, "link_doctype": "Customer", "link_name": customer},
	)
	if not linked:
		return
	contact = frappe.get_doc("Contact", name)
	if "email_id" in changed:
		email = changed["email_id"]
		for row in contact.email_ids:
			row.is_primary = int((row.email_id or "").strip().lower() == email)
		if not any(row.is_primary for row in contact.email_ids):
			contact.append("email_ids", {"email_id": email, "is_primary": 1})
	if "mobile_no" in changed:
		mobile = changed["mobile_no"]
		for row in contact.phone_nos:
			row.is_primary_mobile_no = int(bool(mobile) and row.phone == mobile)
		if mobile and not any(row.is_primary_mobile_no for row in contact.phone_nos):
			contact.append("phone_nos", {"phone": mobile, "is_primary_mobile_no": 1})
	# Safe: the token names the customer this Contact is linked to (checked above), and only its primary
	# email and mobile change, to values validated in parse_submission.
	contact.save(ignore_permissions=True)


def _log_changes(link: frappe._dict, log: list, now) -> None:
	"""One Customer Profile Change per change, reason Self-service (a handful per submission)."""
	for change_type, detail, old, new in log:
		doc = frappe.get_doc(
			{
				"doctype": CHANGE,
				"customer_profile": link.customer,
				"customer": link.customer,
				"change_type": change_type,
				"detail": detail,
				"from_value": (old or "")[:140],
				"to_value": (new or "")[:140],
				"changed_on": now,
				"reason": SOURCE,
				"changed_by": frappe.session.user,
				"self_service_link": link.link,
			}
		)
		# Safe: a log row the server writes for the change it just made on behalf of the token holder.
		doc.insert(ignore_permissions=True)


def _count_submission(link: str, now, ip: str | None) -> None:
	"""Every submission counts on its link, whatever it changed (one UPDATE, atomic under concurrency)."""
	frappe.db.sql(
		"""update `tabCustomer Self-service Link`
		set submission_count = coalesce(submission_count, 0) + 1, last_submitted_on = %s,
			last_ip_address = %s
		where name = %s""",
		(now, (ip or "")[:140], link),
	)


# ---------------------------------------------------------------------------------------------
# Whitelisted methods
# ---------------------------------------------------------------------------------------------


@frappe.whitelist(allow_guest=True, methods=["POST"])
def submit(token: str | None = None, **form) -> dict:
	"""Save a self-service form from its link. Guest-allowed: the token is the only authority."""
	signed_links.check_rate_limit(PURPOSE, RATE_LIMIT, RATE_WINDOW)
	token = args.text(token, "token", max_length=signed_links.MAX_TOKEN_LENGTH) or ""
	form.pop("cmd", None)
	try:
		submit_changes(token, form, frappe.local.request_ip)
	except LinkTokenError as e:
		frappe.throw(refusal_message(e.reason), LinkTokenError, title=_("Link not valid"))
	return {"ok": True, "message": _("Thank you. Your details have been updated.")}


@frappe.whitelist(methods=["POST"])
def send_link(customer: str) -> dict:
	"""Email the customer a self-service link (from the profile form); returns the link too."""
	customer = args.name(customer, "customer")
	require(
		PROFILE,
		customer,
		"write",
		_("Not permitted to send a self-service link to {0}.").format(frappe.bold(customer)),
	)
	profile = frappe.db.get_value(
		PROFILE, customer, ["email_id", "customer_name", "do_not_contact"], as_dict=True
	)
	if cint(profile.do_not_contact):
		frappe.throw(
			_("{0} is marked Do Not Contact.").format(frappe.bold(profile.customer_name or customer))
		)
	if not profile.email_id:
		frappe.throw(
			_("Please set an email address on the profile of {0} first.").format(frappe.bold(customer))
		)
	link, token = mint_link(customer, profile.email_id)
	url = link_url(token)
	emailed = True
	try:
		frappe.sendmail(
			recipients=[profile.email_id],
			subject=_("Update your contact details and preferences"),
			message=_(
				"You can check and update your contact details, preferences and consent here: {0}"
			).format(f'<a href="{escape_html(url)}">{escape_html(url)}</a>'),
			reference_doctype=PROFILE,
			reference_name=customer,
		)
	except frappe.OutgoingEmailError:
		# No outgoing email account: the link is still made, for the user to copy and send themselves.
		frappe.clear_last_message()
		emailed = False
	return {
		"url": url,
		"email": profile.email_id,
		"emailed": emailed,
		"link": link,
		"expires_on": frappe.db.get_value(LINK, link, "expires_on"),
	}
