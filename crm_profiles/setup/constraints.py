"""Uniqueness the database enforces, not only the code: one interaction per captured source document, and
one Possible Duplicate per pair of profiles (stored with ``profile_a < profile_b``).

Added at install and on every migrate (idempotent). Rows that an older version let through are settled
first: the extra copies of a captured interaction keep their content but let go of the source link, and
the later copies of a pair are removed.
"""

from __future__ import annotations

import frappe

UNIQUE = {
	"Customer Interaction": ("crm_profiles_unique_source", ("reference_doctype", "reference_name")),
	"Possible Duplicate": ("crm_profiles_unique_pair", ("profile_a", "profile_b")),
}


def has_constraint(doctype: str, name: str) -> bool:
	return bool(
		frappe.db.sql(
			"""select 1 from information_schema.statistics where table_schema = database()
			and table_name = %s and index_name = %s and non_unique = 0 limit 1""",
			(f"tab{doctype}", name),
		)
	)


def settle_interaction_sources() -> None:
	frappe.db.sql("update `tabCustomer Interaction` set reference_name = null where reference_name = ''")
	frappe.db.sql(
		"""update `tabCustomer Interaction` ci join (
			select reference_doctype, reference_name, min(concat(creation, name)) as keep
			from `tabCustomer Interaction` where reference_name is not null
			group by reference_doctype, reference_name having count(*) > 1
		) d on d.reference_doctype = ci.reference_doctype and d.reference_name = ci.reference_name
		set ci.reference_name = null
		where concat(ci.creation, ci.name) != d.keep"""
	)


def settle_pairs() -> None:
	swapped = frappe.db.sql(
		"""select name, profile_a, profile_b, customer_name_a, customer_name_b
		from `tabPossible Duplicate` where profile_a > profile_b""",
		as_dict=True,
	)
	for row in swapped:  # only rows an older version wrote the other way round
		frappe.db.set_value(
			"Possible Duplicate",
			row.name,
			{
				"profile_a": row.profile_b,
				"profile_b": row.profile_a,
				"customer_name_a": row.customer_name_b,
				"customer_name_b": row.customer_name_a,
			},
			update_modified=False,
		)
	frappe.db.sql(
		"""delete pd from `tabPossible Duplicate` pd join (
			select profile_a, profile_b, min(concat(creation, name)) as keep from `tabPossible Duplicate`
			group by profile_a, profile_b having count(*) > 1
		) d on d.profile_a = pd.profile_a and d.profile_b = pd.profile_b
		where concat(pd.creation, pd.name) != d.keep"""
	)


def ensure_unique_constraints() -> None:
	"""after_install / after_migrate."""
	settle_interaction_sources()
	settle_pairs()
	for doctype, (name, columns) in UNIQUE.items():
		if not has_constraint(doctype, name):
			frappe.db.commit()
			frappe.db.sql_ddl(
				f"alter table `tab{doctype}` add unique index `{name}` ({', '.join(f'`{c}`' for c in columns)})"
			)
