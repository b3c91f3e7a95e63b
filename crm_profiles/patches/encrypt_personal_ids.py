"""Personal ID becomes a Password field: move every stored plain value into Frappe's encrypted store.

Runs after the schema sync (the column is then the Password field's). Each value is encrypted with
the site's key (``frappe.utils.password.encrypt``) and written to ``__Auth`` in batches; the profile's
column keeps only asterisks, as Frappe keeps for every Password field. Idempotent: values that are
already asterisks are skipped.
"""

from __future__ import annotations

import frappe
from frappe.utils.password import encrypt

PROFILE = "Customer Profile"
FIELD = "personal_id"
BATCH = 500


def execute():
	rows = frappe.db.sql(
		"""select name, personal_id from `tabCustomer Profile`
		where personal_id is not null and personal_id != '' and personal_id not regexp '^[*]+$'"""
	)
	for start in range(0, len(rows), BATCH):
		batch = rows[start : start + BATCH]
		values = []
		for name, plain in batch:
			values += [PROFILE, name, FIELD, encrypt(plain), 1]
		frappe.db.sql(
			"insert into `__Auth` (doctype, name, fieldname, password, encrypted) values "
			+ ", ".join(["(%s, %s, %s, %s, %s)"] * len(batch))
			+ " on duplicate key update password = values(password), encrypted = 1",
			values,
		)
		frappe.db.sql(
			"""update `tabCustomer Profile` set personal_id = repeat('*', char_length(personal_id))
			where name in %(names)s""",
			{"names": tuple(name for name, _plain in batch)},
		)
