"""Install and uninstall steps."""

from __future__ import annotations

import time

import click
import frappe

from crm_profiles.compat import apply_link_options
from crm_profiles.profiles.sync import create_missing_profiles
from crm_profiles.setup.defaults import create_default_tiers, create_list_view_settings, fill_default_settings
from crm_profiles.setup.role_permissions import grant_master_read, revoke_master_read
from crm_profiles.setup.workflow import create_complaint_workflow, remove_complaint_workflow

ROLES = ("CRM Manager", "CRM User")


def before_install() -> None:
	reset_module_map()


def reset_module_map() -> None:
	"""Forget a module map cached before this app reached ``apps.txt``.

	Frappe caches the map of apps to modules in the site's Redis (``app_modules``) and in the process.
	A site used before ``bench get-app`` keeps a map without "CRM Profiles", and installing would then
	fail with "DocType CRM Profile Settings not found" half-way, leaving the app listed without tables.
	Dropping both copies here, before Frappe syncs our DocTypes, makes it read ``apps.txt`` again.
	"""
	frappe.cache.delete_value(
		[
			"app_modules",
			"installed_app_modules",
			"module_app",
			"module_installed_app",
			"app_hooks",
			"all_apps",
		]
	)
	frappe.local.app_modules = None
	frappe.local.module_app = None
	frappe.setup_module_map()


def after_install() -> None:
	ensure_encryption_key()
	apply_link_options()
	ensure_roles()
	grant_master_read()
	create_complaint_workflow()
	fill_default_settings()
	create_default_tiers()
	create_list_view_settings()
	backfill_profiles()
	compute_figures()


def after_migrate() -> None:
	"""Settings added by a newer version get their defaults; nothing an admin saved is touched."""
	apply_link_options()
	fill_default_settings()
	create_list_view_settings()


def ensure_encryption_key() -> None:
	"""The app signs survey and self-service links with the site's ``encryption_key``. Frappe writes the
	key the first time anything is encrypted, so on a new site two processes (two web workers, or a
	worker and a job) could each write a key of their own for their first links, and one process's
	links would then fail in the other. Making it at install leaves one key from the start."""
	from frappe.utils.password import get_encryption_key

	get_encryption_key()


def ensure_roles() -> None:
	"""Fixtures sync on migrate; create the roles at install time so permissions work at once."""
	for role in ROLES:
		if not frappe.db.exists("Role", role):
			frappe.get_doc({"doctype": "Role", "role_name": role, "desk_access": 1}).insert(
				ignore_permissions=True
			)


def backfill_profiles() -> int:
	"""Give every existing customer a profile in one set-based statement."""
	start = time.monotonic()
	created = create_missing_profiles()
	frappe.db.commit()
	click.secho(
		f"crm_profiles: created {created} customer profiles in {time.monotonic() - start:.2f}s", fg="green"
	)
	return created


def compute_figures() -> dict:
	"""Figures, tiers, stages and the RFM cut points for every profile, so that nobody with orders shows
	R = F = M = 0 until the first nightly refresh. One grouped pass over orders, in this process."""
	from crm_profiles.analytics.refresh import full_refresh

	start = time.monotonic()
	result = full_refresh()
	frappe.db.commit()
	click.secho(
		f"crm_profiles: computed figures and RFM ({result['profiles']} profiles changed) in {time.monotonic() - start:.2f}s",
		fg="green",
	)
	return result


def before_uninstall() -> None:
	"""Remove what Frappe does not: our roles and role permissions. Frappe drops our tables and module."""
	doctypes = frappe.get_all("DocType", filters={"module": "CRM Profiles"}, pluck="name")
	frappe.db.delete("Custom DocPerm", {"parent": ("in", doctypes)})
	revoke_master_read()
	remove_complaint_workflow()
	frappe.db.delete("Has Role", {"role": ("in", ROLES)})
	for role in ROLES:
		frappe.delete_doc("Role", role, ignore_missing=True, force=True)
