"""Figures measured by integration tests, printed at the end of the pytest run."""

MEASURED: list[str] = []


def record(line: str) -> None:
	MEASURED.append(line)
