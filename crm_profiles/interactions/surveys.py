"""NPS and CSAT surveys answered from an emailed link, without a desk account.

The link carries a signed token (``crm_profiles.utils.signed_links``) naming the customer, the expiry
and a random id. A token is refused when its signature does not match (tampered), when it has
expired, or when an answer with its id already exists (used). The id is stored on the Feedback
interaction in a unique column, so even two simultaneous answers cannot both be accepted.
"""

from __future__ import annotations

import secrets

import frappe
from frappe import _
from frappe.utils import add_days, cint, escape_html, get_url, now_datetime

from crm_profiles.interactions.settings import setting
from crm_profiles.privacy.consent import can_contact
from crm_profiles.privacy.permissions import require
from crm_profiles.utils import args, signed_links
from crm_profiles.utils.signed_links import LinkTokenError

INTERACTION = "Customer Interaction"
PROFILE = "Customer Profile"
SURVEY_ROUTE = "/crm_survey"
COMMENT_LENGTH = 2000


# The survey's tokens and their refusals are the shared signed links' (utils.signed_links).
SurveyTokenError = LinkTokenError
PURPOSE = "survey"


def make_token(customer: str, valid_days: int | None = None) -> str:
	days = valid_days if valid_days is not None else setting("survey_validity_days")
	return signed_links.make(
		PURPOSE, {"c": customer, "n": secrets.token_urlsafe(16)}, add_days(now_datetime(), days)
	)


def read_token(token: str | None) -> dict:
	"""The token's claims, or SurveyTokenError. Checks signature, then expiry, then single use."""
	claims = signed_links.read(PURPOSE, token or "")
	try:
		customer, nonce = str(claims["c"]), str(claims["n"])
	except (KeyError, TypeError):
		raise SurveyTokenError("tampered") from None
	if not frappe.db.exists(PROFILE, customer):
		raise SurveyTokenError("tampered")
	if frappe.db.exists(INTERACTION, {"survey_nonce": nonce}):
		raise SurveyTokenError("used")
	return {"customer": customer, "expires": claims["x"], "nonce": nonce}


def survey_url(customer: str) -> str:
	return get_url(f"{SURVEY_ROUTE}?token={make_token(customer)}")


def _score(value, low: int, high: int, label: str) -> int:
	text = str(value if isinstance(value, str | int) else "").strip()
	if not text.isdigit() or not low <= int(text) <= high:
		frappe.throw(_("Please choose a {0} from {1} to {2}.").format(label, low, high))
	return int(text)


def record_answer(token: str, nps, csat, comment: str | None = None) -> str:
	"""Check the token strictly, then store the answer as a Feedback interaction. Returns its name."""
	claims = read_token(token if isinstance(token, str) else None)
	nps = _score(nps, 0, 10, _("recommendation score"))
	csat = _score(csat, 1, 5, _("satisfaction rating"))
	doc = frappe.get_doc(
		{
			"doctype": INTERACTION,
			"customer": claims["customer"],
			"interaction_type": "Feedback",
			"channel": "Website",
			"direction": "Inbound",
			"status": "Completed",
			"interaction_date": now_datetime(),
			"interaction_owner": frappe.db.get_value(PROFILE, claims["customer"], "account_owner"),
			"subject": _("Survey answer: NPS {0}, CSAT {1}").format(nps, csat),
			"summary": escape_html((comment if isinstance(comment, str) else "").strip()[:COMMENT_LENGTH])
			or None,
			"nps": str(nps),
			"rating": csat,
			"survey_nonce": claims["nonce"],
		}
	)
	# Safe: the signed, unexpired, unused token is the customer's authority to answer, and it names
	# the customer; nothing else from the request reaches the document but the two scores and a comment.
	doc.flags.ignore_permissions = True
	doc.flags.computed_by_server = True  # the survey id (a read-only field) is set here, by the server
	try:
		doc.insert()
	except frappe.UniqueValidationError:
		raise SurveyTokenError("used") from None
	return doc.name


@frappe.whitelist(allow_guest=True, methods=["POST"])
def submit(token: str, nps: int, csat: int, comment: str | None = None) -> dict:
	"""Answer a survey from its link. Guest-allowed: the token is the only authority."""
	token = args.text(token, "token", max_length=1000) or ""
	nps = args.integer(nps, "nps", minimum=0, maximum=10)
	csat = args.integer(csat, "csat", minimum=1, maximum=5)
	comment = args.text(comment, "comment", max_length=COMMENT_LENGTH)
	try:
		record_answer(token, nps, csat, comment)
	except SurveyTokenError as e:
		frappe.throw(refusal_message(e.reason), SurveyTokenError, title=_("Survey link not valid"))
	return {"ok": True, "message": _("Thank you for your feedback.")}


def refusal_message(reason: str) -> str:
	return {
		"used": _("This survey link has already been used. Thank you, your answer was recorded."),
		"expired": _("This survey link has expired. Please ask us for a new one."),
	}.get(reason, _("This survey link is not valid. Please use the link from your email exactly as sent."))


@frappe.whitelist(methods=["POST"])
def send_survey(customer: str) -> dict:
	"""Email the customer a survey link (from the profile form)."""
	customer = args.name(customer, "customer")
	require(
		PROFILE, customer, "write", _("Not permitted to send a survey to {0}.").format(frappe.bold(customer))
	)
	profile = frappe.db.get_value(
		PROFILE, customer, ["email_id", "customer_name", "do_not_contact"], as_dict=True
	)
	if cint(profile.do_not_contact):
		frappe.throw(
			_("{0} is marked Do Not Contact.").format(frappe.bold(profile.customer_name or customer))
		)
	if not can_contact(customer, "Surveys", "Email"):
		frappe.throw(
			_("{0} has withdrawn consent to surveys.").format(frappe.bold(profile.customer_name or customer))
		)
	if not profile.email_id:
		frappe.throw(
			_("Please set an email address on the profile of {0} first.").format(frappe.bold(customer))
		)
	url = survey_url(customer)
	frappe.sendmail(
		recipients=[profile.email_id],
		subject=_("How are we doing?"),
		message=_("Please tell us how we are doing. It takes a minute: {0}").format(
			f'<a href="{escape_html(url)}">{escape_html(url)}</a>'
		),
		reference_doctype=PROFILE,
		reference_name=customer,
	)
	return {"url": url, "email": profile.email_id}
