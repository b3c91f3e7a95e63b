"""Time Frappe's Data Import, side by side in one run:

- N Customers with the app's Customer doc_events on (profile, match keys, duplicate check,
  completeness) against the same import with them off;
- N Customer Interactions against N Events, a comparable plain doctype of Frappe's own (ToDo and Note
  do not allow Data Import; the app's Event capture hook is off for them).

Each import is the desk's: a CSV File, a Data Import document and ``start_import`` (what the background
job runs), one commit per row. Each side is imported in runs that alternate in blocks of ABBA BAAB
(off, on, on, off, on, off, off, on) so that the machine's drift, linear or not, hits both sides. Everything
imported is deleted at the end. Benchmark sites only: it commits.

The blocks repeat, each run about PART_ROWS rows (``runs``), so 2,000 rows a side are 16 runs in all.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from contextlib import contextmanager

import frappe
from frappe.utils import now_datetime

APP = "crm_profiles."
PREFIX = "_BenchImp"


@contextmanager
def app_hooks_off(doctype: str):
	"""The same document events without the app's handlers on ``doctype`` (every other app's stay)."""
	hooks = frappe.get_doc_hooks()
	saved = frappe.local.doc_events_hooks
	trimmed = {dt: {ev: list(h) for ev, h in events.items()} for dt, events in hooks.items()}
	trimmed[doctype] = {
		ev: [h for h in handlers if not h.startswith(APP)]
		for ev, handlers in trimmed.get(doctype, {}).items()
	}
	frappe.local.doc_events_hooks = trimmed
	try:
		yield
	finally:
		frappe.local.doc_events_hooks = saved


def _csv(header: list[str], rows: list[list]) -> str:
	out = io.StringIO()
	writer = csv.writer(out)
	writer.writerow(header)
	writer.writerows(rows)
	return out.getvalue()


def data_import(doctype: str, header: list[str], rows: list[list], tag: str) -> float:
	"""Seconds taken by Frappe's Data Import of ``rows`` (the File and Data Import are made untimed)."""
	from frappe.core.doctype.data_import.data_import import start_import

	file = frappe.get_doc(
		{
			"doctype": "File",
			"file_name": f"{PREFIX}-{tag}.csv",
			"content": _csv(header, rows),
			"is_private": 1,
		}
	).insert(ignore_permissions=True)  # Safe: benchmark site, run from the bench command line
	imp = frappe.get_doc(
		{
			"doctype": "Data Import",
			"reference_doctype": doctype,
			"import_type": "Insert New Records",
			"import_file": file.file_url,
		}
	).insert(ignore_permissions=True)  # Safe: as above
	frappe.db.commit()
	start = time.perf_counter()
	start_import(imp.name)
	elapsed = time.perf_counter() - start
	status = frappe.db.get_value("Data Import", imp.name, "status")
	if status != "Success":
		raise RuntimeError(f"Data Import {imp.name} of {doctype} ended {status}")
	return elapsed


CUSTOMER_HEADER = ["Customer Name", "Customer Type", "Customer Group", "Territory", "Tax ID"]
_WORDS = ["Lumen", "Quarry", "Tessel", "Orbit", "Saffron", "Vireo", "Kestrel", "Marrow", "Ozone", "Pylon"]


def customer_rows(tag: str, count: int) -> list[list]:
	"""Distinct new companies, each with its own tax id, so every duplicate rule has a key to look up."""
	return [
		[
			f"{PREFIX} {tag} {_WORDS[i % 10]} {_WORDS[(i // 10) % 10]} {i:06d} Trading",
			"Company",
			"All Customer Groups",
			"All Territories",
			f"BI-{tag}-{i:06d}",
		]
		for i in range(count)
	]


ALTERNATION = (0, 1, 1, 0, 1, 0, 0, 1)  # ABBA BAAB: which side each run of a block is
PARTS = ALTERNATION.count(0)  # runs per side in one block
PART_ROWS = 250  # rows per run: the blocks repeat, so that the machine's drift is sampled every few seconds


def runs(n: int) -> tuple[int, int]:
	"""(blocks of ALTERNATION, rows per run) for about n rows per side: runs of about PART_ROWS rows.

	On the 2-core machine the rate of the same import drifts by a third within a minute, and not
	linearly; one block of four long runs per side left a side's total to two or three of them."""
	blocks = max(1, round(n / (PARTS * PART_ROWS)))
	return blocks, max(n // (blocks * PARTS), 1)


def alternating(
	n: int, sides: dict[str, Callable[[int, int], float]], label: str, echo=print
) -> tuple[float, float]:
	"""(rows/s of the first side, of the second): about n rows each, in runs taken in the order of
	ALTERNATION, repeated (``runs``). A side is called with (run number, rows) and returns its import's
	seconds."""
	names = list(sides)
	blocks, part = runs(n)
	order = ALTERNATION * blocks
	seconds = [0.0, 0.0]
	for i, side in enumerate(order):
		spent = sides[names[side]](i, part)
		seconds[side] += spent
		echo(f"{label} {i + 1}/{len(order)} ({names[side]}): {part / spent:.1f} rows/s")
	rows = PARTS * blocks * part
	return rows / seconds[0], rows / seconds[1]


def customer_import(n: int, echo=print) -> tuple[float, float]:
	"""(rows/s with the app's Customer hooks on, rows/s with them off), about n customers each."""

	def on(i: int, rows: int) -> float:
		return data_import("Customer", CUSTOMER_HEADER, customer_rows(f"Con{i}", rows), f"Con{i}")

	def off(i: int, rows: int) -> float:
		with app_hooks_off("Customer"):
			return data_import("Customer", CUSTOMER_HEADER, customer_rows(f"Coff{i}", rows), f"Coff{i}")

	off_rate, on_rate = alternating(n, {"off": off, "on": on}, "customer import", echo)
	return on_rate, off_rate


INTERACTION_HEADER = [
	"Customer",
	"Type",
	"Channel",
	"Date and Time",
	"Status",
	"Subject",
]  # the fields' labels
EVENT_HEADER = ["Subject", "Event Type", "Starts on", "Status"]  # the fields' labels, exactly


def interaction_import(n: int, customers: list[str], echo=print) -> tuple[float, float]:
	"""(Customer Interaction rows/s, Event rows/s), about n of each, the runs alternating."""
	when = now_datetime().replace(microsecond=0)

	def interactions(i: int, count: int) -> float:
		rows = [
			[
				customers[(i * count + j) % len(customers)],
				"Call",
				"Phone",
				str(when),
				"Completed",
				f"{PREFIX} call {j}",
			]
			for j in range(count)
		]
		return data_import("Customer Interaction", INTERACTION_HEADER, rows, f"interaction{i}")

	def events(i: int, count: int) -> float:
		rows = [[f"{PREFIX} event {j}", "Private", str(when), "Open"] for j in range(count)]
		with app_hooks_off("Event"):
			return data_import("Event", EVENT_HEADER, rows, f"event{i}")

	event_rate, interaction_rate = alternating(
		n, {"event": events, "interaction": interactions}, "interaction/Event import", echo
	)
	return interaction_rate, event_rate


def clear() -> None:
	"""Delete everything the imports made (by the names' prefix), in bulk."""
	like = f"{PREFIX}%"
	customers = frappe.db.sql("select name from `tabCustomer` where name like %s", like, pluck=True)
	if customers:
		frappe.db.sql("delete from `tabCustomer Interaction` where customer in %s", (tuple(customers),))
		for doctype in ("Customer Profile Change", "Possible Duplicate"):
			column = "customer_profile" if doctype == "Customer Profile Change" else "profile_a"
			frappe.db.sql(f"delete from `tab{doctype}` where `{column}` in %s", (tuple(customers),))
		frappe.db.sql("delete from `tabCustomer Profile` where name in %s", (tuple(customers),))
		frappe.db.sql("delete from `tabCustomer` where name in %s", (tuple(customers),))
	frappe.db.sql("delete from `tabEvent` where subject like %s", like)
	imports = frappe.db.sql(
		"select name from `tabData Import` where import_file like %s", f"%{PREFIX}%", pluck=True
	)
	if imports:
		frappe.db.sql("delete from `tabData Import Log` where data_import in %s", (tuple(imports),))
		frappe.db.sql("delete from `tabData Import` where name in %s", (tuple(imports),))
	for file in frappe.get_all("File", filters={"file_name": ("like", like)}, pluck="name"):
		frappe.delete_doc("File", file, force=True, ignore_permissions=True)  # Safe: benchmark's own files
	frappe.db.commit()


def run(n: int, echo=print) -> list[tuple]:
	before = frappe.db.count("Customer")
	echo(f"import dataset: {before} customers, {frappe.db.count('Customer Profile')} profiles before")
	clear()
	try:
		on_rate, off_rate = customer_import(n, echo)
		customers = frappe.db.sql(
			"select name from `tabCustomer Profile` where name like %s order by name",
			f"{PREFIX}%",
			pluck=True,
		)
		interaction_rate, event_rate = interaction_import(n, customers, echo)
	finally:
		clear()
	overhead = off_rate / on_rate - 1
	ratio = interaction_rate / event_rate
	echo("")
	echo("| What | Rows/s |")
	echo("|---|---:|")
	echo(f"| (7) Data Import of {n} Customers, our Customer hooks on | {on_rate:.1f} |")
	echo(f"| (7) Data Import of {n} Customers, our Customer hooks off | {off_rate:.1f} |")
	echo(f"| (8) Data Import of {n} Customer Interactions | {interaction_rate:.1f} |")
	echo(f"| (8) Data Import of {n} Events (Frappe's own doctype, our Event hook off) | {event_rate:.1f} |")
	echo("")
	checks: list[tuple[str, float, str, bool]] = [
		("customer import overhead <= 15%", overhead, "<= 0.15", overhead <= 0.15),
		("interaction import / Event import >= 80%", ratio, ">= 0.80", ratio >= 0.80),
	]
	echo("| Target | Measured | Goal | Met |")
	echo("|---|---:|---:|---|")
	for label, value, goal, ok in checks:
		echo(f"| {label} | {value:.3f} | {goal} | {'yes' if ok else 'NO'} |")
	return [(label, value) for label, value, _goal, _ok in checks]
