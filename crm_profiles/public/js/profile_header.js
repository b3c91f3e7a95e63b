// Copyright (c) 2026, crm_profiles contributors
// For license information, please see license.txt
// The Customer 360 header, the profile timeline with its filter chips, and "Log Interaction", shared
// by the Customer Profile form and ERPNext's Customer form.

frappe.provide("crm_profiles");

// The channel an interaction of each type usually takes (Customer Interaction's options).
crm_profiles.CHANNEL_BY_TYPE = {
	Call: "Phone",
	Email: "Email",
	Meeting: "In Person",
	Visit: "In Person",
	Chat: "Chat",
};
crm_profiles.channel_for_type = (type) => crm_profiles.CHANNEL_BY_TYPE[type] || "";

// A date (or the date part of a datetime) in the user's format, and the time only where it exists.
crm_profiles.format_when = (value, timed = true) => {
	if (!value) return "";
	const text = String(value);
	const date = frappe.datetime.str_to_user(text.slice(0, 10));
	return timed && text.length > 10 ? `${date} ${text.slice(11, 16)}` : date;
};

crm_profiles.month_label = (value) => {
	const m = moment(String(value).slice(0, 10), "YYYY-MM-DD");
	return (frappe.boot.lang || "en").startsWith("zh") ? `${m.month() + 1}月` : m.format("MMM");
};

// Log an interaction in the quick-entry dialog and come back to the profile: `after` runs on save,
// whether the dialog saved it or the full form did.
crm_profiles.log_interaction = (customer, after) => {
	const doc = frappe.model.get_new_doc("Customer Interaction");
	doc.customer = customer;
	doc.interaction_type = doc.interaction_type || "Call";
	doc.channel = crm_profiles.channel_for_type(doc.interaction_type);
	frappe.ui.form.make_quick_entry(
		"Customer Interaction",
		() => after && after(),
		(dialog) => {
			const type = dialog.fields_dict.interaction_type;
			if (!type) return;
			type.df.onchange = () => {
				const channel = crm_profiles.channel_for_type(
					dialog.get_value("interaction_type"),
				);
				if (channel) dialog.set_value("channel", channel);
			};
		},
		doc,
	);
};

crm_profiles.ProfileHeader = class ProfileHeader {
	constructor({ frm, wrapper, profile, compact = false }) {
		this.frm = frm;
		this.$wrapper = $(wrapper);
		this.profile = profile;
		this.compact = compact;
	}

	refresh() {
		return frappe
			.call({
				method: "crm_profiles.profiles.header.get_profile_header",
				args: { name: this.profile },
				type: "GET",
			})
			.then(({ message }) => {
				if (!message) return;
				this.data = message;
				this.render();
			});
	}

	money(value) {
		return format_currency(value || 0, this.data.worth.currency);
	}

	trend(t, money = false) {
		if (!t) return "";
		const arrow = { up: "▲", down: "▼", flat: "■" }[t.direction];
		const colour = { up: "success", down: "danger", flat: "muted" }[t.direction];
		const change =
			t.percent === null
				? t.current
					? __("new")
					: "—"
				: `${t.percent > 0 ? "+" : ""}${t.percent}%`;
		const months = this.data.worth.window_months;
		const show = (v) => (money ? this.money(v) : format_number(v, null, money ? 2 : 0));
		const title = __("Last {0} months: {1}; the {0} months before: {2}", [
			months,
			show(t.current),
			show(t.previous),
		]);
		return `<span class="crm-trend text-${colour}" title="${frappe.utils.escape_html(title)}">${arrow} ${change}</span>`;
	}

	render() {
		const esc = frappe.utils.escape_html;
		const { who, worth, when, happy } = this.data;
		const contact = who.contact;
		const links = [];
		if (contact.phone)
			links.push(
				`<a class="crm-contact-link" href="tel:${encodeURIComponent(contact.phone)}">${frappe.utils.icon("call", "sm")} ${esc(contact.phone)}</a>`,
			);
		if (contact.email)
			links.push(
				`<a class="crm-contact-link" href="mailto:${encodeURIComponent(contact.email)}">${frappe.utils.icon("mail", "sm")} ${esc(contact.email)}</a>`,
			);
		if (contact.wechat)
			links.push(
				`<span class="crm-contact-link">${__("WeChat")}: ${esc(contact.wechat)}</span>`,
			);
		const pills = [
			`<span class="indicator-pill ${crm_profiles.stage_colour(who.stage)}">${esc(who.stage_label)}</span>`,
			who.tier_label
				? `<span class="indicator-pill blue">${__("Tier")}: ${esc(who.tier_label)}</span>`
				: "",
			who.segment_label
				? `<span class="indicator-pill purple">${esc(who.segment_label)}</span>`
				: "",
			who.do_not_contact
				? `<span class="indicator-pill red">${__("Do Not Contact")}</span>`
				: "",
		].join("");
		const stat = (label, value, trend, key) =>
			`<div class="crm-stat" data-figure="${key}"><div class="crm-stat-label">${label}</div>
				<div class="crm-stat-value">${value}</div><div class="crm-stat-trend">${trend || ""}</div></div>`;
		const t = worth.trends || {};
		const last_order = worth.last_order_date
			? worth.last_order
				? `<a href="${frappe.utils.get_form_link("Sales Order", worth.last_order)}">${crm_profiles.format_when(worth.last_order_date, false)}</a>`
				: crm_profiles.format_when(worth.last_order_date, false)
			: __("None yet");
		const follow_up = when.next_follow_up_date
			? `<span class="${when.follow_up_overdue ? "text-danger" : ""}">${crm_profiles.format_when(when.next_follow_up_date, false)}${when.follow_up_overdue ? " · " + __("Overdue") : ""}</span>`
			: __("None planned");
		const fact = (label, value, key) =>
			`<div class="crm-fact" data-fact="${key}"><span class="crm-fact-label">${label}</span><span class="crm-fact-value">${value}</span></div>`;
		this.$wrapper.html(`
			<div class="crm-360 ${this.compact ? "crm-360-compact" : ""}">
				<div class="crm-360-block crm-360-who" data-question="who">
					<div class="crm-360-name">${esc(who.customer_name)}</div>
					<div class="crm-360-pills">${pills}</div>
					<div class="crm-360-line text-muted">${__("Account Owner")}: ${esc(who.account_owner_name || __("Not set"))}</div>
					<div class="crm-360-line">${__("Contact")}: ${esc(contact.person || __("Not set"))}</div>
					<div class="crm-360-links">${links.join("")}</div>
					${this.compact ? "" : `<button class="btn btn-xs btn-primary crm-log-interaction">${__("Log Interaction")}</button>`}
				</div>
				<div class="crm-360-block crm-360-worth" data-question="worth">
					<div class="crm-stats">
						${stat(__("Lifetime Value"), this.money(worth.lifetime_value), this.trend(t.lifetime_value, true), "lifetime_value")}
						${stat(__("Orders"), format_number(worth.order_count, null, 0), this.trend(t.order_count), "order_count")}
						${stat(__("Average Order Value"), this.money(worth.average_order_value), this.trend(t.average_order_value, true), "average_order_value")}
						${stat(__("Last {0} Months", [worth.window_months]), this.money(worth.window_value), this.trend(t.window_value, true), "window_value")}
					</div>
					${worth.live ? `<div class="crm-360-note text-muted">${__("Trends: the last {0} months against the {0} months before.", [worth.window_months])}</div>` : ""}
					${worth.restricted ? `<div class="crm-360-note crm-360-restricted text-muted">${esc(worth.restricted)}</div>` : ""}
				</div>
				<div class="crm-360-block crm-360-when" data-question="when">
					${fact(__("Last Order"), last_order, "last_order")}
					${fact(__("Last Interaction"), when.last_interaction_on ? crm_profiles.format_when(when.last_interaction_on) : __("None yet"), "last_interaction")}
					${fact(__("Next Follow-up"), follow_up, "next_follow_up")}
					${fact(__("Open Complaints"), `<span class="${when.open_complaints ? "text-danger" : ""}">${format_number(when.open_complaints, null, 0)}</span>`, "open_complaints")}
				</div>
				<div class="crm-360-block crm-360-happy" data-question="happy">
					${fact(__("Average CSAT"), happy.average_csat === null ? __("No ratings yet") : __("{0} / 5", [format_number(happy.average_csat, null, 1)]), "csat")}
					${fact(__("Last NPS"), happy.last_nps === null ? __("No score yet") : __("{0} / 10", [happy.last_nps]), "nps")}
				</div>
			</div>
			${this.compact ? "" : this.bottom_bar(contact)}
		`);
		this.$wrapper
			.find(".crm-log-interaction, .crm-bar-log")
			.on("click", () => this.log_interaction());
	}

	// On a phone, the three things done most from a profile, always in reach.
	bottom_bar(contact) {
		const esc = frappe.utils.escape_html;
		const link = (href, icon, label) =>
			href
				? `<a class="btn btn-default crm-bar-button" href="${esc(href)}">${frappe.utils.icon(icon, "sm")} ${label}</a>`
				: `<span class="btn btn-default crm-bar-button disabled">${frappe.utils.icon(icon, "sm")} ${label}</span>`;
		return `<div class="crm-bottom-bar" role="toolbar" aria-label="${__("Quick actions")}">
			<button class="btn btn-primary crm-bar-button crm-bar-log">${frappe.utils.icon("add", "sm")} ${__("Log")}</button>
			${link(contact.phone && `tel:${encodeURIComponent(contact.phone)}`, "call", __("Call"))}
			${link(contact.email && `mailto:${encodeURIComponent(contact.email)}`, "mail", __("Email"))}
		</div>`;
	}

	log_interaction() {
		const customer = this.data.who.customer;
		const route = ["Form", "Customer Profile", this.profile];
		crm_profiles.log_interaction(customer, () => {
			// Back to the profile (from the full form, if the user went there), with the entry on top.
			if (frappe.get_route_str() === route.join("/") && this.frm) {
				this.frm.reload_doc();
			} else {
				frappe.set_route(...route);
			}
		});
	}
};

crm_profiles.TIMELINE_FILTERS = ["all", "interactions", "orders", "complaints", "changes"];
crm_profiles.TIMELINE_ROUTES = {
	Interaction: "Customer Interaction",
	"Sales Order": "Sales Order",
	Issue: "Issue",
};

crm_profiles.ProfileTimeline = class ProfileTimeline {
	constructor({ wrapper, customer, customer_name }) {
		this.$wrapper = $(wrapper).empty();
		this.customer = customer;
		const labels = {
			all: __("All"),
			interactions: __("Interactions"),
			orders: __("Orders"),
			complaints: __("Complaints"),
			changes: __("Changes"),
		};
		this.$chips = $(`<div class="crm-chips" role="group" aria-label="${__("Show")}">
			${crm_profiles.TIMELINE_FILTERS.map(
				(f) =>
					`<button class="btn btn-xs crm-chip" data-show="${f}">${labels[f]}</button>`,
			).join("")}</div>`).appendTo(this.$wrapper);
		this.$list = $(
			`<div class="crm-timeline" aria-label="${__("Timeline of {0}", [frappe.utils.escape_html(customer_name || customer)])}"></div>`,
		).appendTo(this.$wrapper);
		this.$more = $(`<button class="btn btn-xs btn-default mt-2">${__("Load more")}</button>`)
			.hide()
			.appendTo(this.$wrapper);
		this.$chips.on("click", ".crm-chip", (e) =>
			this.show($(e.currentTarget).attr("data-show")),
		);
		this.$more.on("click", () => this.load());
	}

	show(filter = "all") {
		this.filter = filter;
		this.cursor = null;
		this.group = null;
		this.$list.empty();
		this.$chips.find(".crm-chip").each((_, chip) => {
			const active = chip.dataset.show === filter;
			$(chip).toggleClass("btn-primary active", active).toggleClass("btn-default", !active);
			chip.setAttribute("aria-pressed", active ? "true" : "false");
		});
		return this.load();
	}

	load() {
		const filter = this.filter;
		return frappe
			.call({
				method: "crm_profiles.interactions.timeline.get_timeline",
				args: { customer: this.customer, cursor: this.cursor, limit: 20, show: filter },
				type: "GET",
			})
			.then(({ message }) => {
				if (!message || filter !== this.filter) return;
				if (!this.cursor && !message.items.length)
					this.$list.append(`<p class="text-muted">${__("No activity yet.")}</p>`);
				for (const item of message.items) this.add(item);
				this.cursor = message.next_cursor;
				this.$more.toggle(!!this.cursor);
			});
	}

	add(item) {
		if (item.kind === "Sales Order") {
			// A run of orders in one currency reads as one line, opened on demand.
			if (!this.group || this.group.currency !== item.currency) {
				this.group = { currency: item.currency, orders: [], $el: $("<div>") };
				this.$list.append(this.group.$el);
			}
			this.group.orders.push(item);
			this.render_group(this.group);
			return;
		}
		this.group = null;
		this.$list.append(this.item_html(item));
	}

	item_html(item) {
		const e = frappe.utils.escape_html;
		const doctype = crm_profiles.TIMELINE_ROUTES[item.kind] || item.kind;
		const title =
			item.kind === "Sales Order"
				? format_currency(item.amount, item.currency)
				: e(item.title || item.name);
		return `<div class="crm-timeline-item" data-kind="${e(item.kind)}" data-name="${e(item.name)}">
			<span class="text-muted small crm-timeline-when">${e(crm_profiles.format_when(item.at, item.timed))}</span>
			<span class="indicator-pill gray small">${e(item.kind_label)}</span>
			<a href="${frappe.utils.get_form_link(doctype, item.name)}">${title}</a>
			<span class="text-muted small">${item.kind === "Sales Order" ? "" : e(item.detail || "")} ${e(item.status || "")}</span>
		</div>`;
	}

	render_group(group) {
		const orders = group.orders;
		if (orders.length === 1) {
			group.$el.html(this.item_html(orders[0]));
			return;
		}
		const total = orders.reduce((sum, o) => sum + (o.amount || 0), 0);
		const newest = orders[0].at;
		const oldest = orders[orders.length - 1].at;
		const first = crm_profiles.month_label(oldest);
		const last = crm_profiles.month_label(newest);
		const span =
			oldest.slice(0, 7) === newest.slice(0, 7)
				? last
				: oldest.slice(0, 4) === newest.slice(0, 4)
					? `${first}–${last}`
					: `${first} ${oldest.slice(0, 4)}–${last} ${newest.slice(0, 4)}`;
		group.$el.html(`<details class="crm-timeline-group" data-kind="Sales Order">
			<summary class="crm-timeline-item">
				<span class="indicator-pill gray small">${__("Sales Order")}</span>
				<span class="crm-group-summary">${__("{0} orders, {1}, {2}", [orders.length, format_currency(total, group.currency), span])}</span>
			</summary>
			${orders.map((o) => this.item_html(o)).join("")}
		</details>`);
	}
};
