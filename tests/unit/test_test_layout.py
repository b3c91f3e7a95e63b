"""The test folders have no __init__.py, so pytest imports every test module by its file name alone:
two files with one name in different folders break the collection of the whole suite."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def test_every_test_module_has_a_name_of_its_own():
	names = Counter(p.name for p in TESTS.rglob("test_*.py"))
	assert not [name for name, count in names.items() if count > 1]
	assert names["test_test_layout.py"] == 1  # the walk did find the tests
