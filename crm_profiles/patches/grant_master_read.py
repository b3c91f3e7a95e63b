"""Sites installed before the CRM roles had read on Customer, Territory, Customer Group and related masters."""

from crm_profiles.setup.role_permissions import grant_master_read


def execute():
	grant_master_read()
