// Copyright (c) 2026, crm_profiles contributors
// For license information, please see license.txt

frappe.ui.form.on("Customer Profile", {
	setup(frm) {
		const by_customer = () => ({
			filters: {
				link_doctype: "Customer",
				link_name: frm.doc.customer,
			},
		});
		frm.set_query("primary_contact", by_customer);
		frm.set_query("address", by_customer);
	},

	refresh(frm) {
		if (frm.is_new()) return;
		frm.trigger("render_header");
		frm.trigger("render_timeline");
		crm_profiles_render_purchases(frm);
		crm_profiles_render_recommendations(frm);
		frm.add_custom_button(
			__("Customer"),
			() => frappe.set_route("Form", "Customer", frm.doc.customer),
			__("View"),
		);
		frm.add_custom_button(
			__("Merge Into Another Customer"),
			() => crm_profiles.merge_dialog(frm.doc.customer, null),
			__("Actions"),
		);
		frm.add_custom_button(
			__("Interactions"),
			() => frappe.set_route("List", "Customer Interaction", { customer: frm.doc.customer }),
			__("View"),
		);
		frm.add_custom_button(
			__("Send Survey"),
			() => crm_profiles_send_survey(frm),
			__("Actions"),
		);
		if (frm.perm[0] && frm.perm[0].write) {
			frm.add_custom_button(
				__("Send Self-service Link"),
				() => crm_profiles_send_self_service_link(frm),
				__("Actions"),
			);
		}
		if (frm.doc.personal_id && frm.perm[1] && frm.perm[1].read) {
			frm.add_custom_button(
				__("Show Personal ID"),
				() =>
					frappe
						.call("crm_profiles.privacy.sensitive.reveal_personal_id", {
							customer: frm.doc.customer,
						})
						.then(({ message }) =>
							frappe.msgprint({
								title: __("Personal ID"),
								message: frappe.utils.escape_html(message || ""),
							}),
						),
				__("Actions"),
			);
		}
	},

	// Who, worth, when and how happy, from one call (crm_profiles.profiles.header).
	render_header(frm) {
		const field = frm.get_field("header_html");
		if (!field) return;
		frm.crm_header = new crm_profiles.ProfileHeader({
			frm,
			wrapper: field.$wrapper,
			profile: frm.doc.name,
		});
		frm.crm_header.refresh();
	},

	render_timeline(frm) {
		const field = frm.get_field("timeline_html");
		if (!field) return;
		frm.crm_timeline = new crm_profiles.ProfileTimeline({
			wrapper: field.$wrapper,
			customer: frm.doc.customer,
			customer_name: frm.doc.customer_name,
		});
		frm.crm_timeline.show("all");
	},

	primary_contact(frm) {
		if (!frm.doc.primary_contact) return;
		frappe.db
			.get_value("Contact", frm.doc.primary_contact, [
				"email_id",
				"mobile_no",
				"designation",
			])
			.then(({ message }) => {
				if (!message) return;
				if (message.email_id && !frm.doc.email_id)
					frm.set_value("email_id", message.email_id);
				if (message.mobile_no && !frm.doc.mobile_no)
					frm.set_value("mobile_no", message.mobile_no);
				if (message.designation && !frm.doc.position)
					frm.set_value("position", message.designation);
			});
	},
});

// "Bought X, not yet Y" and reorder-due suggestions, stored nightly (crm_profiles.recommendations).
function crm_profiles_render_recommendations(frm) {
	frappe
		.call({
			method: "crm_profiles.recommendations.api.get_recommendations",
			args: { customer: frm.doc.name },
		})
		.then(({ message }) => {
			if (!message) return;
			const esc = frappe.utils.escape_html;
			const rows = (list) =>
				list.map((r) => ({
					link: `<a href="/app/item/${encodeURIComponent(r.item_code)}">${esc(
						r.item_name || r.item_code,
					)}</a>`,
					reason: esc(r.reason),
					due_on: r.due_on ? frappe.datetime.str_to_user(r.due_on) : "",
				}));
			frm.get_field("recommendations_html").$wrapper.html(
				frappe.render_template(crm_profiles_recommendations_template, {
					cross_sell: rows(message.cross_sell),
					reorder_due: rows(message.reorder_due),
				}),
			);
		});
}

const crm_profiles_recommendations_template = `
<h6>{{ __("Suggested Items") }}</h6>
{% if (cross_sell.length) { %}
<table class="table table-sm table-bordered">
	<thead><tr><th>{{ __("Item") }}</th><th>{{ __("Why") }}</th></tr></thead>
	<tbody>
	{% for (const r of cross_sell) { %}
		<tr><td>{{ r.link }}</td><td>{{ r.reason }}</td></tr>
	{% } %}
	</tbody>
</table>
{% } else { %}
<p class="text-muted">{{ __("No suggestions yet") }}</p>
{% } %}
<h6>{{ __("Reorder Due") }}</h6>
{% if (reorder_due.length) { %}
<table class="table table-sm table-bordered">
	<thead><tr><th>{{ __("Item") }}</th><th>{{ __("Due On") }}</th><th>{{ __("Why") }}</th></tr></thead>
	<tbody>
	{% for (const r of reorder_due) { %}
		<tr><td>{{ r.link }}</td><td>{{ r.due_on }}</td><td>{{ r.reason }}</td></tr>
	{% } %}
	</tbody>
</table>
{% } else { %}
<p class="text-muted">{{ __("Nothing due for reorder") }}</p>
{% } %}
`;

function crm_profiles_render_purchases(frm) {
	frappe
		.call({
			method: "crm_profiles.analytics.api.get_purchase_history",
			args: { customer: frm.doc.name },
		})
		.then(({ message }) => {
			if (!message) return;
			const esc = frappe.utils.escape_html;
			const money = (v) => format_currency(v, frm.doc.figures_currency);
			const table = (head, rows) =>
				rows.length
					? `<table class="table table-sm table-bordered"><thead><tr>${head
							.map((h) => `<th>${h}</th>`)
							.join("")}</tr></thead><tbody>${rows
							.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`)
							.join("")}</tbody></table>`
					: `<p class="text-muted">${__("No orders yet")}</p>`;
			frm.get_field("purchase_history_html").$wrapper.html(
				`<h6>${__("Top 5 Items by Value")}</h6>` +
					table(
						[__("Item"), __("Quantity"), __("Value")],
						message.top_items.map((i) => [
							`<a href="${frappe.utils.get_form_link("Item", i.item_code)}">${esc(i.item_name || i.item_code)}</a>`,
							format_number(i.qty),
							money(i.value),
						]),
					) +
					`<h6>${__("Recent Orders")}</h6>` +
					// A table on a desk, cards on a phone (the stylesheet shows one of the two).
					`<div class="crm-order-table">${table(
						[__("Order"), __("Date"), __("Company"), __("Value"), __("Status")],
						message.recent_orders.map((o) => [
							`<a href="${frappe.utils.get_form_link(message.doctype, o.name)}">${esc(o.name)}</a>`,
							frappe.datetime.str_to_user(o.date),
							esc(o.company),
							money(o.base_value),
							esc(__(o.status)),
						]),
					)}</div>` +
					`<div class="crm-order-cards">${message.recent_orders
						.map(
							(o) => `<div class="crm-order-card">
								<div class="crm-order-card-head">
									<a href="${frappe.utils.get_form_link(message.doctype, o.name)}">${esc(o.name)}</a>
									<span>${money(o.base_value)}</span>
								</div>
								<div class="text-muted small">${frappe.datetime.str_to_user(o.date)} · ${esc(__(o.status))} · ${esc(o.company)}</div>
							</div>`,
						)
						.join("")}</div>` +
					(message.restricted
						? `<p class="text-muted small">${esc(message.restricted)}</p>`
						: ""),
			);
			frm.get_field("profile_changes_html").$wrapper.html(
				message.changes.length
					? table(
							[__("Change"), __("From"), __("To"), __("Changed On"), __("Reason")],
							message.changes.map((c) => [
								esc(
									c.detail
										? `${__(c.change_type)}: ${__(c.detail)}`
										: __(c.change_type),
								),
								esc(__(c.from_value || "")),
								esc(__(c.to_value || "")),
								frappe.datetime.str_to_user(c.changed_on),
								esc(__(c.reason)),
							]),
						)
					: `<p class="text-muted">${__("No tier or stage changes yet")}</p>`,
			);
		});
}

// Interactions, follow-ups and surveys (crm_profiles.interactions)
function crm_profiles_send_survey(frm) {
	frappe
		.call({
			method: "crm_profiles.interactions.surveys.send_survey",
			args: { customer: frm.doc.customer },
			type: "POST",
		})
		.then(({ message }) => {
			if (message)
				frappe.show_alert({
					message: __("Survey sent to {0}.", [message.email]),
					indicator: "green",
				});
		});
}

// The customer's own answers: a signed link to update contact details, preferences and consent
function crm_profiles_send_self_service_link(frm) {
	frappe
		.call({
			method: "crm_profiles.privacy.self_service.send_link",
			args: { customer: frm.doc.customer },
			type: "POST",
			freeze: true,
		})
		.then(({ message }) => {
			if (!message) return;
			const esc = frappe.utils.escape_html;
			const dialog = new frappe.ui.Dialog({
				title: __("Self-service Link"),
				fields: [
					{
						fieldtype: "HTML",
						fieldname: "sent",
						options: `<p>${
							message.emailed
								? __("Sent to {0}. The link works until {1}.", [
										esc(message.email),
										esc(frappe.datetime.str_to_user(message.expires_on)),
									])
								: __(
										"No outgoing email account is set up: copy the link and send it to {0} yourself. It works until {1}.",
										[
											esc(message.email),
											esc(frappe.datetime.str_to_user(message.expires_on)),
										],
									)
						}</p>`,
					},
					{
						fieldtype: "Small Text",
						fieldname: "url",
						label: __("Link"),
						read_only: 1,
						default: message.url,
					},
				],
				primary_action_label: __("Copy Link"),
				primary_action() {
					frappe.utils.copy_to_clipboard(message.url);
					dialog.hide();
				},
			});
			dialog.show();
		});
}
