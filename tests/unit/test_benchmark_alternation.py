"""The import benchmark's alternation: the sides run in turn in blocks of ABBA BAAB, each run about
PART_ROWS rows, and a side's rate is its rows over the sum of its runs' seconds."""

from __future__ import annotations

import pytest

from crm_profiles.benchmark.imports import ALTERNATION, PART_ROWS, PARTS, alternating, runs


def _sides(seconds: dict[str, list[float]], calls: list):
	def side(name):
		left = iter(seconds[name])

		def run(i: int, rows: int) -> float:
			calls.append((name, i, rows))
			return next(left)

		return run

	return {name: side(name) for name in seconds}


def test_one_block_runs_abba_baab_and_each_rate_is_its_rows_over_its_seconds():
	calls, lines = [], []
	sides = _sides({"a": [1.0, 2.0, 3.0, 4.0], "b": [0.5, 0.5, 1.0, 2.0]}, calls)

	a_rate, b_rate = alternating(100, sides, "part", lines.append)

	assert PARTS == 4
	assert [name for name, _i, _rows in calls] == ["a", "b", "b", "a", "b", "a", "a", "b"]
	assert [i for _name, i, _rows in calls] == list(range(len(ALTERNATION)))
	assert {rows for _name, _i, rows in calls} == {25}
	assert a_rate == 100 / (1.0 + 2.0 + 3.0 + 4.0)
	assert b_rate == 100 / (0.5 + 0.5 + 1.0 + 2.0)
	assert lines[0] == "part 1/8 (a): 25.0 rows/s"
	assert lines[1] == "part 2/8 (b): 50.0 rows/s"


@pytest.mark.parametrize(
	"n, blocks, rows",
	[(40, 1, 10), (1000, 1, 250), (2000, 2, 250), (10_000, 10, 250), (2600, 3, 216), (1, 1, 1)],
)
def test_the_blocks_repeat_so_that_each_run_is_about_part_rows(n, blocks, rows):
	assert runs(n) == (blocks, rows)
	if n >= PARTS * PART_ROWS:
		assert abs(rows - PART_ROWS) <= PART_ROWS / 2


def test_repeated_blocks_alternate_throughout_and_count_every_run():
	calls = []
	a_seconds = [1.0] * 8
	b_seconds = [2.0] * 7 + [10.0]
	a_rate, b_rate = alternating(2000, _sides({"a": a_seconds, "b": b_seconds}, calls), "part", [].append)

	assert [name for name, _i, _rows in calls] == ["a", "b", "b", "a", "b", "a", "a", "b"] * 2
	assert {rows for _name, _i, rows in calls} == {250}
	assert a_rate == 2000 / 8.0
	assert b_rate == 2000 / (2.0 * 7 + 10.0)
