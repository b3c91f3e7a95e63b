"""The Customer 360 header of a profile (crm_profiles.profiles.header.get_profile_header).

Figures are checked against SQL over real submitted Sales Orders; permissions through REST as
restricted users; the timeline's filter chips against the rows each one should show.
"""

from __future__ import annotations

import json
import re

import frappe
import pytest
from frappe.utils import add_days, add_months, getdate, nowdate
from support.factories import make_customer, make_interaction, make_territory, make_user, unique
from support.metrics import record
from support.rest import api_token, call
from support.sales import ensure_item, make_order

from crm_profiles.analytics import figures
from crm_profiles.interactions.engagement import refresh_engagement
from crm_profiles.interactions.timeline import get_timeline
from crm_profiles.profiles.header import get_profile_header

PROFILE = "Customer Profile"
HEADER = "/api/method/crm_profiles.profiles.header.get_profile_header"
SQL_LEAK = re.compile(r"SQL syntax|pymysql|OperationalError|ProgrammingError|`tab", re.IGNORECASE)


def _orders(customer: str, today) -> dict:
	"""Dates in this window, the window before and earlier, and a draft and a cancelled order."""
	item = ensure_item()
	config = figures.load_config()
	months = config.window_months
	dated = [
		(add_days(today, -10), 100),
		(add_days(today, -40), 250),
		(add_months(today, -months + 1), 40),
		(add_months(today, -months - 1), 500),  # the window before
		(add_months(today, -months - 3), 70),
		(add_months(today, -3 * months), 900),  # before both windows
	]
	orders = [make_order(customer, day, rate, item=item) for day, rate in dated]
	make_order(customer, add_days(today, -5), 999, item=item, submit=False)  # draft: not counted
	make_order(customer, add_days(today, -6), 888, item=item).cancel()  # cancelled: not counted
	return {"orders": orders, "config": config}


def _truth(customer: str, config: figures.Config, today) -> dict:
	"""The figures straight from SQL, independent of the app's aggregate."""
	value = config.value_field  # one of two fixed column names
	start = getdate(add_months(today, -config.window_months))
	before = getdate(add_months(start, -config.window_months))
	row = frappe.db.sql(
		f"""select count(*) as n, sum({value}) as ltv, max(transaction_date) as last,
			sum(transaction_date > %(start)s) as wn, sum(if(transaction_date > %(start)s, {value}, 0)) as wv,
			sum(transaction_date > %(before)s and transaction_date <= %(start)s) as pn,
			sum(if(transaction_date > %(before)s and transaction_date <= %(start)s, {value}, 0)) as pv
		from `tabSales Order` where customer = %(customer)s and docstatus = 1""",
		{"customer": customer, "start": start, "before": before},
		as_dict=True,
	)[0]
	return row


def test_header_figures_equal_the_orders_in_sql():
	today = getdate(nowdate())
	customer = make_customer(unique("_CRM Header Co")).name
	made = _orders(customer, today)
	truth = _truth(customer, made["config"], today)
	assert truth.n == 6  # the draft and the cancelled order are not orders

	header = get_profile_header(customer)
	worth = header["worth"]
	assert worth["live"] is True and worth["restricted"] == ""
	assert worth["order_count"] == truth.n
	assert worth["lifetime_value"] == pytest.approx(float(truth.ltv))
	assert worth["average_order_value"] == pytest.approx(float(truth.ltv) / truth.n)
	assert worth["window_value"] == pytest.approx(float(truth.wv))
	assert worth["window_order_count"] == truth.wn == 3
	assert worth["last_order_date"] == str(truth.last)
	assert worth["last_order"] == made["orders"][0].name
	assert worth["currency"]
	trends = worth["trends"]
	assert trends["order_count"]["current"] == 3 and trends["order_count"]["previous"] == truth.pn == 2
	assert trends["window_value"]["current"] == pytest.approx(float(truth.wv))
	assert trends["window_value"]["previous"] == pytest.approx(float(truth.pv))
	assert trends["window_value"]["direction"] == ("up" if truth.wv > truth.pv else "down")
	expected = round((float(truth.wv) - float(truth.pv)) / float(truth.pv) * 100)
	assert trends["window_value"]["percent"] == expected
	assert trends["average_order_value"]["current"] == pytest.approx(float(truth.wv) / 3)
	assert trends["average_order_value"]["previous"] == pytest.approx(float(truth.pv) / 2)
	assert header["server_ms"] >= 0


def test_header_answers_who_when_and_how_happy():
	customer = make_customer(unique("_CRM Header Who")).name
	owner = make_user("crm.header.owner@crm-profiles.test", ["CRM User"])
	profile = frappe.get_doc(PROFILE, customer)
	profile.update(
		{
			"account_owner": owner,
			"contact_person_name": "Li Wei",
			"mobile_no": "+86 138 0000 1234",
			"email_id": "li.wei@example.com",
			"wechat_id": "liwei_buyer",
		}
	)
	profile.save()
	make_interaction(customer, rating=4, nps="6", interaction_date=add_days(nowdate(), -3))
	make_interaction(customer, rating=5, nps="9", interaction_type="Visit")
	make_interaction(customer, interaction_type="Complaint", subject="Late delivery")
	refresh_engagement([customer])
	stored = frappe.db.get_value(
		PROFILE, customer, ["last_interaction_on", "open_complaints", "next_follow_up_date"], as_dict=True
	)

	header = get_profile_header(customer)
	who, when, happy = header["who"], header["when"], header["happy"]
	assert who["customer_name"] == frappe.db.get_value("Customer", customer, "customer_name")
	assert who["stage"] == profile.lifecycle_stage and who["stage_label"]
	assert who["account_owner"] == owner and who["account_owner_name"]
	saved = frappe.db.get_value(PROFILE, customer, ["contact_person_name", "mobile_no"], as_dict=True)
	assert saved.mobile_no.replace(" ", "") == "+8613800001234"  # stored as validated
	assert who["contact"] == {
		"name": None,
		"person": saved.contact_person_name,
		"phone": saved.mobile_no,
		"email": "li.wei@example.com",
		"wechat": "liwei_buyer",
	}
	assert when["last_interaction_on"] == str(stored.last_interaction_on)
	assert when["interaction_count"] == 3
	assert when["open_complaints"] == stored.open_complaints
	# CSAT is the mean of the ratings given (4 and 5); NPS the latest score given (9).
	assert happy == {"average_csat": 4.5, "last_nps": 9}
	assert header["worth"]["order_count"] == 0 and header["worth"]["last_order"] is None


def test_header_of_a_hundred_orders_is_one_quick_call():
	"""Measured, not asserted: the server time of the header for a profile with 100 submitted orders."""
	customer = make_customer(unique("_CRM Header Hundred")).name
	item = ensure_item()
	today = getdate(nowdate())
	for i in range(100):
		make_order(customer, add_days(today, -7 * i), 10 + i, item=item)
	get_profile_header(customer)  # warm the caches a desk session would have
	times = sorted(get_profile_header(customer)["server_ms"] for _ in range(5))
	header = get_profile_header(customer)
	assert header["worth"]["order_count"] == 100
	record(f"profile header, 100 orders: median {times[2]:.1f} ms, max {times[-1]:.1f} ms server time")


@pytest.mark.parametrize(
	("show", "kinds"),
	[
		("orders", {"Sales Order"}),
		("interactions", {"Interaction"}),
		("complaints", {"Interaction"}),
		("changes", {"Customer Profile Change"}),  # the first order made the profile New
		("all", {"Interaction", "Sales Order", "Customer Profile Change"}),
	],
)
def test_timeline_chips_show_their_kinds(show, kinds):
	customer = make_customer(unique("_CRM Header Chips")).name
	make_order(customer, add_days(nowdate(), -20), 30, item=ensure_item())
	make_interaction(customer, subject="Asked for a quote")
	complaint = make_interaction(customer, interaction_type="Complaint", subject="Broken seal")
	items = get_timeline(customer, show=show)["items"]
	assert {i["kind"] for i in items} == kinds
	if show == "complaints":
		assert [i["name"] for i in items] == [complaint.name]
	orders = [i for i in items if i["kind"] == "Sales Order"]
	for order in orders:  # orders have a date only, an amount and its currency, for grouping runs
		assert order["timed"] is False and order["amount"] == 30 and order["currency"]
	assert all(i["timed"] for i in items if i["kind"] == "Interaction")


class Committed:
	"""Records the REST calls can see (committed), removed again afterwards."""

	def __init__(self):
		self.customers: list[str] = []
		self.territories: list[str] = []

	def undo(self) -> None:
		frappe.db.rollback()
		frappe.set_user("Administrator")
		for name in self.customers:
			for so in frappe.get_all("Sales Order", filters={"customer": name}, pluck="name"):
				doc = frappe.get_doc("Sales Order", so)
				if doc.docstatus == 1:
					doc.cancel()
				frappe.delete_doc("Sales Order", so, force=True, ignore_permissions=True)
			frappe.db.delete("Customer Interaction", {"customer": name})
			frappe.delete_doc("Customer", name, force=True, ignore_permissions=True)
		for name in self.territories:
			frappe.delete_doc("Territory", name, force=True, ignore_permissions=True)
		frappe.db.commit()


@pytest.fixture
def world():
	made = Committed()
	try:
		north, south = make_territory(), make_territory()
		made.territories += [north, south]
		mine = make_customer(unique("_CRM HeaderRest Mine"), territory=north).name
		theirs = make_customer(unique("_CRM HeaderRest Theirs"), territory=south).name
		made.customers += [mine, theirs]
		orders = [make_order(mine, add_days(nowdate(), -d), 120, item=ensure_item()).name for d in (3, 30)]
		for order in orders:  # booked in the customer's territory, as the desk does
			frappe.db.set_value("Sales Order", order, "territory", north)
		crm_user = make_user("crm.header.crmuser@crm-profiles.test", ["CRM User"])
		bound = make_user("crm.header.bound@crm-profiles.test", ["Sales User"], territory=north)
		manager = make_user("crm.header.manager@crm-profiles.test", ["Sales Manager"])
		# The CRM User owns the profile, so they may read it whatever the owner-only setting says.
		frappe.db.set_value(PROFILE, mine, "account_owner", crm_user)
		frappe.db.commit()
		yield {
			"mine": mine,
			"theirs": theirs,
			"south": south,
			"orders": orders,
			"tokens": {
				"crm_user": api_token(crm_user),
				"bound": api_token(bound),
				"manager": api_token(manager),
			},
		}
	finally:
		made.undo()


def _header(token: str, name) -> tuple[int, dict, str]:
	response = call("GET", HEADER, token, params={"name": name})
	body = response.json or {}
	return response.status_code, body.get("message") or {}, response.text


def test_a_user_without_order_read_gets_no_order_detail(world):
	assert not frappe.has_permission("Sales Order", "read", user="crm.header.crmuser@crm-profiles.test")
	status, header, text = _header(world["tokens"]["crm_user"], world["mine"])
	assert status == 200, text[:300]
	worth = header["worth"]
	assert worth["live"] is False and worth["restricted"]  # says why
	assert worth["last_order"] is None and worth["trends"] == {}
	# The stored figures of the profile stand, and no order's name reaches this user.
	stored = frappe.db.get_value(PROFILE, world["mine"], ["order_count", "lifetime_value"], as_dict=True)
	assert worth["order_count"] == stored.order_count == 2
	assert worth["lifetime_value"] == pytest.approx(float(stored.lifetime_value))
	assert not any(order in text for order in world["orders"])


def test_territory_bound_sales_user_reads_only_their_territory(world):
	status, header, text = _header(world["tokens"]["bound"], world["mine"])
	assert status == 200, text[:300]
	assert header["worth"]["live"] is True, header["worth"]["restricted"]
	assert header["worth"]["last_order"] == world["orders"][0]
	# One order booked in another territory: the figures stay the stored ones, without order detail.
	frappe.db.set_value("Sales Order", world["orders"][1], "territory", world["south"])
	frappe.db.commit()
	status, header, text = _header(world["tokens"]["bound"], world["mine"])
	assert status == 200 and header["worth"]["live"] is False, text[:300]
	assert header["worth"]["restricted"] and header["worth"]["last_order"] is None
	assert not any(order in text for order in world["orders"])
	status, header, text = _header(world["tokens"]["bound"], world["theirs"])
	assert status == 403, (status, text[:300])
	assert world["theirs"] not in json.dumps(header)


@pytest.mark.parametrize("name", [["a", "b"], {"name": "x"}, "x" * 141], ids=["list", "object", "too-long"])
def test_bad_name_arguments_are_a_4xx_naming_the_argument(world, name):
	response = call("POST", HEADER, world["tokens"]["manager"], json={"name": name})
	assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
	messages = " ".join(
		json.loads(m)["message"] for m in json.loads(response.json.get("_server_messages", "[]"))
	)
	assert "name" in messages.lower(), messages
	assert not SQL_LEAK.search(response.text), response.text[:300]


def test_bad_timeline_filter_is_a_4xx(world):
	response = call(
		"GET",
		"/api/method/crm_profiles.interactions.timeline.get_timeline",
		world["tokens"]["manager"],
		params={"customer": world["mine"], "show": "everything"},
	)
	assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
	assert not SQL_LEAK.search(response.text), response.text[:300]
