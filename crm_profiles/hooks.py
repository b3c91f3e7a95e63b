app_name = "crm_profiles"
app_title = "CRM Profiles"
app_publisher = "crm_profiles contributors"
app_description = (
	"Customer profiles (客户档案) for ERPNext: interactions, purchase figures, tiers and follow-ups"
)
app_email = "dev@crm-profiles.invalid"
app_license = "MIT"
required_apps = ["frappe/erpnext"]

export_python_type_annotations = True

# Desk assets
# -----------
app_include_js = [
	"/assets/crm_profiles/js/crm_profiles.js",
	"/assets/crm_profiles/js/crm_profiles_quality.js",
]
doctype_js = {"Customer": "public/js/customer.js"}

# Installation and migration
# --------------------------
# The covering order index (analytics) is added at install and on migrate and dropped on uninstall;
# default duplicate matching rules are made once and never overwritten.
after_install = [
	"crm_profiles.install.after_install",
	"crm_profiles.analytics.indexes.ensure_indexes",
	"crm_profiles.quality.matching.ensure_default_rules",
]
after_migrate = [
	"crm_profiles.install.after_migrate",
	"crm_profiles.analytics.indexes.ensure_indexes",
	"crm_profiles.quality.matching.ensure_default_rules",
]
before_uninstall = [
	"crm_profiles.install.before_uninstall",
	"crm_profiles.analytics.indexes.drop_indexes",
]

# Fixtures: records that module sync does not create
# ---------------------------------------------------
# Roles, and the complaint workflow (Open -> In Progress -> Resolved -> Closed), editable in the desk.
fixtures = [
	{"dt": "Role", "filters": [["role_name", "in", ["CRM Manager", "CRM User"]]]},
	{"dt": "Workflow State", "filters": [["name", "in", ["Open", "In Progress", "Resolved", "Closed"]]]},
	{
		"dt": "Workflow Action Master",
		"filters": [["name", "in", ["Start Work", "Resolve", "Close", "Reopen"]]],
	},
	{"dt": "Workflow", "filters": [["name", "=", "Customer Complaint"]]},
]

# Document events
# ---------------
_CAPTURE = "crm_profiles.interactions.capture"
_ORDER_EVENTS = {
	"on_submit": "crm_profiles.analytics.events.on_order_event",
	"on_cancel": "crm_profiles.analytics.events.on_order_event",
}

doc_events = {
	# One profile per customer (profiles.sync), duplicate check and completeness (quality)
	"Customer": {
		"validate": "crm_profiles.quality.matching.check_new_customer",
		"after_insert": [
			"crm_profiles.profiles.sync.on_customer_insert",
			"crm_profiles.quality.completeness.on_customer_insert",
		],
		"on_update": "crm_profiles.profiles.sync.on_customer_update",
		"before_rename": "crm_profiles.profiles.sync.on_customer_before_rename",
		"after_rename": "crm_profiles.profiles.sync.on_customer_after_rename",
		"on_trash": "crm_profiles.profiles.sync.on_customer_trash",
	},
	# Purchase figures, RFM, tiers and stages follow submitted and cancelled orders
	"Sales Order": _ORDER_EVENTS,
	"Sales Invoice": _ORDER_EVENTS,
	"Customer Profile": {
		"on_update": [
			"crm_profiles.analytics.events.log_manual_tier_change",
			"crm_profiles.privacy.consent.on_profile_update",
			"crm_profiles.interactions.followups.on_profile_update",
		],
		"on_trash": "crm_profiles.analytics.events.delete_changes",
	},
	# The summary is recomputed after a delete, once the row is gone
	"Customer Consent": {
		"on_update": "crm_profiles.privacy.consent.on_consent_change",
		"after_delete": "crm_profiles.privacy.consent.on_consent_change",
	},
	# Automatic capture: each source document becomes one interaction; deleting it marks the interaction
	"Communication": {
		"on_update": f"{_CAPTURE}.on_communication_update",
		"on_trash": f"{_CAPTURE}.mark_source_deleted",
	},
	"Call Log": {
		"on_update": f"{_CAPTURE}.on_call_log_update",
		"on_trash": f"{_CAPTURE}.mark_source_deleted",
	},
	"Issue": {"on_update": f"{_CAPTURE}.on_issue_update", "on_trash": f"{_CAPTURE}.mark_source_deleted"},
	"Event": {"on_update": f"{_CAPTURE}.on_event_update", "on_trash": f"{_CAPTURE}.mark_source_deleted"},
	"Appointment": {
		"on_update": f"{_CAPTURE}.on_appointment_update",
		"on_trash": f"{_CAPTURE}.mark_source_deleted",
	},
	# Closing a follow-up ToDo completes its follow-up
	"ToDo": {"on_update": "crm_profiles.interactions.followups.on_todo_update"},
}

# Scheduled jobs
# --------------
scheduler_events = {
	"daily_long": [
		"crm_profiles.analytics.refresh.nightly_refresh",
		"crm_profiles.quality.matching.nightly_duplicate_queue",
		"crm_profiles.quality.completeness.nightly_scores",
		"crm_profiles.privacy.consent.refresh_expired_summaries",
		"crm_profiles.interactions.followups.run_daily",
	],
}

# Permissions
# -----------
# "CRM Users see only profiles they own or are assigned to": one condition for lists and documents
permission_query_conditions = {
	"Customer Profile": "crm_profiles.privacy.permissions.profile_query",
	"Customer Interaction": "crm_profiles.privacy.permissions.interaction_query",
	"Customer Consent": "crm_profiles.privacy.permissions.consent_query",
}
has_permission = {
	"Customer Profile": "crm_profiles.privacy.permissions.has_profile_permission",
	"Customer Interaction": "crm_profiles.privacy.permissions.has_customer_record_permission",
	"Customer Consent": "crm_profiles.privacy.permissions.has_customer_record_permission",
}

# The app's reports refuse filters that are not one JSON object with a 417 (Frappe answers 500);
# every other report runs Frappe's own method unchanged
override_whitelisted_methods = {
	"frappe.desk.query_report.run": "crm_profiles.overrides.query_report.run",
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
		"redact_fields": [
			"email_id",
			"mobile_no",
			"position",
			"notes",
			"birthday",
			"personal_id",
			"private_notes",
			"contact_person_name",
		],
		"partial": 1,
	},
	{
		"doctype": "Customer Consent",
		"filter_by": "email_id",
		"redact_fields": ["email_id", "evidence"],
		"partial": 1,
	},
]
