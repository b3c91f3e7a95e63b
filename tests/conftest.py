"""Shared pytest setup. Integration fixtures live in tests/integration/conftest.py."""

import os

from support.bench import BENCH, SITE, SITES, skip_reason

if not skip_reason():
	# Work from the bench's sites folder from collection on, as bench does: Frappe resolves ../logs from
	# there, and Frappe 16 opens a log file when some modules are imported (frappe.utils.pdf).
	os.chdir(SITES)


def pytest_report_header(config):
	reason = skip_reason()
	if reason:
		return [f"crm_profiles: integration tests will be skipped: {reason}"]
	return [f"crm_profiles: integration tests run on site {SITE} in bench {BENCH}"]


def pytest_terminal_summary(terminalreporter):
	from support.metrics import MEASURED

	if MEASURED:
		terminalreporter.section("crm_profiles measurements")
		for line in MEASURED:
			terminalreporter.write_line(line)
