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

// ---- Packing station and keyboard care (every page) ----

// Escape closes what is open: the last visible [data-escape] link on the page (an edit
// form's Cancel, the station's Close, a confirmation's "Don't").
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape" || event.defaultPrevented) return;
  const links = [...document.querySelectorAll("[data-escape]")].filter((el) => el.offsetParent);
  const link = links[links.length - 1];
  if (!link) return;
  event.preventDefault();
  link.click();
});

// A scan box that gets focus selects its text, so the next scan replaces a refused one.
function packdeskSelectFocused() {
  const active = document.activeElement;
  if (active && active.matches("input[autofocus]") && active.value) active.select();
}

// A refusal (`[data-alarm]`) beeps once, for the packer looking at the box, not the screen.
function packdeskAlarm(root) {
  if (!root.querySelector || !root.querySelector("[data-alarm]")) return;
  const Audio = window.AudioContext || window.webkitAudioContext;
  if (!Audio) return;
  try {
    const context = new Audio();
    const tone = context.createOscillator();
    tone.type = "square";
    tone.frequency.value = 220;
    tone.connect(context.destination);
    tone.start();
    tone.stop(context.currentTime + 0.25);
  } catch (error) { /* no sound device: the message is on screen anyway */ }
}

// Print buttons (without JavaScript the page says Ctrl+P).
function packdeskInitPrint(root) {
  root.querySelectorAll("[data-print]").forEach((button) => {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  });
}

document.addEventListener("DOMContentLoaded", () => {
  packdeskInitPrint(document);
  packdeskSelectFocused();
  packdeskAlarm(document);
});
document.addEventListener("htmx:afterSettle", (event) => {
  packdeskSelectFocused();
  packdeskAlarm(event.detail.elt);
});

// Regions marked `data-swap-refusals` show the server's 4xx answer (a refused scan, a form
// with errors) in place, as a page without JavaScript does; htmx skips 4xx swaps by default.
document.addEventListener("htmx:beforeSwap", (event) => {
  const status = event.detail.xhr.status;
  const target = event.detail.target;
  if (status >= 400 && status < 500 && target && target.closest("[data-swap-refusals]")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
