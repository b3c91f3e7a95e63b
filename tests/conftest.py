"""Shared pytest setup. Integration fixtures live in tests/integration/conftest.py."""

from support.bench import BENCH, SITE, skip_reason


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
