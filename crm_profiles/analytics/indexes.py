"""A covering index on ERPNext's order tables, so the grouped pass reads the index and not the rows."""

from __future__ import annotations

import frappe

INDEXES = {
	"Sales Order": (
		"crm_profiles_customer_figures",
		("customer", "docstatus", "transaction_date", "base_net_total", "base_grand_total", "company"),
	),
	"Sales Invoice": (
		"crm_profiles_customer_figures",
		(
			"customer",
			"docstatus",
			"posting_date",
			"is_return",
			"base_net_total",
			"base_grand_total",
			"company",
		),
	),
}


def has_index(doctype: str, name: str) -> bool:
	return bool(
		frappe.db.sql(
			"select 1 from information_schema.statistics where table_schema = database() and table_name = %s and index_name = %s limit 1",
			(f"tab{doctype}", name),
		)
	)


def ensure_indexes() -> None:
	"""after_migrate: add the covering indexes when missing (idempotent)."""
	for doctype, (name, columns) in INDEXES.items():
		if not has_index(doctype, name):
			frappe.db.commit()
			frappe.db.sql_ddl(
				f"alter table `tab{doctype}` add index `{name}` ({', '.join(f'`{c}`' for c in columns)})"
			)


def drop_indexes() -> None:
	"""before_uninstall: leave ERPNext's tables as they were."""
	for doctype, (name, _columns) in INDEXES.items():
		if has_index(doctype, name):
			frappe.db.commit()
			frappe.db.sql_ddl(f"alter table `tab{doctype}` drop index `{name}`")
