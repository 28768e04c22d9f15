// Small progressive enhancements; every page works without this file.

// A failed htmx request (a server error, or the network is down) is never silent: a visible,
// dismissible message appears at the top of the page and is announced.
// Dismissing it (its button, or Escape when nothing else is open) returns focus to where the
// person was when the request failed.
let packdeskErrorReturn = null;
function packdeskShowRequestError(text) {
  const box = document.getElementById("request-error");
  if (!box) return;
  box.querySelector("[data-request-error-text]").textContent = text;
  if (box.hidden) packdeskErrorReturn = document.activeElement;
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
  if (!event.target.closest("[data-dismiss-request-error]")) return;
  document.getElementById("request-error").hidden = true;
  const back = packdeskErrorReturn && packdeskErrorReturn.isConnected && packdeskErrorReturn !== document.body
    ? packdeskErrorReturn : document.querySelector("main h1");
  packdeskErrorReturn = null;
  if (back) {
    if (!back.matches("a, button, input, select, textarea, [tabindex]")) back.setAttribute("tabindex", "-1");
    back.focus();
  }
});

// A session that ended (logged out in another tab, expired) answers an htmx request with
// the log-in page, which htmx would nest inside the region it swaps (a second header, a
// stale "Log out"). The log-in page is opened as a page instead, and brings the person
// back to the page they were on (not to the address the request went to, which may take
// only a POST).
document.addEventListener("htmx:beforeSwap", (event) => {
  const xhr = event.detail.xhr;
  const login = document.body.dataset.loginUrl;
  if (!xhr || !xhr.responseURL || !login) return;
  const answered = new URL(xhr.responseURL);
  if (answered.origin !== window.location.origin || answered.pathname !== login) return;
  event.detail.shouldSwap = false;
  const back = window.location.pathname + window.location.search;
  window.location.assign(`${login}?next=${encodeURIComponent(back)}`);
});

// Orders list: after paging, focus and scroll move to the top of the new results. After any
// swap the filter rows' values say whether they are invalid (their messages are swapped in).
document.addEventListener("htmx:afterSwap", (event) => {
  if (event.detail.target?.id !== "results") return;
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
  packdeskRestoreSelection();
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
  packdeskNumberRows();
  root.querySelectorAll("[data-filter-row]").forEach((row) => packdeskSyncRow(row, false));
  root.querySelectorAll("[data-add-row], [data-remove-row]").forEach((button) => { button.hidden = false; });
}

// Capture phase: fix the operator before htmx (listening on the form) reads the values.
// A row without a value filters nothing: choosing its field or operator (a keyboard's arrow
// keys fire `change` at every step) sends no request until a value is typed, unless the
// choice emptied a value the results were filtered by.
document.addEventListener("change", (event) => {
  if (event.target.matches("[data-filter-row] select[name=f], [data-filter-row] select[name=op]")) {
    const row = event.target.closest("[data-filter-row]");
    const value = row.querySelector("input[name=v]");
    const hadValue = Boolean(value && value.value);
    packdeskSyncRow(row, event.target.name === "f");
    if (value && !hadValue && !value.value) event.stopPropagation();
  }
}, true);

// The orders list's search box has its own triggers (typing, after a pause; Enter submits).
// Its `change`, which Chrome also fires on Enter just before the submit, must not send the
// same search a second time (queued behind the first, it hid an error banner and showed it
// again). Capture phase: stopped before htmx, listening on the form, sees it.
document.addEventListener("change", (event) => {
  if (event.target.matches("#filter-form input[type=search]")) event.stopPropagation();
}, true);

// Enter in a filter row's value box: Chrome fires the box's `change` and then the form's
// `submit`, both the form's triggers, so the same filters went twice. The `change` that Enter
// causes is dropped (the submit follows at once); leaving the box (Tab) still applies it.
let packdeskEnterIn = null;
document.addEventListener("keydown", (event) => {
  if (event.key !== "Enter" || !event.target.matches("#filter-form [data-filter-row] input")) return;
  packdeskEnterIn = event.target;
  setTimeout(() => { packdeskEnterIn = null; });
}, true);
document.addEventListener("change", (event) => {
  if (event.target === packdeskEnterIn) event.stopPropagation();
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
    packdeskNumberRows();
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
  row.querySelectorAll("select, input").forEach((control) => {
    control.value = "";
    control.removeAttribute("aria-invalid");
  });
  const error = row.querySelector(".field-error");
  if (error) error.textContent = "";
  last.after(row);
  packdeskNumberRows();
  packdeskSyncRow(row, false);
  row.querySelector("select").focus();
});

// Rows are numbered by their place on the page, as the server numbers the rows it is sent,
// so its out-of-band error messages (`#error-row-N`) always find their row.
function packdeskNumberRows() {
  document.querySelectorAll("[data-filter-row]").forEach((row, n) => {
    row.querySelectorAll("select, input").forEach((control) => {
      control.id = control.id.replace(/^id_row\d+_/, "id_row" + n + "_");
      control.setAttribute("aria-describedby", "error-row-" + n);
    });
    const error = row.querySelector(".field-error");
    if (error) error.id = "error-row-" + n;
  });
}

// The bulk selection of the orders list survives paging: the ticked orders (and the tracking
// numbers typed in their rows) are kept in sessionStorage under the list's view (its URL
// without the paging parameters), ticked again when their page comes back, and sent with the
// bulk form as hidden inputs when they are on another page. The bar counts them all.
const PACKDESK_PAGING = ["page", "after", "before"];
function packdeskSelectionKey() {
  const params = new URLSearchParams(location.search);
  PACKDESK_PAGING.forEach((name) => params.delete(name));
  params.sort();
  return "packdesk:selection:" + location.pathname + "?" + params.toString();
}
function packdeskSelection() {
  try { return JSON.parse(sessionStorage.getItem(packdeskSelectionKey())) || {}; }
  catch (error) { return {}; }
}
function packdeskSaveSelection(selection) {
  try {
    if (Object.keys(selection).length) sessionStorage.setItem(packdeskSelectionKey(), JSON.stringify(selection));
    else sessionStorage.removeItem(packdeskSelectionKey());
  } catch (error) { /* storage full or off: the selection stays this page's */ }
}
function packdeskOrderBoxes(form) {
  return [...form.querySelectorAll("input[type=checkbox][name=order]")];
}
function packdeskRowTracking(form, id) {
  return form.querySelector(`input[name="tracking-${CSS.escape(id)}"]`);
}
// Tick this page's boxes (and fill their tracking boxes) from the kept selection.
function packdeskRestoreSelection() {
  const bar = document.querySelector("[data-bulk-bar]");
  if (!bar) return;
  const selection = packdeskSelection();
  packdeskOrderBoxes(bar.form).forEach((box) => {
    if (!(box.value in selection)) return;
    box.checked = true;
    const tracking = packdeskRowTracking(bar.form, box.value);
    if (tracking && !tracking.value) tracking.value = selection[box.value];
  });
  packdeskSyncBulkBar();
}
// Keep what this page shows ticked; orders of other pages stay as they were.
function packdeskRecordSelection(form) {
  const selection = packdeskSelection();
  packdeskOrderBoxes(form).forEach((box) => {
    if (box.checked) {
      const tracking = packdeskRowTracking(form, box.value);
      selection[box.value] = tracking ? tracking.value.trim() : "";
    } else {
      delete selection[box.value];
    }
  });
  packdeskSaveSelection(selection);
}
function packdeskSyncBulkBar() {
  const bar = document.querySelector("[data-bulk-bar]");
  if (!bar) return;
  const count = Object.keys(packdeskSelection()).length;
  const boxes = packdeskOrderBoxes(bar.form);
  const all = bar.form.querySelector("[data-select-all]");
  if (all) all.checked = boxes.length > 0 && boxes.every((box) => box.checked);
  bar.classList.toggle("sticky", count > 0);
  // Whatever gets focus scrolls into view below the sticky bar, never behind it (WCAG 2.4.11).
  document.documentElement.style.scrollPaddingTop = count > 0 ? `${bar.offsetHeight + 8}px` : "";
  bar.querySelector("[data-selected-count]").textContent = count ? `(${count} selected)` : "";
  const clear = bar.querySelector("[data-clear-selection]");
  if (clear) clear.hidden = count === 0;
}
document.addEventListener("change", (event) => {
  const form = event.target.form;
  if (event.target.matches("[data-select-all]")) {
    packdeskOrderBoxes(form).forEach((box) => { box.checked = event.target.checked; });
  }
  if (event.target.matches("[data-select-all], input[type=checkbox][name=order], input.row-tracking")) {
    packdeskRecordSelection(form);
    packdeskSyncBulkBar();
  }
});
document.addEventListener("click", (event) => {
  const clear = event.target.closest("[data-clear-selection]");
  if (!clear) return;
  packdeskOrderBoxes(clear.form).forEach((box) => { box.checked = false; });
  packdeskSaveSelection({});
  packdeskSyncBulkBar();
  clear.form.querySelector("[data-select-all]")?.focus();
});
// Submitting acts on every kept order: those of other pages ride along as hidden inputs.
// Fulfilling ends the selection; printing (a new tab) keeps it.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.querySelector("[data-bulk-bar]")) return;
  packdeskRecordSelection(form);
  form.querySelectorAll("[data-carried]").forEach((input) => input.remove());
  const shown = new Set(packdeskOrderBoxes(form).map((box) => box.value));
  for (const [id, tracking] of Object.entries(packdeskSelection())) {
    if (shown.has(id)) continue;
    const carried = [["order", id]];
    if (tracking) carried.push([`tracking-${id}`, tracking]);
    for (const [name, value] of carried) {
      const input = document.createElement("input");
      Object.assign(input, {type: "hidden", name, value});
      input.dataset.carried = "";
      form.append(input);
    }
  }
  const action = event.submitter ? event.submitter.formAction : form.action;
  if (new URL(action, location.href).pathname === new URL(form.action, location.href).pathname) {
    packdeskSaveSelection({});
  }
});
document.addEventListener("DOMContentLoaded", packdeskRestoreSelection);
// Back and Forward restore htmx's snapshot of the page, which does not hold ticked boxes.
document.addEventListener("htmx:historyRestore", () => {
  packdeskNumberRows();
  packdeskRestoreSelection();
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

// A form posted without htmx that comes back with errors (log in, settings, a webhook
// endpoint) puts the cursor in the first field in error, whose description reads its error
// aloud, or, for an error about the whole form (a wrong password), on that error. The
// field's own autofocus (the login's username) would otherwise leave the error unheard.
function packdeskFocusFirstError() {
  const field = document.querySelector("main form[method=post] [aria-invalid=true]");
  const whole = document.querySelector("main form[method=post] .errorlist.nonfield");
  const target = field || whole;
  if (!target) return;
  if (target === whole) target.setAttribute("tabindex", "-1");
  target.focus();
}

document.addEventListener("DOMContentLoaded", () => {
  packdeskInitPrint(document);
  packdeskFocusFirstError();
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

// A key typed on the packing station with nothing focused (the page still loading when the
// scanner fires, a click on blank space) goes to the box the station focuses (the tracking box
// of an open order, else the scan box) instead of the page, so no scan loses its first
// characters. Keys held while a request is in flight are handled below.
document.addEventListener("keydown", (event) => {
  const station = document.querySelector("[data-scan-buffer]");
  if (!station || packdeskScan.busy || event.target !== document.body) return;
  if (event.key.length !== 1 || event.ctrlKey || event.metaKey || event.altKey) return;
  const box = station.querySelector("input[autofocus]:not([type=hidden])") || document.getElementById("scan");
  if (!box) return;
  event.preventDefault();
  box.focus();
  packdeskTypeInto(box, event.key);
}, true);

// ---- Packing station: the scanner never loses a key ----
// A scanner types the next code as soon as the last Enter is sent, often before the station's
// answer has arrived. Keys typed while a request of the station (`[data-scan-buffer]`) is in
// flight are held back, then typed into the box that has focus once the answer has settled
// (the new scan box, the tracking box), an Enter submitting it as if typed there. So a code is
// never split between the old box and the new one.
const packdeskScan = { busy: false, keys: [] };

function packdeskInStation(element) {
  return Boolean(element && element.closest && element.closest("[data-scan-buffer]"));
}

function packdeskUndo() {
  const form = document.querySelector("[data-undo]");
  if (!form) return false;
  form.requestSubmit();
  return true;
}

function packdeskTypeInto(target, text) {
  if (!text || !target || !target.matches("input[type=text], input:not([type]), input[type=search]")) return;
  const start = target.selectionStart ?? target.value.length;
  const end = target.selectionEnd ?? target.value.length;
  target.setRangeText(text, start, end, "end");
  target.dispatchEvent(new Event("input", { bubbles: true }));
}

// Type the held keys, up to and including the first Enter (which starts the next request;
// the rest waits for that one's answer).
function packdeskReplay() {
  while (packdeskScan.keys.length && !packdeskScan.busy) {
    const key = packdeskScan.keys.shift();
    const target = document.activeElement;
    if (key === "Undo") {
      packdeskUndo();
    } else if (!target || !target.matches("input") || !target.form) {
      // The answer asks for a decision (Ship anyway? Picked up?): a key typed before it was
      // on screen never answers it; a code typed ahead goes to the scan box, as when typed now.
      const box = document.getElementById("scan");
      if (key.length === 1 && box) {
        box.value = "";
        box.focus();
        packdeskScan.keys.unshift(key);
      }
    } else if (key === "Enter") {
      // An Enter held with nothing typed before it (a double Enter) carries no scan.
      if (target.value.trim()) target.form.requestSubmit();
    } else {
      let text = key;
      while (packdeskScan.keys.length && packdeskScan.keys[0].length === 1) text += packdeskScan.keys.shift();
      packdeskTypeInto(target, text);
    }
  }
}

function packdeskScanDone(replay) {
  if (!packdeskScan.busy) return;
  packdeskScan.busy = false;
  if (replay) {
    packdeskReplay();
  } else {
    // The answer never came (server or network error, shown at the top): what was typed
    // ahead belonged to a screen that never appeared, so it is dropped; the box's code is
    // selected, so Enter tries it again and the next scan replaces it.
    packdeskScan.keys = [];
    const active = document.activeElement;
    if (active && active.matches("input[type=text]")) active.select();
  }
}

document.addEventListener("htmx:beforeRequest", (event) => {
  if (packdeskInStation(event.detail.elt)) packdeskScan.busy = true;
});
document.addEventListener("htmx:afterSettle", (event) => {
  if (packdeskInStation(event.target)) packdeskScanDone(true);
});
document.addEventListener("htmx:afterRequest", (event) => {
  if (packdeskInStation(event.detail.elt) && event.detail.failed) packdeskScanDone(false);
});
["htmx:sendError", "htmx:sendAbort", "htmx:timeout", "htmx:swapError"].forEach((name) => {
  document.addEventListener(name, () => packdeskScanDone(false));
});

// Ctrl+Z (Cmd+Z) takes back the parcel just shipped while the station offers its undo, unless
// the focused box has text of its own to undo. Inside the offered Undo button, Escape goes
// back to the scan box.
function packdeskIsUndoKey(event) {
  return (event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey && event.key.toLowerCase() === "z";
}

document.addEventListener("keydown", (event) => {
  if (packdeskScan.busy) {
    const plain = event.key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey;
    if (plain || event.key === "Enter" || packdeskIsUndoKey(event)) {
      event.preventDefault();
      event.stopPropagation();
      packdeskScan.keys.push(packdeskIsUndoKey(event) ? "Undo" : event.key);
    }
    return;
  }
  if (packdeskIsUndoKey(event) && document.querySelector("[data-undo]")) {
    const active = document.activeElement;
    if (active && active.matches("input, textarea") && active.value) return;
    event.preventDefault();
    packdeskUndo();
    return;
  }
  // A scan while the station's focus is on a button (Picked up, Ship anyway, Undo) is meant
  // for the scan box: its characters go there, and its Enter scans instead of pressing the
  // button. Space and Enter typed alone still press the button.
  const onStationButton = event.target.matches && event.target.matches("button, a[href]")
    && packdeskInStation(event.target);
  if (onStationButton && event.key.length === 1 && event.key !== " " && !event.ctrlKey && !event.metaKey && !event.altKey) {
    const box = document.getElementById("scan");
    if (box) {
      event.preventDefault();
      box.value = "";
      box.focus();
      packdeskTypeInto(box, event.key);
      return;
    }
  }
  if (event.key === "Escape" && event.target.closest && event.target.closest("[data-undo]")) {
    const box = document.getElementById("scan");
    if (box) {
      event.preventDefault();
      box.focus();
    }
  }
}, true);
