// Small progressive enhancements; every page works without this file.
document.addEventListener("htmx:responseError", (event) => {
  const target = event.detail.target;
  if (target) target.setAttribute("aria-busy", "false");
});

// Orders list filter rows: offer only the operators the chosen field allows (each option's
// data-fields lists them; the server checks anyway), suggest values, add rows.
function packdeskSyncRow(row) {
  const field = row.querySelector("select[name=f]");
  const op = row.querySelector("select[name=op]");
  const value = row.querySelector("input[name=v]");
  if (!field || !op) return;
  let firstValid = null;
  for (const option of op.options) {
    if (!option.value) continue;
    const ok = !field.value || (option.dataset.fields || "").split(" ").includes(field.value);
    option.hidden = !ok;
    option.disabled = !ok;
    if (ok && firstValid === null) firstValid = option.value;
  }
  const selected = op.options[op.selectedIndex];
  if (field.value && (!selected || !selected.value || selected.disabled)) op.value = firstValid;
  if (value) {
    const list = document.getElementById("values-" + field.value);
    if (list) value.setAttribute("list", list.id);
    else value.removeAttribute("list");
  }
}

function packdeskInitFilterRows(root) {
  root.querySelectorAll("[data-filter-row]").forEach(packdeskSyncRow);
  root.querySelectorAll("[data-add-row]").forEach((button) => { button.hidden = false; });
}

// Capture phase: fix the operator before htmx (listening on the form) reads the values.
document.addEventListener("change", (event) => {
  if (event.target.matches("[data-filter-row] select[name=f]")) {
    packdeskSyncRow(event.target.closest("[data-filter-row]"));
  }
}, true);

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-add-row]");
  if (!button) return;
  const rows = button.parentElement.querySelectorAll("[data-filter-row]");
  const last = rows[rows.length - 1];
  const row = last.cloneNode(true);
  const n = rows.length;
  row.querySelectorAll("select, input").forEach((control) => {
    control.value = "";
    control.id = control.id.replace(/^id_row\d+_/, "id_row" + n + "_");
  });
  const error = row.querySelector(".field-error");
  if (error) { error.id = "error-row-" + n; error.textContent = ""; }
  last.after(row);
  packdeskSyncRow(row);
  row.querySelector("select").focus();
});

// Select-all checkbox of the bulk form.
document.addEventListener("change", (event) => {
  if (!event.target.matches("[data-select-all]")) return;
  event.target.form.querySelectorAll("input[type=checkbox][name=order]").forEach((box) => {
    box.checked = event.target.checked;
  });
});

document.addEventListener("DOMContentLoaded", () => packdeskInitFilterRows(document));

// Carrier pickers: the "other carrier" name and link fields only matter for "other". Without
// JavaScript they simply stay visible.
function syncOtherCarrier(select) {
  const form = select.closest("form");
  if (!form) return;
  const other = select.value === "other";
  form.querySelectorAll(".other-carrier").forEach((field) => { field.hidden = !other; });
}
function initCarrierPickers(root) {
  root.querySelectorAll('select[name$="carrier"]').forEach((select) => {
    if (!select.closest("form")?.querySelector(".other-carrier")) return;
    syncOtherCarrier(select);
    select.addEventListener("change", () => syncOtherCarrier(select));
  });
}
document.addEventListener("DOMContentLoaded", () => initCarrierPickers(document));
document.addEventListener("htmx:load", (event) => initCarrierPickers(event.detail.elt));

// Home page: the figures poll every minute (hx-trigger="every 60s"), but not while the tab is
// hidden, and they refresh at once when it is shown again. Done here rather than with an
// hx-trigger filter expression, which htmx evaluates with eval.
document.addEventListener("htmx:beforeRequest", (event) => {
  if (document.hidden && event.detail.elt.matches("[data-poll]")) event.preventDefault();
});
document.addEventListener("visibilitychange", () => {
  if (document.hidden || !window.htmx) return;
  document.querySelectorAll("[data-poll]").forEach((element) => htmx.trigger(element, "packdesk-refresh"));
});
