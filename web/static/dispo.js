// Desk: the disposition of the agent's last call. On a campaign's call the
// API offers the campaign's dispositions; a callback one asks when to call
// back (a local time, sent as RFC 3339 with the browser's offset) and for
// whom: the agent, anyone, or an agent who works the campaign (a name when
// the API offers none). A refusal is shown next to the field it names.
"use strict";

Object.assign(I18N.ru, {
  callback: "Перезвонить", "callback-at": "Когда", "callback-to": "Кто перезвонит", "callback-agent": "Оператор",
  "for-me": "я", "for-anyone": "любой", "for-other": "другой оператор…",
});

// dispoChoices is what the API offers for dispoChoices.call (GET
// /api/v1/calls/ID/dispositions); null until the form is shown for a call.
let dispoChoices = null;

// dispoFor is the call the form's fields were typed for.
let dispoFor = "";

// deskDispo keeps the form's offers in line with its call; render calls it.
// A form shown for another call than before starts empty: what was typed
// and not saved belongs to the call before.
function deskDispo() {
  if ($("dispo-form").hidden || !lastCall) return;
  if (dispoFor !== lastCall) {
    dispoFor = lastCall;
    dispoClear();
  }
  if (!dispoChoices || dispoChoices.call !== lastCall) loadDispoChoices(lastCall);
  fillCallbackTo();
  showCallback();
}

async function loadDispoChoices(call) {
  dispoChoices = { call, dispositions: [], callback_to: [] };
  let got = null;
  try {
    got = await api("GET", `/api/v1/calls/${encodeURIComponent(call)}/dispositions`);
  } catch (e) {
    // as for a call of no campaign: any disposition, no callback fields
  }
  if (dispoChoices.call !== call) return; // another call since
  Object.assign(dispoChoices, got);
  $("dispo-list").replaceChildren(...dispoChoices.dispositions.map((d) => Object.assign(document.createElement("option"), { value: d.name })));
  fillCallbackTo();
  showCallback();
}

// fillCallbackTo offers me, anyone and the campaign's other agents; with
// none offered, another agent by name.
function fillCallbackTo() {
  const others = ((dispoChoices && dispoChoices.callback_to) || []).filter((id) => id !== deskAgent());
  const opts = [["me", t("for-me", "me")], ["anyone", t("for-anyone", "anyone")]];
  if (others.length) opts.push(...others.map((id) => [id, (state.agents.get(id) || {}).name || id]));
  else opts.push(["", t("for-other", "another agent…")]);
  const sel = $("callback-to");
  const key = lang + "\n" + opts.map((o) => o.join("=")).join("\n");
  if (sel.dataset.key === key) return;
  const was = sel.dataset.key ? sel.value : "anyone";
  sel.dataset.key = key;
  sel.replaceChildren(...opts.map(([value, text]) => Object.assign(document.createElement("option"), { value, textContent: text })));
  sel.value = opts.some(([v]) => v === was) ? was : "anyone";
}

// isCallback reports whether the disposition typed is one of the
// campaign's callback dispositions.
function isCallback() {
  const name = $("dispo").value.trim();
  return !!dispoChoices && dispoChoices.dispositions.some((d) => d.callback && d.name === name);
}

function showCallback() {
  $("dispo-callback").hidden = !isCallback();
  $("callback-agent-row").hidden = $("callback-to").value !== "";
}

// withOffset writes a datetime-local value ("2026-12-03T15:00") as RFC 3339
// with the browser's offset at that time ("2026-12-03T15:00:00+01:00").
function withOffset(local) {
  const d = new Date(local);
  if (!local || isNaN(d)) return "";
  const two = (n) => String(n).padStart(2, "0");
  const off = -d.getTimezoneOffset();
  const sign = off < 0 ? "-" : "+";
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}` +
    `${sign}${two(Math.floor(Math.abs(off) / 60))}:${two(Math.abs(off) % 60)}`;
}

// dispoErrors clears the form's errors, or shows err next to the field its
// text names (callback_at, callback_to), else under the form.
function dispoErrors(err) {
  const fields = { "callback-at-error": "callback-at", "callback-to-error": "callback-to" };
  for (const [box, field] of Object.entries(fields)) { $(box).textContent = ""; $(field).removeAttribute("aria-invalid"); }
  $("dispo-error").textContent = "";
  if (!err) return;
  const m = /callback_(at|to)/.exec(err.message);
  const field = m && !$("dispo-callback").hidden ? `callback-${m[1]}` : "";
  if (field) {
    $(`${field}-error`).textContent = err.message;
    $(field).setAttribute("aria-invalid", "true");
    $(field).focus();
  } else {
    $("dispo-error").textContent = err.message;
  }
}

function dispoClear() {
  for (const id of ["dispo", "notes", "callback-at", "callback-agent"]) $(id).value = "";
  delete $("notes").dataset.touched;
  $("callback-to").value = "anyone";
  dispoErrors(null);
}

async function fileDispo(e) {
  e.preventDefault();
  dispoErrors(null);
  const body = { disposition: $("dispo").value.trim() };
  // Notes left out keep those filed before; an empty field the agent did
  // not touch (emptied after the last filing) must not erase them.
  if ($("notes").value || $("notes").dataset.touched) body.notes = $("notes").value;
  if (isCallback()) {
    const at = $("callback-at").value;
    if (at) body.callback_at = withOffset(at);
    const to = $("callback-to").value || $("callback-agent").value.trim();
    if (to) body.callback_to = to;
  }
  try {
    await api("POST", `/api/v1/calls/${encodeURIComponent(lastCall)}/disposition`, body);
  } catch (err) {
    dispoErrors(err);
    return;
  }
  dispoClear();
  filedCall = lastCall;
  lastCall = "";
  dispoChoices = null;
  render();
}

document.addEventListener("DOMContentLoaded", () => {
  $("dispo-form").addEventListener("submit", fileDispo);
  $("dispo").addEventListener("input", showCallback);
  $("notes").addEventListener("input", () => { $("notes").dataset.touched = "1"; });
  $("callback-to").addEventListener("change", showCallback);
});
