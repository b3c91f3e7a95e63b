# Copyright (c) 2026, crm_profiles contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.utils import add_to_date, now_datetime

from crm_profiles.interactions import followups, workflow_actions
from crm_profiles.interactions.engagement import refresh_engagement
from crm_profiles.interactions.settings import setting
from crm_profiles.profiles.sync import create_missing_profiles
from crm_profiles.utils.document import AppDocument


class CustomerInteraction(AppDocument):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		channel: DF.Literal[
			"", "Phone", "Email", "In Person", "Video Call", "Chat", "Social Media", "Website", "Other"
		]
		complaint_status: DF.Link | None
		contact_person: DF.Link | None
		customer: DF.Link
		customer_group: DF.Link | None
		customer_name: DF.Data | None
		deleted_source_name: DF.Data | None
		direction: DF.Literal["Outbound", "Inbound"]
		follow_up_assignee: DF.Link | None
		follow_up_date: DF.Date | None
		follow_up_of: DF.Link | None
		follow_up_required: DF.Check
		interaction_date: DF.Datetime
		interaction_owner: DF.Link | None
		interaction_type: DF.Literal[
			"Call", "Email", "Meeting", "Visit", "Chat", "Complaint", "Feedback", "Inquiry", "Follow-up"
		]
		is_private: DF.Check
		naming_series: DF.Literal["CI-.YYYY.-"]
		nps: DF.Literal["", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]
		outcome: DF.SmallText | None
		private_to: DF.Link | None
		profile: DF.Link | None
		rating: DF.Int
		reference_doctype: DF.Link | None
		reference_name: DF.DynamicLink | None
		response_due_on: DF.Datetime | None
		source_deleted: DF.Check
		status: DF.Literal["Open", "Completed", "Cancelled"]
		subject: DF.Data
		summary: DF.TextEditor | None
		survey_nonce: DF.Data | None
		territory: DF.Link | None

	# end: auto-generated types
	def validate(self):
		self.validate_customer()
		self.clear_empty_source()
		self.set_profile()
		self.validate_rating()
		self.validate_nps()
		self.validate_follow_up()
		self.set_complaint_fields()

	def validate_customer(self):
		if not self.customer:
			frappe.throw(
				_("Please select the customer this interaction is with."), title=_("Customer missing")
			)
		# one query for the customer's existence, its scope and its profile (read by set_profile), unless
		# the link check of this save has just read them (read_linked_row)
		checked = self.flags.pop("checked_customer", None)
		if checked and checked[0] == self.customer:
			self.flags.customer_scope = checked[1]
		else:
			self.flags.customer_scope = customer_scope(self.customer)
		if not self.flags.customer_scope:
			frappe.throw(_("Customer {0} does not exist.").format(frappe.bold(self.customer)))

	def read_linked_row(self, fieldname, doctype, name, columns):
		"""The customer's row for the link check, read with its profile in the same query: validate
		needs both, and a row of a Data Import would otherwise pay a second query for them."""
		if fieldname != "customer":
			return super().read_linked_row(fieldname, doctype, name, columns)
		row = customer_scope(name, columns)
		if row:
			self.flags.checked_customer = (row.name, frappe._dict({k: row[k] for k in SCOPE}))
		return row

	def clear_empty_source(self):
		"""No source is NULL, never "": the database keeps (reference_doctype, reference_name) unique."""
		if not self.reference_name:
			self.reference_name = None

	def run_method(self, method, *args, **kwargs):
		if (
			method == "on_update"
			and self.flags.in_insert
			and not workflow_actions.has_actions_to_create(self)
		):
			with workflow_actions.composed_without_handler(self):
				return super().run_method(method, *args, **kwargs)
		return super().run_method(method, *args, **kwargs)

	def on_update(self):
		workflow_actions.restore(self)
		self.ensure_profile()
		followups.on_interaction_update(self)

	def on_trash(self):
		followups.on_interaction_trash(self)

	def after_delete(self):
		refresh_engagement([self.customer])

	def set_profile(self):
		"""Link the customer's profile and copy the customer's scope (territory, group) for permissions."""
		values = frappe._dict(self.flags.customer_scope)
		self.profile = values.pop("profile")
		self.update(values)

	def validate_rating(self):
		if self.rating and not 1 <= self.rating <= 5:
			frappe.throw(
				_("{0} must be between 1 and 5, or 0 when not rated.").format(frappe.bold(_("Rating"))),
				title=_("Invalid rating"),
			)

	def validate_nps(self):
		if self.nps not in (None, "") and not (str(self.nps).isdigit() and 0 <= int(self.nps) <= 10):
			frappe.throw(_("{0} must be between 0 and 10.").format(frappe.bold(_("NPS (0-10)"))))

	def set_complaint_fields(self):
		"""A complaint is due for a response after the configured hours; its workflow state sets its status."""
		if self.interaction_type != "Complaint":
			return
		hours = setting("complaint_response_hours")
		if not self.response_due_on and hours:
			self.response_due_on = add_to_date(self.interaction_date or now_datetime(), hours=hours)
		if self.complaint_status in ("Resolved", "Closed"):
			self.status = "Completed"
		elif self.status != "Cancelled":
			self.status = "Open"

	def validate_follow_up(self):
		if not self.follow_up_required:
			return
		if not self.follow_up_date:
			frappe.throw(_("Please set a {0}.").format(frappe.bold(_("Follow-up Date"))))
		if not self.follow_up_assignee:
			self.follow_up_assignee = self.interaction_owner or frappe.session.user

	def ensure_profile(self):
		"""A customer created while automatic profiles were off gets its profile on first interaction."""
		if not self.profile:
			create_missing_profiles([self.customer])
			self.db_set("profile", self.customer, update_modified=False)


SCOPE = ("customer_name", "customer_group", "territory", "profile")


def customer_scope(customer: str, columns: list[str] | tuple[str, ...] = ()) -> dict | None:
	"""The customer's name, group and territory, and its profile (None when it has none); with
	``columns`` (column names from the meta, never input), those of the customer's row too."""
	# a plain query, not the query builder: it runs for every row of an import
	extra = "".join(f", c.`{c}`" for c in columns if c not in SCOPE)
	rows = frappe.db.sql(
		f"""select c.customer_name, c.customer_group, c.territory, p.name as profile{extra}
		from `tabCustomer` c left join `tabCustomer Profile` p on p.name = c.name
		where c.name = %s""",
		customer,
		as_dict=True,
	)
	return rows[0] if rows else None


def on_doctype_update():
	"""The profile timeline and the engagement figures read a customer's interactions newest first."""
	frappe.db.add_index("Customer Interaction", ["customer", "interaction_date"])
	frappe.db.add_index("Customer Interaction", ["reference_doctype", "reference_name"])
