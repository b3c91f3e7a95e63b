"""WeChat ID became a standard field of Customer Profile (``wechat_id``).

A site whose admin had already added it in Customize Form has a Custom Field of the same fieldname,
which would give the profile the field twice. The Custom Field record goes, before the doctypes are
synced; its column (and every value in it) stays and becomes the standard field's column.
"""

import frappe

NAME = "Customer Profile-wechat_id"


def execute():
	if frappe.db.exists("Custom Field", NAME):
		# a plain delete of the record: Custom Field's own deletion could drop the column with its data
		frappe.db.delete("Custom Field", {"name": NAME})
		frappe.db.delete("Property Setter", {"doc_type": "Customer Profile", "field_name": "wechat_id"})
		frappe.clear_cache(doctype="Customer Profile")
