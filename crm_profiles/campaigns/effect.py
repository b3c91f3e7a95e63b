"""Did the campaign work? Orders of the contacted and control groups in the N days after sending.

The window is N calendar days starting on the day of sending: sent_on <= transaction_date <
sent_on + N. A member converted when they have at least one submitted Sales Order in it. Values are in
company currency (base_net_total). Uplift is the contacted conversion rate minus the control's, with
Newcombe's 95 % interval (crm_profiles.campaigns.stats).
"""

from __future__ import annotations

from dataclasses import dataclass

import frappe
from frappe.utils import add_days, flt, getdate

from crm_profiles.campaigns.audience import CONTACTED, CONTROL
from crm_profiles.campaigns.stats import Difference, newcombe_difference


@dataclass
class Arm:
	arm: str
	members: int = 0
	converted: int = 0
	orders: int = 0
	order_value: float = 0.0

	@property
	def conversion_rate(self) -> float:
		return self.converted / self.members if self.members else 0.0

	@property
	def value_per_member(self) -> float:
		return self.order_value / self.members if self.members else 0.0


def measure(campaign: str, sent_on, days: int) -> tuple[dict[str, Arm], Difference | None]:
	start = getdate(sent_on)
	rows = frappe.db.sql(
		"""select m.arm, count(*) as members, count(o.customer) as converted,
			coalesce(sum(o.orders), 0) as orders, coalesce(sum(o.value), 0) as order_value
		from `tabCustomer Campaign Member` m
		left join (
			select so.customer, count(*) as orders, sum(so.base_net_total) as value
			from `tabSales Order` so
			where so.docstatus = 1 and so.transaction_date >= %(start)s and so.transaction_date < %(end)s
				and so.customer in (
					select customer from `tabCustomer Campaign Member` where customer_campaign = %(campaign)s)
			group by so.customer
		) o on o.customer = m.customer
		where m.customer_campaign = %(campaign)s
		group by m.arm""",
		{"campaign": campaign, "start": start, "end": add_days(start, days)},
		as_dict=True,
	)
	arms = {CONTACTED: Arm(CONTACTED), CONTROL: Arm(CONTROL)}
	for row in rows:
		arms[row.arm] = Arm(row.arm, row.members, row.converted, int(row.orders), flt(row.order_value))
	a, b = arms[CONTACTED], arms[CONTROL]
	return arms, newcombe_difference(a.converted, a.members, b.converted, b.members)
