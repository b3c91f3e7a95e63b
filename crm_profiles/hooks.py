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
	"/assets/crm_profiles/js/profile_header.js",
]
app_include_css = ["/assets/crm_profiles/css/crm_profiles.css"]
doctype_js = {"Customer": "public/js/customer.js"}
extend_bootinfo = "crm_profiles.boot.extend_bootinfo"

# Installation and migration
# --------------------------
# The covering order index (analytics) is added at install and on migrate and dropped on uninstall;
# default duplicate matching rules are made once and never overwritten.
before_install = "crm_profiles.install.before_install"
after_install = [
	"crm_profiles.install.after_install",
	"crm_profiles.analytics.indexes.ensure_indexes",
	"crm_profiles.quality.matching.ensure_default_rules",
	"crm_profiles.setup.constraints.ensure_unique_constraints",
]
after_migrate = [
	"crm_profiles.install.after_migrate",
	"crm_profiles.analytics.indexes.ensure_indexes",
	"crm_profiles.quality.matching.ensure_default_rules",
	"crm_profiles.setup.constraints.ensure_unique_constraints",
]
before_uninstall = [
	"crm_profiles.install.before_uninstall",
	"crm_profiles.analytics.indexes.drop_indexes",
]

# Fixtures: records that module sync does not create
# ---------------------------------------------------
# Roles only. The complaint workflow (Open -> In Progress -> Resolved -> Closed) is made once at install
# (crm_profiles.setup.workflow) and never overwritten by migrate, so an admin's edits in the desk stay.
fixtures = [
	{"dt": "Role", "filters": [["role_name", "in", ["CRM Manager", "CRM User"]]]},
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
		# profile, match keys and completeness score, in one handler
		"after_insert": "crm_profiles.profiles.sync.on_customer_insert",
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
	# A deletion request's redaction also drops the profiles' encrypted values (Personal ID) from __Auth
	"Personal Data Deletion Request": {"on_update": "crm_profiles.privacy.sensitive.forget_redacted_values"},
	# Closing a follow-up ToDo completes its follow-up. A ToDo on an app record needs read on that
	# record, since its assignee would read the profile through _assign.
	"ToDo": {
		"validate": "crm_profiles.privacy.permissions.check_todo_reference",
		"on_update": "crm_profiles.interactions.followups.on_todo_update",
	},
	# Each status a Data Import sets, the last at its end: work deferred from its rows, once
	"Data Import": {"on_change": "crm_profiles.utils.data_import.on_data_import_change"},
	# A running import reads the complaint workflow's transitions once; an edit is read from the next row
	"Workflow": {"on_update": "crm_profiles.utils.data_import.forget_config"},
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
		"crm_profiles.segments.membership.nightly_refresh",
		"crm_profiles.recommendations.engine.nightly",
	],
	# A running full refresh: parts whose worker died or failed are queued again, or the run is failed
	"cron": {"*/5 * * * *": ["crm_profiles.analytics.refresh.check_refresh"]},
}

# Permissions
# -----------
# One condition for lists and documents: a profile's row rules (User Permissions on Territory, Customer
# Group and Customer, and "CRM Users see only profiles they own or are assigned to"), and every other
# record of the app readable only where the profiles it belongs to are (crm_profiles.privacy.permissions).
_PERM = "crm_profiles.privacy.permissions"
permission_query_conditions = {
	"Customer Profile": f"{_PERM}.profile_query",
	"Customer Interaction": f"{_PERM}.interaction_query",
	"Customer Consent": f"{_PERM}.belongs_to_query",
	"Customer Profile Change": f"{_PERM}.belongs_to_query",
	"Possible Duplicate": f"{_PERM}.belongs_to_query",
	"Customer Merge Log": f"{_PERM}.belongs_to_query",
	"Customer Segment Member": f"{_PERM}.belongs_to_query",
	"Customer Campaign Member": f"{_PERM}.belongs_to_query",
	"Customer Recommendation": f"{_PERM}.belongs_to_query",
	"Customer Item Summary": f"{_PERM}.belongs_to_query",
	"Customer Self-service Link": f"{_PERM}.belongs_to_query",
}
has_permission = {
	"Customer Profile": f"{_PERM}.has_profile_permission",
	"Customer Interaction": f"{_PERM}.has_interaction_permission",
	"Customer Consent": f"{_PERM}.has_belongs_to_permission",
	"Customer Profile Change": f"{_PERM}.has_belongs_to_permission",
	"Possible Duplicate": f"{_PERM}.has_belongs_to_permission",
	"Customer Merge Log": f"{_PERM}.has_belongs_to_permission",
	"Customer Segment Member": f"{_PERM}.has_belongs_to_permission",
	"Customer Campaign Member": f"{_PERM}.has_belongs_to_permission",
	"Customer Recommendation": f"{_PERM}.has_belongs_to_permission",
	"Customer Item Summary": f"{_PERM}.has_belongs_to_permission",
	"Customer Self-service Link": f"{_PERM}.has_belongs_to_permission",
}

# The form's change history (docinfo.versions) without values of fields the reader may not read
# and the app's reports refuse filters that are not one JSON object with a 417 (Frappe answers 500);
# every other report runs Frappe's own method unchanged
override_whitelisted_methods = {
	"frappe.desk.form.load.getdoc": "crm_profiles.privacy.versions.getdoc",
	"frappe.desk.form.load.get_docinfo": "crm_profiles.privacy.versions.get_docinfo",
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
			"match_email",
			"match_phone",
		],
		"partial": 1,
	},
	{
		"doctype": "Customer Consent",
		"filter_by": "email_id",
		"redact_fields": ["email_id", "evidence"],
		"partial": 1,
	},
	{
		"doctype": "Customer Self-service Link",
		"filter_by": "sent_to",
		"redact_fields": ["sent_to", "last_ip_address"],
		"partial": 1,
	},
]
