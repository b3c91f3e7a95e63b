"""The site under test runs this checkout: crm_profiles is installed, at this version, with its module."""

from __future__ import annotations

from pathlib import Path


def test_site_runs_this_checkout(site):
	import frappe

	import crm_profiles

	assert "crm_profiles" in frappe.get_installed_apps()
	assert frappe.db.exists("Module Def", "CRM Profiles")
	checkout = Path(__file__).resolve().parents[2]
	version = (checkout / "crm_profiles" / "__init__.py").read_text().split('"')[1]
	assert crm_profiles.__version__ == version
	assert frappe.get_attr("crm_profiles.hooks.app_name") == "crm_profiles"
