"""The customer's self-service page: GET shows their contact details, preferences and consent; POST
saves the changes. Bad links, invalid values and too many submissions get a clear page with a 4xx."""

from __future__ import annotations

import frappe
from frappe import _

from crm_profiles.privacy import self_service
from crm_profiles.privacy.consent import PURPOSES
from crm_profiles.utils import signed_links
from crm_profiles.utils.signed_links import LinkTokenError

no_cache = 1


def purpose_help() -> dict[str, str]:
	return {
		"Marketing Email": _("News and offers by email"),
		"Marketing SMS": _("News and offers by text message"),
		"Marketing Phone": _("News and offers by phone call"),
		"Surveys": _("Short surveys about our service"),
		"Follow-ups": _("Calls and messages after a purchase or a request"),
		"Profiling": _("Using what you buy to suggest things that suit you"),
		"Data Sharing": _("Sharing your details with our partners"),
	}


def texts() -> dict:
	return {
		"heading": _("Your details"),
		"intro": _("Check your contact details, preferences and consent, change what you like and save."),
		"contact": _("Contact details"),
		"email_id": _("Email"),
		"mobile_no": _("Mobile"),
		"wechat_id": _("WeChat ID"),
		"preferences": _("Your preferences"),
		"no_preferences": _("No preferences recorded yet."),
		"remove": _("Remove"),
		"add_preference": _("Add a preference (optional)"),
		"category": _("Category"),
		"any_category": _("Any"),
		"consent": _("What we may contact you about"),
		"yes": _("Yes"),
		"no": _("No"),
		"submit": _("Save my details"),
		"thanks": _("Thank you. Your details have been updated."),
		"again": _("Back to my details"),
		"refused_title": _("Link not valid"),
		"too_many": _("Too many requests"),
		"fix": _("Please check this and try again."),
	}


def get_context(context):
	context.no_cache = 1
	context.show_sidebar = False
	context.title = _("Your details")
	form = frappe.form_dict
	token = form.get("token")
	context.token = token if isinstance(token, str) and len(token) <= signed_links.MAX_TOKEN_LENGTH else ""
	context.lang = frappe.local.lang or "en"
	context.text = texts()
	context.state = "form"
	posted = bool(frappe.request and frappe.request.method == "POST")
	try:
		if posted:  # every submission counts, refused ones too
			signed_links.check_rate_limit(
				self_service.PURPOSE, self_service.RATE_LIMIT, self_service.RATE_WINDOW
			)
		link = self_service.read_link(token)
		if posted:
			self_service.submit_changes(token, dict(form), frappe.local.request_ip)
			context.state = "thanks"
		else:
			_show(context, link.customer)
	except LinkTokenError as e:
		frappe.db.rollback()
		context.state = "refused"
		context.reason = e.reason
		context.message = self_service.refusal_message(e.reason)
		context.http_status_code = 410 if e.reason in ("expired", "revoked") else 403
	except frappe.RateLimitExceededError as e:
		frappe.db.rollback()
		frappe.local.message_log = []
		context.state = "refused"
		context.reason = "rate-limited"
		context.text["refused_title"] = context.text["too_many"]
		context.message = frappe.utils.strip_html(str(e))
		context.http_status_code = 429
	except frappe.ValidationError as e:
		frappe.db.rollback()
		frappe.local.message_log = []
		context.error = frappe.utils.strip_html(str(e))
		context.http_status_code = 417
		_show(context, self_service.read_link(token).customer)
	return context


def _show(context, customer: str) -> None:
	state = self_service.current_state(customer)
	context.customer_name = state.customer_name
	context.contact = [
		{
			"field": field,
			"label": context.text[field],
			"value": value,
			"type": {"email_id": "email", "mobile_no": "tel"}.get(field, "text"),
			"maxlength": self_service.FIELD_LENGTHS[field],
		}
		for field, value in state.contact.items()
	]
	context.preferences = [{**row, "category_label": _(row["category"])} for row in state.preferences]
	context.categories = [(c, _(c)) for c in self_service.preference_categories()]
	help_texts = purpose_help()
	context.consents = [
		{
			"field": self_service.consent_field(purpose),
			"label": _(purpose),
			"help": help_texts[purpose],
			"granted": state.consents[purpose],
		}
		for purpose in PURPOSES
	]
