"""Backup and restore round trip on real sites: ``bench backup --with-files`` of the test site, restored
into a second site, brings back every profile, interaction, consent with its evidence file, tier
history, the encrypted Personal ID and the app's indexes on ERPNext tables; then the same with an
encrypted backup (``backup_encryption_key``).

Slow (a new site, two backups and two restores: minutes): run with ``-m slow``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import frappe
import pymysql
import pytest
from support.bench import BENCH, SITE
from support.factories import make_customer, make_interaction, unique
from support.metrics import record

from crm_profiles.analytics.indexes import INDEXES

pytestmark = pytest.mark.slow

TARGET = SITE.split(".")[0] + "-rt.localhost"
ROOT_PASSWORD = "root"
PROFILE = "Customer Profile"


def bench(*args: str, site: str | None = SITE, timeout: int = 1200) -> str:
	command = [sys.executable, "-m", "frappe.utils.bench_helper", "frappe"]
	if site:
		command += ["--site", site]
	result = subprocess.run(
		[*command, *args], cwd=Path(BENCH) / "sites", capture_output=True, text=True, timeout=timeout
	)
	assert result.returncode == 0, (args, result.stdout[-2000:], result.stderr[-2000:])
	return result.stdout


def site_config(site: str) -> dict:
	return json.loads((Path(BENCH) / "sites" / site / "site_config.json").read_text())


def query(site: str, sql: str, params=()) -> list[tuple]:
	conf = site_config(site)
	connection = pymysql.connect(
		host=conf.get("db_host", "127.0.0.1"),
		user=conf["db_name"] if not conf.get("db_user") else conf["db_user"],
		password=conf["db_password"],
		database=conf["db_name"],
	)
	try:
		with connection.cursor() as cursor:
			cursor.execute(sql, params)
			return list(cursor.fetchall())
	finally:
		connection.close()


@pytest.fixture(scope="module")
def world(site):
	"""Committed records of every kind the app keeps, removed afterwards from the test site."""
	customer = make_customer(unique("_CRM Backup")).name
	interaction = make_interaction(customer).name
	profile = frappe.get_doc(PROFILE, customer)
	profile.personal_id = "BACKUP-ID-2026"
	profile.save()
	consent = frappe.get_doc(
		{
			"doctype": "Customer Consent",
			"customer": customer,
			"purpose": "Profiling",
			"status": "Granted",
			"source": "Paper Form",
		}
	).insert()
	content = f"signed consent form of {customer}".encode()
	evidence = frappe.get_doc(
		{
			"doctype": "File",
			"file_name": f"consent-{frappe.generate_hash(length=8)}.txt",
			"is_private": 1,
			"content": content,
			"attached_to_doctype": "Customer Consent",
			"attached_to_name": consent.name,
		}
	).insert(ignore_permissions=True)
	consent.db_set("evidence_file", evidence.file_url)
	from crm_profiles.analytics.figures import log_changes

	log_changes([(customer, "Tier", "", "Gold")], reason="Manual")
	frappe.db.commit()
	try:
		yield {
			"customer": customer,
			"interaction": interaction,
			"consent": consent.name,
			"evidence": evidence.file_url,
			"content": content,
		}
	finally:
		frappe.db.rollback()
		frappe.db.delete("Customer Profile Change", {"customer_profile": customer})
		frappe.db.delete("Customer Interaction", {"customer": customer})
		frappe.delete_doc("File", evidence.name, force=True, ignore_permissions=True)
		frappe.db.delete("Customer Consent", {"customer": customer})
		frappe.delete_doc("Customer", customer, force=True, ignore_permissions=True)
		frappe.db.commit()


def _backup(folder: str) -> dict[str, str]:
	bench("backup", "--with-files", "--backup-path", folder)
	files = {}
	for path in Path(folder).iterdir():
		name = path.name
		kind = (
			"private"
			if "private-files" in name
			else "public"
			if "-files" in name
			else "database"
			if "-database" in name
			else "config"
		)
		files[kind] = str(path)
	assert {"database", "public", "private", "config"} <= set(files), files
	return files


def _restore(files: dict[str, str], encryption_key: str | None = None) -> None:
	if not (Path(BENCH) / "sites" / TARGET).exists():
		bench("new-site", TARGET, "--db-root-password", ROOT_PASSWORD, "--admin-password", "admin", site=None)
	args = [
		"restore",
		files["database"],
		"--with-public-files",
		files["public"],
		"--with-private-files",
		files["private"],
		"--db-root-password",
		ROOT_PASSWORD,
		"--admin-password",
		"admin",
		"--force",
	]
	if encryption_key:
		args += ["--encryption-key", encryption_key]
	bench(*args, site=TARGET)
	# What the app adds to ERPNext's procedure: the source site's encryption_key, or the restored
	# Personal IDs cannot be decrypted (README, "Backup and restore").
	source_config = json.loads(Path(files["config"]).read_text())
	bench("set-config", "encryption_key", source_config["encryption_key"], site=TARGET)


def _check_restored(world: dict) -> None:
	customer = world["customer"]
	for table, column, value in (
		("tabCustomer Profile", "name", customer),
		("tabCustomer Interaction", "name", world["interaction"]),
		("tabCustomer Consent", "name", world["consent"]),
		("tabCustomer Profile Change", "customer_profile", customer),
	):
		assert query(TARGET, f"select count(*) from `{table}` where `{column}` = %s", (value,))[0][0] >= 1, (
			table
		)
	for table in ("tabCustomer Profile", "tabCustomer Interaction", "tabCustomer Consent"):
		assert query(TARGET, f"select count(*) from `{table}`") == query(
			SITE, f"select count(*) from `{table}`"
		)
	evidence = query(
		TARGET, "select evidence_file from `tabCustomer Consent` where name = %s", (world["consent"],)
	)
	assert evidence[0][0] == world["evidence"]
	restored_file = Path(BENCH) / "sites" / TARGET / world["evidence"].lstrip("/")
	assert restored_file.read_bytes() == world["content"]
	for doctype, (index, _columns) in INDEXES.items():
		assert query(
			TARGET,
			"select count(*) from information_schema.statistics where table_schema = database() "
			"and table_name = %s and index_name = %s",
			(f"tab{doctype}", index),
		)[0][0], (doctype, index)
	column = query(TARGET, "select personal_id from `tabCustomer Profile` where name = %s", (customer,))[0][0]
	assert set(column) == {"*"}
	out = bench(
		"execute",
		"frappe.utils.password.get_decrypted_password",
		"--kwargs",
		json.dumps({"doctype": PROFILE, "name": customer, "fieldname": "personal_id"}),
		site=TARGET,
	)
	assert "BACKUP-ID-2026" in out


def test_backup_and_restore_round_trip(world):
	started = time.perf_counter()
	with tempfile.TemporaryDirectory(prefix="crm-backup-") as folder:
		_restore(_backup(folder))
		_check_restored(world)
	plain = time.perf_counter() - started

	frappe.db.set_single_value("System Settings", "encrypt_backup", 1)
	frappe.db.commit()
	try:
		started = time.perf_counter()
		with tempfile.TemporaryDirectory(prefix="crm-backup-enc-") as folder:
			files = _backup(folder)
			assert all("-enc" in Path(p).name for p in files.values()), files
			assert Path(files["database"]).read_bytes()[:2] != b"\x1f\x8b"  # gpg, no longer plain gzip
			key = site_config(SITE)["backup_encryption_key"]
			_restore(files, encryption_key=key)
			_check_restored(world)
		encrypted = time.perf_counter() - started
	finally:
		frappe.db.set_single_value("System Settings", "encrypt_backup", 0)
		frappe.db.commit()
	record(f"backup/restore round trip: plain {plain:.0f} s, encrypted {encrypted:.0f} s (into {TARGET})")
