"""The heavy reads go to a MariaDB read replica, the writes stay on the primary.

Runs when the test site reads from a replica (``read_from_replica`` in its site_config.json), which
``scripts/replica SITE`` sets up on this machine (a second mariadbd replicating the site's database);
``scripts/replica SITE --remove`` undoes it. Without one the tests say so in one line and skip.

How it tells the two apart: a committed profile is replicated, then its stage is changed on the primary
in a session that writes no binary log, so the replica never sees that change. A read served by the
replica still shows the old stage; a read on the primary shows the new one.
"""

from __future__ import annotations

import json
import os
import time

import frappe
import pytest
from support.factories import make_customer, unique

PROFILE = "Customer Profile"


def _why_not() -> str | None:
	if not frappe.conf.read_from_replica:
		return (
			"no read replica configured for this site (scripts/replica SITE sets one up on this machine, "
			"--remove takes it away)"
		)
	return None


@pytest.fixture(autouse=True)
def replica_required(site):
	reason = _why_not()
	if reason:
		pytest.skip(reason)


def _on_replica(query: str, *values):
	"""The query through ``frappe.read_only()``, as a request's first read-only call makes it."""

	@frappe.read_only()
	def read():
		return frappe.db.sql(query, values)

	try:
		return read()
	finally:
		# Frappe keeps the replica's (closed) handle for the rest of the request and would not switch
		# again: forget it, as the end of a request does.
		for attr in ("replica_db", "primary_db"):
			if hasattr(frappe.local, attr):
				delattr(frappe.local, attr)


def _root_on_primary():
	"""A root session on the primary, for a change the binary log does not carry to the replica."""
	import pymysql

	return pymysql.connect(
		host=frappe.conf.db_host or "127.0.0.1",
		port=int(frappe.conf.db_port or 3306),
		user="root",
		password=os.environ.get("CRM_PROFILES_DB_ROOT_PASSWORD") or frappe.conf.root_password or "root",
		database=frappe.conf.db_name,
		autocommit=True,
	)


def _wait_for_replica(name: str, field: str, value: str, seconds: int = 60) -> None:
	"""Until the replica's copy of the profile has ``field`` = ``value`` (replication is asynchronous)."""
	deadline = time.monotonic() + seconds
	query = f"select `{field}` from `tab{PROFILE}` where name = %s"
	while time.monotonic() < deadline:
		rows = _on_replica(query, name)
		if rows and rows[0][0] == value:
			return
		time.sleep(0.5)
	raise AssertionError(f"the replica did not receive {name} ({field} = {value}) within {seconds} s")


@pytest.fixture
def diverged(made):
	"""A profile that is Active on the replica and Churned on the primary only."""
	name = made.add("Customer", make_customer(unique("_CRM Replica")).name)
	frappe.db.set_value(
		PROFILE, name, {"lifecycle_stage": "Active", "rfm_segment": "Champions", "order_count": 3}
	)
	frappe.db.commit()
	_wait_for_replica(name, "lifecycle_stage", "Active")
	root = _root_on_primary()
	try:
		with root.cursor() as cursor:
			cursor.execute("set session sql_log_bin = 0")
			cursor.execute(
				f"""update `tab{PROFILE}` set lifecycle_stage = 'Churned', rfm_segment = 'Hibernating',
				days_since_last_order = 999 where name = %s""",
				(name,),
			)
		yield name
	finally:
		with root.cursor() as cursor:  # the primary as the replica has it again, before the row goes
			cursor.execute("set session sql_log_bin = 0")
			cursor.execute(
				f"""update `tab{PROFILE}` set lifecycle_stage = 'Active', rfm_segment = 'Champions',
				days_since_last_order = 0 where name = %s""",
				(name,),
			)
		root.close()


def test_read_only_functions_are_served_by_the_replica():
	port, read_only = _on_replica("select @@port, @@read_only")[0]
	assert int(port) == int(frappe.conf.replica_db_port or 3306)
	assert read_only == 1, "the replica refuses writes from the site's user"
	primary_port = frappe.db.sql("select @@port")[0][0]
	assert int(primary_port) != int(port), "the primary and the replica are two servers"


def test_heavy_reads_come_from_the_replica_and_writes_stay_on_the_primary(diverged):
	"""Through REST, as the desk asks: each request switches to the replica for its read-only calls."""
	from support.factories import make_user
	from support.rest import api_token, call

	name = diverged
	user = make_user("crm.replica@crm-profiles.test", ["CRM Manager", "Sales Manager"])
	token = api_token(user)
	frappe.db.rollback()  # read what the root session committed
	assert frappe.db.get_value(PROFILE, name, "lifecycle_stage") == "Churned", "the primary has the change"

	def get(method: str, **params):
		response = call("GET", f"/api/method/{method}", token, params=params)
		assert response.status_code == 200, response.get_data(as_text=True)[:500]
		return response.json["message"]

	# the at-risk API, the RFM API and a segment's live preview read the replica
	assert name not in {row["name"] for row in get("crm_profiles.analytics.api.get_at_risk_customers")}
	segments = {
		row["rfm_segment"]: row["customers"] for row in get("crm_profiles.analytics.api.get_rfm_segments")
	}
	primary_segments = dict(
		frappe.db.sql(f"select rfm_segment, count(*) from `tab{PROFILE}` group by rfm_segment")
	)
	assert segments.get("Champions") == primary_segments.get("Champions", 0) + 1, segments
	filters = json.dumps([[PROFILE, "name", "=", name], [PROFILE, "lifecycle_stage", "=", "Churned"]])
	preview = get("crm_profiles.segments.api.get_members_preview", filters_json=filters, rules="[]")
	assert preview["count"] == 0, preview
	# so do the query reports (Frappe's report runner is read-only)
	report = get(
		"frappe.desk.query_report.run",
		report_name="At-Risk Customers",
		filters=json.dumps({"include_churned": 1}),
	)
	assert name not in {row.get("name") for row in report["result"] if isinstance(row, dict)}

	# the same questions on the primary see the change
	assert frappe.db.get_all(PROFILE, filters={"name": name, "lifecycle_stage": "Churned"}, pluck="name") == [
		name
	]

	# a write made after the reads lands on the primary and reaches the replica through replication
	frappe.db.set_value(PROFILE, name, "wechat_id", "replica_check")
	frappe.db.commit()
	assert frappe.db.get_value(PROFILE, name, "wechat_id") == "replica_check"
	_wait_for_replica(name, "wechat_id", "replica_check")
