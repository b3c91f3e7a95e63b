// Copyright (c) 2026, crm_profiles contributors
// For license information, please see license.txt

const SHEET_METHODS =
	"crm_profiles.crm_profiles.doctype.customer_sheet_import.customer_sheet_import";
const SHEET_ROWS_SHOWN = 500;
const SHEET_INDICATORS = {
	New: "green",
	Update: "blue",
	Duplicate: "orange",
	Error: "red",
	Created: "green",
	Updated: "blue",
	Skipped: "orange",
	Failed: "red",
};

// The per-row table of a preview or of an import's result.
class SheetRowTable {
	constructor(rows) {
		this.rows = rows || [];
	}

	badge(status) {
		const color = SHEET_INDICATORS[status] || "gray";
		const label = status === "Duplicate" ? __("Likely Duplicate") : __(status);
		return `<span class="indicator-pill ${color} crm-sheet-status" data-status="${status}" style="white-space: nowrap">${frappe.utils.escape_html(label)}</span>`;
	}

	details(row) {
		const esc = frappe.utils.escape_html;
		const parts = (row.errors || []).map((e) =>
			e.column ? `<b>${esc(e.column)}</b>: ${esc(e.message)}` : esc(e.message),
		);
		if (row.matched_by && row.customer) {
			parts.push(__("Same {0} as {1}", [__(row.matched_by), esc(row.customer)]));
		}
		for (const d of row.duplicates || []) {
			parts.push(
				__("Looks like {0} ({1}, rule {2})", [
					esc(d.customer_name || d.customer),
					d.score,
					esc(d.rule),
				]),
			);
		}
		if (!parts.length && row.customer) {
			parts.push(
				frappe.utils.get_form_link(
					"Customer Profile",
					row.customer,
					true,
					esc(row.customer),
				),
			);
		}
		return parts.join("<br>");
	}

	html() {
		if (!this.rows.length) return "";
		// Rows with errors first, so that they are never cut off
		const order = (r) =>
			["Error", "Failed", "Duplicate", "Skipped"].includes(r.status) ? 0 : 1;
		const rows = [...this.rows].sort((a, b) => order(a) - order(b) || a.row - b.row);
		const shown = rows.slice(0, SHEET_ROWS_SHOWN);
		const body = shown
			.map(
				(r) => `<tr class="crm-sheet-row" data-row="${r.row}">
					<td><span class="text-muted">${__("Row")} ${r.row}</span><br>${frappe.utils.escape_html(r.customer_name || "")}</td>
					<td>${this.badge(r.status)}</td>
					<td class="crm-sheet-details" style="word-break: break-word">${this.details(r)}</td>
				</tr>`,
			)
			.join("");
		const more =
			rows.length > shown.length
				? `<p class="text-muted small">${__("{0} more rows are not shown.", [rows.length - shown.length])}</p>`
				: "";
		return `<div class="crm-sheet-rows" style="overflow-x:auto">
			<table class="table table-bordered table-condensed small">
				<thead><tr><th style="width: 35%">${__("Customer Name")}</th><th style="width: 1%">${__("Status")}</th><th>${__("Details")}</th></tr></thead>
				<tbody>${body}</tbody>
			</table>${more}</div>`;
	}
}

frappe.ui.form.on("Customer Sheet Import", {
	refresh(frm) {
		// An import that ran keeps its sheet: its row results refer to it
		frm.set_df_property(
			"import_file",
			"read_only",
			!frm.is_new() && !["Draft", "Previewed"].includes(frm.doc.status),
		);
		frm.trigger("add_buttons");
		frm.trigger("render_rows");
		frm.trigger("follow_the_job");
	},

	import_file(frm) {
		if (frm.doc.import_file && !frm.is_new()) frm.save();
	},

	add_buttons(frm) {
		frm.add_custom_button(__("Export Customers"), () => {
			window.open(
				`/api/method/${SHEET_METHODS}.export_customers?file_format=xlsx`,
				"_blank",
			);
		});
		if (frm.is_new() || !frm.doc.import_file) return;
		if (["Draft", "Previewed"].includes(frm.doc.status)) {
			frm.add_custom_button(__("Preview"), () => frm.trigger("preview")).addClass(
				"crm-sheet-preview",
			);
		}
		if (frm.doc.status === "Previewed") {
			frm.add_custom_button(__("Start Import"), () => frm.trigger("start_import"))
				.addClass("btn-primary crm-sheet-start")
				.removeClass("btn-default");
		}
	},

	preview(frm) {
		const run = () =>
			frappe
				.call({
					method: `${SHEET_METHODS}.preview`,
					args: { name: frm.doc.name },
					type: "POST",
					freeze: true,
					freeze_message: __("Reading the sheet..."),
				})
				.then(() => frm.reload_doc());
		frm.is_dirty() ? frm.save().then(run) : run();
	},

	start_import(frm) {
		frappe
			.call({
				method: `${SHEET_METHODS}.start_import`,
				args: { name: frm.doc.name },
				type: "POST",
			})
			.then(() => {
				frappe.show_alert({ message: __("Import started"), indicator: "blue" });
				frm.reload_doc();
			});
	},

	render_rows(frm) {
		const parse = (text) => {
			try {
				return JSON.parse(text || "[]");
			} catch (e) {
				return [];
			}
		};
		const done = frm.doc.row_log && !["Queued", "Running"].includes(frm.doc.status);
		frm.get_field("preview_html").$wrapper.html(
			done ? "" : new SheetRowTable(parse(frm.doc.preview_json)).html(),
		);
		frm.get_field("result_html").$wrapper.html(
			done ? new SheetRowTable(parse(frm.doc.row_log)).html() : "",
		);
		frm.toggle_display("section_preview_rows", !done && !!frm.doc.preview_json);
		frm.toggle_display("section_result", !!frm.doc.row_log || frm.doc.status === "Failed");
		frm.toggle_display("section_result_rows", !!done);
	},

	follow_the_job(frm) {
		// Progress arrives through frappe.publish_progress; the end through a realtime event, and a
		// slow poll covers a page opened after the event was sent.
		if (!["Queued", "Running"].includes(frm.doc.status)) return;
		if (!frm.crm_sheet_listening) {
			frm.crm_sheet_listening = true;
			frappe.realtime.on("crm_sheet_import_done", (data) => {
				if (data && data.name === frm.doc.name) frm.reload_doc();
			});
		}
		clearTimeout(frm.crm_sheet_poll);
		frm.crm_sheet_poll = setTimeout(() => {
			if (frm.doc && ["Queued", "Running"].includes(frm.doc.status)) frm.reload_doc();
		}, 3000);
	},
});
