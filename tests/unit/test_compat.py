"""crm_profiles.compat gives each Frappe major the syntax it accepts, and nothing else differs."""

from __future__ import annotations

import pytest

from crm_profiles import compat


@pytest.fixture(params=[15, 16])
def major(request, monkeypatch):
	monkeypatch.setattr(compat, "V16", request.param >= 16)
	monkeypatch.setattr(compat, "DESK_PATH", "/desk" if request.param >= 16 else "/app")
	return request.param


def test_aggregate_fields(major):
	field = compat.sql_fn("count", "name", "customers")
	if major == 16:
		assert field == {"COUNT": "name", "as": "customers"}
	else:
		assert field == "count(name) as customers"


def test_extract_fields(major):
	field = compat.extract("year_month", "transaction_date", "ym")
	if major == 16:
		assert field == {"EXTRACT": ["'YEAR_MONTH'", "transaction_date"], "as": "ym"}
	else:  # Frappe 15's get_list drops fields containing " from "
		assert field == "year(transaction_date) * 100 + month(transaction_date) as ym"
		assert " from " not in compat.extract("DAY", "transaction_date", "dd")


def test_only_known_functions_and_plain_units_pass():
	with pytest.raises(ValueError):
		compat.sql_fn("sleep", "1", "x")
	with pytest.raises(ValueError):
		compat.extract("DAY) or (1", "transaction_date", "x")


def test_desk_url(major):
	prefix = "/desk" if major == 16 else "/app"
	assert compat.desk_url() == prefix
	assert compat.desk_url("/customer-profile/CUST-1") == f"{prefix}/customer-profile/CUST-1"


def test_lead_source_names_agree():
	assert compat.LINK_OPTIONS[("Customer Profile", "source")] == compat.LEAD_SOURCE_DOCTYPE
	assert (compat.LEAD_SOURCE_DOCTYPE, compat.LEAD_SOURCE_FIELD) in {
		("Lead Source", "source"),
		("UTM Source", "utm_source"),
	}
