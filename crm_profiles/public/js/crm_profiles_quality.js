// Merge dialog: both profiles side by side, the user picks the surviving values, the merge runs in
// the background (crm_profiles.quality.merge).
frappe.provide("crm_profiles");

crm_profiles.merge_dialog = function (source, target) {
	const dialog = new frappe.ui.Dialog({
		title: __("Merge Customers"),
		size: "extra-large",
		fields: [
			{
				fieldname: "source",
				fieldtype: "Link",
				options: "Customer",
				label: __("Merge This Customer"),
				default: source,
				reqd: 1,
			},
			{ fieldtype: "Column Break" },
			{
				fieldname: "target",
				fieldtype: "Link",
				options: "Customer",
				label: __("Into This Customer (Survives)"),
				default: target,
				reqd: 1,
			},
			{ fieldtype: "Section Break" },
			{ fieldname: "preview", fieldtype: "HTML" },
		],
		primary_action_label: __("Merge"),
		primary_action(values) {
			const choices = {};
			dialog.$wrapper.find("input.crm-merge-choice:checked").each(function () {
				choices[$(this).attr("data-field")] = $(this).val();
			});
			frappe
				.xcall("crm_profiles.quality.merge.merge_customers", {
					source: values.source,
					target: values.target,
					values: choices,
				})
				.then((log) => {
					dialog.hide();
					frappe.show_alert({
						message: __("Merge started in the background"),
						indicator: "blue",
					});
					frappe.set_route("Form", "Customer Merge Log", log);
				});
		},
	});
	const esc = frappe.utils.escape_html;
	const load = () => {
		const { source, target } = dialog.get_values(true);
		if (!source || !target || source === target) return;
		frappe
			.xcall("crm_profiles.quality.merge.get_merge_preview", { source, target })
			.then((data) => {
				const rows = data.fields
					.map(
						(f) => `<tr>
					<td>${esc(f.label)}</td>
					<td><label><input type="radio" class="crm-merge-choice" name="${esc(f.fieldname)}"
						data-field="${esc(f.fieldname)}" value="source"> ${esc(String(f.source ?? ""))}</label></td>
					<td><label><input type="radio" class="crm-merge-choice" name="${esc(f.fieldname)}"
						data-field="${esc(f.fieldname)}" value="target" checked> ${esc(String(f.target ?? ""))}</label></td>
				</tr>`,
					)
					.join("");
				const counts = Object.entries(data.counts)
					.map(([k, v]) => `<li>${esc(k)}: ${v}</li>`)
					.join("");
				dialog.fields_dict.preview.$wrapper.html(
					`<table class="table table-bordered table-sm"><thead><tr><th>${__("Field")}</th>
				<th>${esc(source)}</th><th>${esc(target)}</th></tr></thead><tbody>${rows}</tbody></table>
				<p class="text-muted">${__("Everything linked to either customer is kept:")}</p><ul>${counts}</ul>`,
				);
			});
	};
	dialog.fields_dict.source.df.onchange = load;
	dialog.fields_dict.target.df.onchange = load;
	dialog.show();
	load();
};
