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
		crm_profiles_set_headline(frm);
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
		crm_profiles_render_timeline(frm);
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

// Stage, tier and RFM segment at a glance, with "Log Interaction" where a phone user sees it first.
function crm_profiles_set_headline(frm) {
	const esc = frappe.utils.escape_html;
	const stage = frm.doc.lifecycle_stage || "Prospect";
	const parts = [
		`<span class="indicator-pill ${crm_profiles.stage_colour(stage)}">${__(stage)}</span>`,
		frm.doc.tier
			? `<span class="indicator-pill blue">${__("Tier")}: ${esc(__(frm.doc.tier))}</span>`
			: "",
		frm.doc.rfm_segment
			? `<span class="indicator-pill purple">${esc(__(frm.doc.rfm_segment))}</span>`
			: "",
	];
	frm.dashboard.set_headline_alert(
		`<div class="flex justify-between align-center flex-wrap" style="gap: 8px">
			<div class="flex flex-wrap" style="gap: 6px">${parts.join("")}</div>
			<button class="btn btn-xs btn-primary crm-log-interaction">${__("Log Interaction")}</button>
		</div>`,
	);
	frm.layout.message.find(".crm-log-interaction").on("click", () => {
		frappe.new_doc("Customer Interaction", { customer: frm.doc.customer });
	});
}

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
			const money = (v) => format_currency(v);
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
					table(
						[__("Order"), __("Date"), __("Company"), __("Value"), __("Status")],
						message.recent_orders.map((o) => [
							`<a href="${frappe.utils.get_form_link(message.doctype, o.name)}">${esc(o.name)}</a>`,
							frappe.datetime.str_to_user(o.date),
							esc(o.company),
							money(o.base_value),
							esc(__(o.status)),
						]),
					),
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

function crm_profiles_render_timeline(frm) {
	const field = frm.get_field("timeline_html");
	if (!field) return;
	const $wrapper = $(field.wrapper).empty();
	const $list = $(
		`<div class="crm-timeline" aria-label="${__("Timeline of {0}", [frappe.utils.escape_html(frm.doc.customer_name || frm.doc.name)])}"></div>`,
	).appendTo($wrapper);
	const $more = $(`<button class="btn btn-xs btn-default mt-2">${__("Load more")}</button>`)
		.hide()
		.appendTo($wrapper);
	const routes = {
		Interaction: "Customer Interaction",
		"Sales Order": "Sales Order",
		Issue: "Issue",
	};
	let cursor = null;
	const load = () =>
		frappe
			.call({
				method: "crm_profiles.interactions.timeline.get_timeline",
				args: { customer: frm.doc.customer, cursor, limit: 20 },
				type: "GET",
			})
			.then(({ message }) => {
				if (!message) return;
				if (!cursor && !message.items.length)
					$list.append(`<p class="text-muted">${__("No activity yet.")}</p>`);
				for (const item of message.items) {
					const doctype = routes[item.kind] || item.kind;
					const e = frappe.utils.escape_html;
					$list.append(`<div class="crm-timeline-item" style="padding:6px 0;border-bottom:1px solid var(--border-color)">
						<span class="text-muted small">${e(frappe.datetime.str_to_user(item.at))}</span>
						<span class="indicator-pill gray small">${e(item.kind_label)}</span>
						<a href="${frappe.utils.get_form_link(doctype, item.name)}">${e(item.title || item.name)}</a>
						<span class="text-muted small">${e(item.detail || "")} ${e(item.status || "")}</span>
					</div>`);
				}
				cursor = message.next_cursor;
				$more.toggle(!!cursor);
			});
	$more.on("click", load);
	load();
}
