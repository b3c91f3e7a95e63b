"""The customer survey page: GET shows the form, POST records the answer; bad links get a clear page."""

from __future__ import annotations

import frappe
from frappe import _

from crm_profiles.interactions.surveys import SurveyTokenError, read_token, record_answer, refusal_message

no_cache = 1


def get_context(context):
	context.no_cache = 1
	context.show_sidebar = False
	context.title = _("Customer Survey")
	token = frappe.form_dict.get("token") or ""
	context.token = token
	context.text = {
		"heading": _("How are we doing?"),
		"nps_question": _("How likely are you to recommend us to a friend or colleague?"),
		"nps_low": _("Not at all likely"),
		"nps_high": _("Extremely likely"),
		"csat_question": _("How satisfied are you with our service?"),
		"csat_low": _("Very unsatisfied"),
		"csat_high": _("Very satisfied"),
		"comment": _("Anything you would like to tell us? (optional)"),
		"submit": _("Send"),
		"thanks": _("Thank you for your feedback."),
		"refused_title": _("Survey link not valid"),
	}
	context.state = "form"
	try:
		if frappe.request and frappe.request.method == "POST":
			record_answer(
				token,
				frappe.form_dict.get("nps"),
				frappe.form_dict.get("csat"),
				frappe.form_dict.get("comment"),
			)
			context.state = "thanks"
		else:
			read_token(token)
	except SurveyTokenError as e:
		context.state = "refused"
		context.reason = e.reason
		context.message = refusal_message(e.reason)
		context.http_status_code = 410 if e.reason in ("used", "expired") else 403
	except frappe.ValidationError as e:
		context.error = frappe.utils.strip_html(str(e))
		frappe.local.message_log = []
	return context
