// Small progressive enhancements; every page works without this file.

// A failed htmx request (a server error, or the network is down) is never silent: a visible,
// dismissible message appears at the top of the page and is announced.
function packdeskShowRequestError(text) {
  const box = document.getElementById("request-error");
  if (!box) return;
  box.querySelector("[data-request-error-text]").textContent = text;
  box.hidden = false;
}
document.addEventListener("htmx:responseError", (event) => {
  const target = event.detail.target;
  if (target) target.setAttribute("aria-busy", "false");
  const status = event.detail.xhr ? event.detail.xhr.status : 0;
  packdeskShowRequestError(status === 403
    ? "You are not allowed to do that (error 403)."
    : `The server could not do that (error ${status}). Nothing was changed by the failed request; try again.`);
});
document.addEventListener("htmx:sendError", () => {
  packdeskShowRequestError("The network seems to be down: the request did not reach the server. Try again when you are back online.");
});
document.addEventListener("htmx:beforeRequest", () => {
  const box = document.getElementById("request-error");
  if (box) box.hidden = true;
});
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-dismiss-request-error]")) {
    document.getElementById("request-error").hidden = true;
  }
});

// Orders list: after paging, focus and scroll move to the top of the new results. After any
// swap the filter rows' values say whether they are invalid (their messages are swapped in).
document.addEventListener("htmx:afterSwap", (event) => {
  if (event.detail.target.id !== "results") return;
  const trigger = event.detail.requestConfig && event.detail.requestConfig.elt;
  if (trigger && trigger.matches("[data-pager]")) {
    const heading = document.getElementById("results-heading");
    if (heading) {
      heading.focus({preventScroll: true});
      heading.scrollIntoView({block: "start"});
    }
  }
  document.querySelectorAll("[data-filter-row]").forEach((row) => {
    const error = row.querySelector(".field-error");
    const invalid = Boolean(error && error.textContent.trim());
    row.querySelectorAll("select[name=op], input[name=v]").forEach((control) => {
      if (invalid) control.setAttribute("aria-invalid", "true");
      else control.removeAttribute("aria-invalid");
    });
  });
  packdeskSyncBulkBar();
});

// Orders list filter rows: offer only the operators the chosen field allows (each option's
// data-fields lists them; the server checks anyway), suggest values, add rows.
function packdeskSyncRow(row, fieldChanged) {
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
  const fieldOption = field.options[field.selectedIndex];
  const defaultOp = fieldOption && fieldOption.dataset.defaultOp;
  const selected = op.options[op.selectedIndex];
  if (fieldChanged && defaultOp) op.value = defaultOp;
  else if (field.value && (!selected || !selected.value || selected.disabled)) op.value = defaultOp || firstValid;
  if (value) {
    // Dates: a date picker, or the period names for "during".
    const isDate = ["dateCreated", "lastUpdated", "fulfillments.dateCreated"].includes(field.value);
    const wantsDay = isDate && op.value !== "during" && op.value !== "hasSome";
    if (wantsDay && !/^\d{4}-\d{2}-\d{2}$/.test(value.value)) value.value = "";
    if (isDate && op.value === "during" && /^\d{4}-/.test(value.value)) value.value = "";
    value.type = wantsDay ? "date" : "text";
    const list = document.getElementById("values-" + (isDate ? "periods" : field.value));
    if (list && !wantsDay) value.setAttribute("list", list.id);
    else value.removeAttribute("list");
  }
}

function packdeskInitFilterRows(root) {
  root.querySelectorAll("[data-filter-row]").forEach((row) => packdeskSyncRow(row, false));
  root.querySelectorAll("[data-add-row], [data-remove-row]").forEach((button) => { button.hidden = false; });
}

// Capture phase: fix the operator before htmx (listening on the form) reads the values.
document.addEventListener("change", (event) => {
  if (event.target.matches("[data-filter-row] select[name=f], [data-filter-row] select[name=op]")) {
    packdeskSyncRow(event.target.closest("[data-filter-row]"), event.target.name === "f");
  }
}, true);

// The x of a filter row: remove it (the last row is emptied instead), focus the next
// control, and apply the filters again.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-remove-row]");
  if (!button) return;
  const row = button.closest("[data-filter-row]");
  const rows = [...row.parentElement.querySelectorAll("[data-filter-row]")];
  const form = row.closest("form");
  let focusTarget;
  if (rows.length > 1) {
    const next = rows[rows.indexOf(row) + 1] || rows[rows.indexOf(row) - 1];
    row.remove();
    focusTarget = next.querySelector("select");
  } else {
    row.querySelectorAll("select, input").forEach((control) => { control.value = ""; });
    packdeskSyncRow(row, false);
    focusTarget = row.querySelector("select");
  }
  focusTarget.focus();
  if (window.htmx) htmx.trigger(form, "submit");
  else form.requestSubmit();
});

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
  row.querySelectorAll("[aria-describedby]").forEach((control) => {
    control.setAttribute("aria-describedby", "error-row-" + n);
    control.removeAttribute("aria-invalid");
  });
  last.after(row);
  packdeskSyncRow(row, false);
  row.querySelector("select").focus();
});

// Select-all checkbox of the bulk form; the bulk bar counts the selection and stays in view
// (sticky) once anything is selected.
function packdeskSyncBulkBar() {
  const bar = document.querySelector("[data-bulk-bar]");
  if (!bar) return;
  const count = bar.form.querySelectorAll("input[type=checkbox][name=order]:checked").length;
  bar.classList.toggle("sticky", count > 0);
  bar.querySelector("[data-selected-count]").textContent = count ? `(${count} selected)` : "";
}
document.addEventListener("change", (event) => {
  if (event.target.matches("[data-select-all]")) {
    event.target.form.querySelectorAll("input[type=checkbox][name=order]").forEach((box) => {
      box.checked = event.target.checked;
    });
  }
  if (event.target.matches("[data-select-all], input[type=checkbox][name=order]")) packdeskSyncBulkBar();
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

// Product images: a local placeholder when the picture cannot load (offline, a dead CDN
// link), never a broken-image icon. `error` does not bubble, so listen in the capture phase.
function packdeskImageFallback(img) {
  const placeholder = img.dataset.placeholder;
  if (!placeholder) return;
  img.removeAttribute("data-placeholder");
  img.src = placeholder;
}
document.addEventListener("error", (event) => {
  if (event.target instanceof HTMLImageElement) packdeskImageFallback(event.target);
}, true);
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("img[data-placeholder]").forEach((img) => {
    if (img.complete && img.naturalWidth === 0) packdeskImageFallback(img);
  });
});

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
  // Only the value the server put there: a scanner may already be typing the next code.
  if (active && active.matches("input[autofocus]") && active.value && active.value === active.defaultValue) {
    active.select();
  }
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

// Orders list: typing a tracking number in a row selects that row for "Fulfil selected".
document.addEventListener("input", (event) => {
  if (!event.target.matches("input.row-tracking")) return;
  const row = event.target.closest("tr");
  const box = row && row.querySelector("input[type=checkbox][name=order]");
  if (box && event.target.value.trim() && !box.checked) {
    box.checked = true;
    box.dispatchEvent(new Event("change", { bubbles: true }));
  }
});

// After an htmx swap started by a "Cancel" (`data-refocus="<id>"`), focus returns to the
// control that opened the form.
let packdeskRefocus = null;
document.addEventListener("click", (event) => {
  const link = event.target.closest("[data-refocus]");
  packdeskRefocus = link ? link.dataset.refocus : null;
}, true);
document.addEventListener("htmx:afterSettle", () => {
  if (!packdeskRefocus) return;
  const target = document.getElementById(packdeskRefocus);
  packdeskRefocus = null;
  if (target) target.focus();
});

// A poll's swap keeps the chart tables someone opened open.
let packdeskOpenTables = [];
document.addEventListener("htmx:beforeSwap", (event) => {
  if (!event.detail.elt.matches("[data-poll]")) return;
  packdeskOpenTables = [...event.detail.elt.querySelectorAll("details[open]")].map((d) => d.id);
});
document.addEventListener("htmx:afterSettle", () => {
  packdeskOpenTables.forEach((id) => document.getElementById(id)?.setAttribute("open", ""));
  packdeskOpenTables = [];
});
