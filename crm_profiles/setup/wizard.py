"""Run ERPNext's setup wizard without a browser, for the demo site made by ``scripts/bootstrap``.

    bench --site S execute crm_profiles.setup.wizard.complete_setup --kwargs '{"company": "...", ...}'

It goes through Frappe's own ``setup_complete`` (the same stages the wizard's last page runs), so the
company, its chart of accounts, fiscal year, price lists and defaults are exactly what a person clicking
through the wizard would get. A site whose setup is already complete is left alone.
"""

from __future__ import annotations

import frappe


def complete_setup(
	company: str = "CRM Demo Trading Co.",
	abbr: str = "CDT",
	currency: str = "CNY",
	country: str = "China",
	timezone: str = "Asia/Shanghai",
	language: str = "en",
	fy_start: str | None = None,
	fy_end: str | None = None,
) -> str:
	from frappe.desk.page.setup_wizard.setup_wizard import setup_complete
	from frappe.utils import getdate

	if frappe.is_setup_complete():
		print(f"setup already complete: company {frappe.db.get_default('company') or '-'}")
		return "exists"
	year = getdate().year
	frappe.conf.trigger_site_setup_in_background = False  # run the stages here, not in a worker
	result = setup_complete(
		{
			"currency": currency,
			"full_name": "Administrator",
			"company_name": company,
			"company_abbr": abbr,
			"timezone": timezone,
			"industry": "Distribution",
			"country": country,
			"fy_start_date": fy_start or f"{year}-01-01",
			"fy_end_date": fy_end or f"{year}-12-31",
			"language": "English",
			"company_tagline": company,
			"email": "",
			"chart_of_accounts": "Standard",
		}
	)
	if isinstance(result, dict) and result.get("status") not in (None, "ok"):
		raise RuntimeError(f"ERPNext setup failed: {result}")
	if language and language != "en":
		frappe.db.set_single_value("System Settings", "language", language)
	frappe.db.commit()
	print(f"setup complete: company {company} ({currency}, {country}, {timezone})")
	return "done"
