// Copyright (c) 2026, crm_profiles contributors
// For license information, please see license.txt

// Profile filters are edited with Frappe's own filter UI (as Dashboard Chart does) and stored in
// filters_json; the live count and preview follow every change, with the viewer's permissions.
frappe.ui.form.on("Customer Segment", {
	refresh(frm) {
		frm.trigger("render_filters");
		frm.trigger("render_preview");
		frm.trigger("add_buttons");
	},

	add_buttons(frm) {
		if (frm.is_new()) return;
		frm.add_custom_button(__("Open in Customer 360"), () =>
			frappe.set_route("query-report", "Customer 360", { customer_segment: frm.doc.name }),
		);
		frm.add_custom_button(
			__("Members and History"),
			() => frappe.set_route("List", "Customer Segment Member", { segment: frm.doc.name }),
			__("View"),
		);
		if (!frm.perm[0].write) return;
		frm.add_custom_button(
			__("Refresh Membership"),
			() =>
				frappe
					.call({
						method: "crm_profiles.segments.api.refresh_segment",
						args: { segment: frm.doc.name },
						freeze: true,
					})
					.then(({ message }) => {
						frappe.show_alert({
							message: __("{0} members: {1} joined, {2} left", [
								message.members,
								message.joined,
								message.left,
							]),
							indicator: "green",
						});
						frm.reload_doc();
					}),
			__("Actions"),
		);
		frm.add_custom_button(
			__("Sync to Email Group"),
			() =>
				frappe
					.call({
						method: "crm_profiles.segments.api.sync_to_email_group",
						args: { segment: frm.doc.name },
						freeze: true,
					})
					.then(({ message }) => {
						frappe.show_alert({
							message: __("{0} subscribers in {1}", [
								message.subscribers,
								message.email_group,
							]),
							indicator: "green",
						});
						frm.reload_doc();
					}),
			__("Actions"),
		);
	},

	render_filters(frm) {
		const wrapper = frm.get_field("filters_html").$wrapper.empty();
		frm.filter_group = new frappe.ui.FilterGroup({
			parent: wrapper,
			doctype: "Customer Profile",
			on_change: () => {
				const filters = frm.filter_group.get_filters().map((f) => f.slice(0, 4));
				const value = JSON.stringify(filters);
				if (value !== (frm.doc.filters_json || "[]")) {
					frm.set_value("filters_json", value);
					frm.trigger("render_preview");
				}
			},
		});
		frm.filter_group.add_filters_to_filter_group(JSON.parse(frm.doc.filters_json || "[]"));
	},

	render_preview(frm) {
		const wrapper = frm.get_field("preview_html").$wrapper;
		frappe
			.call({
				method: "crm_profiles.segments.api.get_members_preview",
				args: {
					filters_json: frm.doc.filters_json || "[]",
					rules: JSON.stringify(frm.doc.rules || []),
				},
			})
			.then(({ message }) => {
				if (!message) return;
				const esc = frappe.utils.escape_html;
				const members = message.members.map((m) => ({
					link: `<a href="/app/customer-profile/${encodeURIComponent(m.name)}">${esc(
						m.customer_name || m.name,
					)}</a>`,
					territory: esc(m.territory || ""),
					tier: esc(__(m.tier || "")),
					stage: esc(__(m.lifecycle_stage || "")),
					value: format_currency(m.lifetime_value),
				}));
				wrapper.html(
					frappe.render_template(crm_profiles_segment_preview, {
						count: message.count,
						members,
					}),
				);
			});
	},
});

frappe.ui.form.on("Customer Segment Rule", {
	rule_type: (frm) => frm.trigger("render_preview"),
	preference: (frm) => frm.trigger("render_preview"),
	purpose: (frm) => frm.trigger("render_preview"),
	item_code: (frm) => frm.trigger("render_preview"),
	item_group: (frm) => frm.trigger("render_preview"),
	interaction_count: (frm) => frm.trigger("render_preview"),
	from_date: (frm) => frm.trigger("render_preview"),
	to_date: (frm) => frm.trigger("render_preview"),
	last_days: (frm) => frm.trigger("render_preview"),
	rules_remove: (frm) => frm.trigger("render_preview"),
});

const crm_profiles_segment_preview = `
<p><b>{{ __("{0} members you can see", [count]) }}</b></p>
{% if (members.length) { %}
<table class="table table-sm table-bordered">
	<thead><tr>
		<th>{{ __("Customer") }}</th><th>{{ __("Territory") }}</th><th>{{ __("Tier") }}</th>
		<th>{{ __("Lifecycle Stage") }}</th><th>{{ __("Lifetime Value") }}</th>
	</tr></thead>
	<tbody>
	{% for (const m of members) { %}
		<tr><td>{{ m.link }}</td><td>{{ m.territory }}</td><td>{{ m.tier }}</td><td>{{ m.stage }}</td><td>{{ m.value }}</td></tr>
	{% } %}
	</tbody>
</table>
{% } %}
`;
