"""The import benchmark's alternation: each side runs in turn ABBA BAAB, and its rate is its rows over
the sum of its runs' seconds."""

from __future__ import annotations

from crm_profiles.benchmark.imports import ALTERNATION, PARTS, alternating


def test_the_sides_run_abba_baab_and_each_rate_is_its_rows_over_its_seconds():
	calls, lines = [], []
	seconds = {"a": iter([1.0, 2.0, 3.0, 4.0]), "b": iter([0.5, 0.5, 1.0, 2.0])}

	def side(name):
		def run(i: int, rows: int) -> float:
			calls.append((name, i, rows))
			return next(seconds[name])

		return run

	a_rate, b_rate = alternating(100, {"a": side("a"), "b": side("b")}, "part", lines.append)

	assert PARTS == 4
	assert [name for name, _i, _rows in calls] == ["a", "b", "b", "a", "b", "a", "a", "b"]
	assert [i for _name, i, _rows in calls] == list(range(len(ALTERNATION)))
	assert {rows for _name, _i, rows in calls} == {25}
	assert a_rate == 100 / (1.0 + 2.0 + 3.0 + 4.0)
	assert b_rate == 100 / (0.5 + 0.5 + 1.0 + 2.0)
	assert lines[0] == "part 1/8 (a): 25.0 rows/s"
	assert lines[1] == "part 2/8 (b): 50.0 rows/s"
