app_name = "crm_profiles"
app_title = "CRM Profiles"
app_publisher = "crm_profiles contributors"
app_description = "Customer profiles (客户档案) for ERPNext: interactions, purchase figures, tiers and follow-ups"
app_email = "dev@crm-profiles.invalid"
app_license = "MIT"
required_apps = ["frappe/erpnext"]

export_python_type_annotations = True

# Desk assets
# -----------
doctype_js = {"Customer": "public/js/customer.js"}

# Installation
# ------------
after_install = "crm_profiles.install.after_install"
before_uninstall = "crm_profiles.install.before_uninstall"

# Fixtures: records that module sync does not create
# ---------------------------------------------------
fixtures = [
	{"dt": "Role", "filters": [["role_name", "in", ["CRM Manager", "CRM User"]]]},
]

# Document events
# ---------------
# Each handler is a small named step in crm_profiles.profiles.sync.
doc_events = {
	"Customer": {
		"after_insert": "crm_profiles.profiles.sync.on_customer_insert",
		"on_update": "crm_profiles.profiles.sync.on_customer_update",
		"before_rename": "crm_profiles.profiles.sync.on_customer_before_rename",
		"after_rename": "crm_profiles.profiles.sync.on_customer_after_rename",
		"on_trash": "crm_profiles.profiles.sync.on_customer_trash",
	},
}

# The Customer form's Connections also list profiles and interactions
override_doctype_dashboards = {
	"Customer": "crm_profiles.overrides.customer_dashboard.get_dashboard_data",
}

# Personal data requests (Frappe's Personal Data Download / Deletion Request)
# ---------------------------------------------------------------------------
user_data_fields = [
	{
		"doctype": "Customer Profile",
		"filter_by": "email_id",
		"redact_fields": ["email_id", "mobile_no", "position", "notes"],
		"partial": 1,
	},
]


# Purchase figures, RFM, tiers and lifecycle stages (crm_profiles.analytics)
# --------------------------------------------------------------------------
# Added to the hooks above, so that this feature's hooks read in one place.


def _as_list(value) -> list:
	return [] if not value else [value] if isinstance(value, str) else list(value)


def _add_doc_events(doctype: str, events: dict) -> None:
	for event, handler in events.items():
		target = doc_events.setdefault(doctype, {})
		target[event] = [*_as_list(target.get(event)), handler]


_ORDER_EVENTS = {
	"on_submit": "crm_profiles.analytics.events.on_order_event",
	"on_cancel": "crm_profiles.analytics.events.on_order_event",
}
_add_doc_events("Sales Order", _ORDER_EVENTS)
_add_doc_events("Sales Invoice", _ORDER_EVENTS)
_add_doc_events(
	"Customer Profile",
	{
		"before_save": "crm_profiles.analytics.events.keep_computed_fields",
		"on_update": "crm_profiles.analytics.events.log_manual_tier_change",
		"on_trash": "crm_profiles.analytics.events.delete_changes",
	},
)
globals().setdefault("scheduler_events", {}).setdefault("daily_long", []).append(
	"crm_profiles.analytics.refresh.nightly_refresh"
)
# A covering index on tabSales Order / tabSales Invoice for the grouped pass; dropped on uninstall.
after_migrate = [*_as_list(globals().get("after_migrate")), "crm_profiles.analytics.indexes.ensure_indexes"]
after_install = [*_as_list(after_install), "crm_profiles.analytics.indexes.ensure_indexes"]
before_uninstall = [*_as_list(before_uninstall), "crm_profiles.analytics.indexes.drop_indexes"]


# Interactions, follow-ups (回访), complaints and surveys (crm_profiles.interactions)
# ----------------------------------------------------------------------------------
# The complaint workflow (Open -> In Progress -> Resolved -> Closed), editable in the desk
fixtures += [
	{"dt": "Workflow State", "filters": [["name", "in", ["Open", "In Progress", "Resolved", "Closed"]]]},
	{"dt": "Workflow Action Master", "filters": [["name", "in", ["Start Work", "Resolve", "Close", "Reopen"]]]},
	{"dt": "Workflow", "filters": [["name", "=", "Customer Complaint"]]},
]
# Automatic capture: each source document becomes one interaction; deleting it marks the interaction
for _source, _handler in {
	"Communication": "on_communication_update",
	"Call Log": "on_call_log_update",
	"Issue": "on_issue_update",
	"Event": "on_event_update",
	"Appointment": "on_appointment_update",
}.items():
	_add_doc_events(
		_source,
		{
			"on_update": f"crm_profiles.interactions.capture.{_handler}",
			"on_trash": "crm_profiles.interactions.capture.mark_source_deleted",
		},
	)
_add_doc_events("ToDo", {"on_update": "crm_profiles.interactions.followups.on_todo_update"})
_add_doc_events("Customer Profile", {"on_update": "crm_profiles.interactions.followups.on_profile_update"})
# Tier contact intervals, profile reviews and the overdue flag
globals().setdefault("scheduler_events", {}).setdefault("daily_long", []).append(
	"crm_profiles.interactions.followups.run_daily"
)


# Data quality, duplicates and merge, consent, privacy (crm_profiles.quality, crm_profiles.privacy)
# ------------------------------------------------------------------------------------------------
app_include_js = [*_as_list(globals().get("app_include_js")), "/assets/crm_profiles/js/crm_profiles_quality.js"]
after_install = [*_as_list(after_install), "crm_profiles.quality.matching.ensure_default_rules"]
after_migrate = [*_as_list(after_migrate), "crm_profiles.quality.matching.ensure_default_rules"]
_add_doc_events(
	"Customer",
	{
		"validate": "crm_profiles.quality.matching.check_new_customer",
		"after_insert": "crm_profiles.quality.completeness.on_customer_insert",
	},
)
_add_doc_events("Customer Profile", {"on_update": "crm_profiles.privacy.consent.on_profile_update"})
# Garbage in a date field becomes a field-named message, not an SQL error
_add_doc_events("Customer Interaction", {"validate": "crm_profiles.utils.validation.validate_date_fields"})
_add_doc_events(
	"Customer Consent",
	{
		"on_update": "crm_profiles.privacy.consent.on_consent_change",
		"on_trash": "crm_profiles.privacy.consent.on_consent_change",
	},
)
scheduler_events["daily_long"] += [
	"crm_profiles.quality.matching.nightly_duplicate_queue",
	"crm_profiles.quality.completeness.nightly_scores",
	"crm_profiles.privacy.consent.refresh_expired_summaries",
]
# "CRM Users see only profiles they own or are assigned to": one condition for lists and documents
permission_query_conditions = {
	**globals().get("permission_query_conditions", {}),
	"Customer Profile": "crm_profiles.privacy.permissions.profile_query",
	"Customer Interaction": "crm_profiles.privacy.permissions.interaction_query",
	"Customer Consent": "crm_profiles.privacy.permissions.consent_query",
}
has_permission = {
	**globals().get("has_permission", {}),
	"Customer Profile": "crm_profiles.privacy.permissions.has_profile_permission",
	"Customer Interaction": "crm_profiles.privacy.permissions.has_customer_record_permission",
	"Customer Consent": "crm_profiles.privacy.permissions.has_customer_record_permission",
}
# Personal data requests also cover sensitive fields and the consent ledger
user_data_fields[0]["redact_fields"] = [
	*user_data_fields[0]["redact_fields"],
	"birthday",
	"personal_id",
	"private_notes",
	"contact_person_name",
]
user_data_fields.append(
	{
		"doctype": "Customer Consent",
		"filter_by": "email_id",
		"redact_fields": ["email_id", "evidence"],
		"partial": 1,
	}
)
