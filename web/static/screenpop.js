// Desk: who is calling (the contact with its tags, the way through the IVR,
// the last interactions) and the lead a preview campaign shows the agent,
// to dial or skip. Keys: C dials the lead, S skips it.
"use strict";

Object.assign(I18N.ru, {
  ivr: "Путь в IVR", contact: "Контакт", company: "Компания", tags: "Метки", history: "Последние обращения",
  "new-caller": "Новый звонящий", "no-history": "Обращений не было",
  recording: "Запись", "recording-failed": "не записана", "recording-pending": "ещё пишется", download: "Скачать",
  "preview-lead": "Клиент кампании", campaign: "Кампания", lead: "Клиент", phone: "Номер", attempts: "Попыток",
  expires: "Истекает", dial: "Позвонить", skip: "Пропустить", "on-timeout-dial": "затем звонок сам", "on-timeout-skip": "затем пропуск",
  "skip-reason": "Причина пропуска", "skip-note": "Заметка к пропуску", "no-reason": "— без причины —", "pick-reason": "— выберите причину —",
  "skipped-before": "Пропускали раньше", "skip-timeout": "истекло время",
});

// pop is the screen pop of the desk's current call: fetched once per call.
const pop = { call: "", offer: null, error: "", tries: 0 };

// deskPop is called after every render with the desk's agent and call.
function deskPop(a, call) {
  renderPreview(a && !call ? a.preview : null);
  if (!call) { pop.call = ""; pop.offer = null; return; }
  $("call-ivr").textContent = call.ivr || "";
  $("call-ivr-row").hidden = !call.ivr;
  if (pop.call !== call.id) {
    Object.assign(pop, { call: call.id, offer: null, error: "", tries: 0 });
    fetchOffer(call.id);
  }
  renderContact(call);
}

// fetchOffer reads the screen pop. The API's snapshot may trail the change
// stream by a publish interval: a 404 is tried again a few times.
async function fetchOffer(id) {
  try {
    const o = await api("GET", `/api/v1/agents/${encodeURIComponent(deskAgent())}/offer`);
    if (pop.call !== id) return;
    if (o.call && o.call.id !== id) throw Object.assign(new Error("other call"), { status: 404 });
    pop.offer = o;
  } catch (e) {
    if (pop.call !== id) return;
    if (e.status === 404 && ++pop.tries < 5) { setTimeout(() => pop.call === id && fetchOffer(id), 200); return; }
    pop.error = e.status === 503 ? "" : e.message; // 503: contacts are off, nothing to show
  }
  render();
}

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

function renderContact(call) {
  const box = $("call-contact");
  const ct = pop.offer && pop.offer.contact;
  const tags = (ct && ct.tags) || (call.contact && call.contact.tags) || [];
  const known = call.contact ? call.contact.known : !!ct;
  $("contact-name").textContent = (ct && ct.name) || (!known ? t("new-caller", "New caller") : (ct && ct.phones && ct.phones[0]) || call.caller || "");
  $("contact-company").textContent = (ct && ct.company) || "";
  $("contact-company-row").hidden = !(ct && ct.company);
  $("contact-tags").replaceChildren(...tags.map((tag) => el("li", tag, "tag")));
  $("contact-tags-row").hidden = tags.length === 0;
  $("contact-error").textContent = pop.error;
  const hist = (ct && ct.interactions) || [];
  const ul = $("contact-history");
  ul.replaceChildren(...hist.filter((i) => i.call_id !== call.id).map((i) => {
    const li = el("li");
    li.dataset.call = i.call_id;
    li.append(el("time", new Date(i.at).toLocaleString(lang)));
    const parts = [i.queue, i.agent, i.outcome && t(i.outcome, i.outcome), i.talk ? fmtSecs(i.talk) : "", i.disposition, i.withheld].filter(Boolean);
    li.append(" " + parts.join(" · "));
    if (i.notes) li.append(el("q", i.notes));
    if (i.recordings && i.recordings.length) li.append(recordingLinks(i.recordings));
    return li;
  }));
  $("contact-history-none").hidden = !ct || ul.children.length > 0;
  box.hidden = !ct && !call.contact && !pop.error;
}

// recordingLinks lists every recording of a call in the history (one per
// leg across transfers, more under on-demand), each to play or download.
function recordingLinks(recs) {
  const ul = el("ul", undefined, "recordings");
  for (const r of recs) {
    const li = el("li");
    li.dataset.n = String(r.n);
    const label = `${t("recording", "Recording")} ${r.n}` + (r.agent ? ` (${r.agent})` : "");
    if (!r.url) {
      li.append(el("span", `${label}: ${r.failed ? t("recording-failed", "failed") : t("recording-pending", "not finished yet")}`, "muted"));
    } else {
      const play = el("a", label, "recording-play");
      play.href = r.url;
      play.target = "_blank";
      const dl = el("a", t("download", "Download"), "recording-download");
      dl.href = r.url + "&download=1";
      li.append(play, " ", dl);
    }
    ul.append(li);
  }
  return ul;
}

// renderPreview shows the lead of a preview campaign, or hides the card.
function renderPreview(p) {
  $("desk-preview").hidden = !p;
  if (!p) return;
  const lead = p.lead || {};
  $("preview-campaign").textContent = p.campaign;
  $("preview-name").textContent = lead.name || "";
  $("preview-phone").textContent = lead.phone || "";
  $("preview-attempts").textContent = String(lead.attempts || 0);
  const when = p.expires ? new Date(p.expires).toLocaleTimeString(lang) : "";
  $("preview-expires").textContent = when + (p.on_timeout ? ` (${t("on-timeout-" + p.on_timeout, "then " + p.on_timeout)})` : "");
  const fields = Object.keys(lead.fields || {}).sort();
  $("preview-fields").replaceChildren(...fields.flatMap((k) => [el("dt", k), el("dd", lead.fields[k])]));
  // The skips the lead keeps (a lead stored before the history has its last only), newest first.
  const skips = (lead.skip_history || (lead.last_skip ? [lead.last_skip] : [])).slice().reverse();
  $("preview-skips-row").hidden = skips.length === 0;
  $("preview-skips").replaceChildren(...skips.map((s) => {
    const why = s.reason === "timeout" ? t("skip-timeout", "timed out") : s.reason || t("no-reason", "— no reason —");
    const at = s.at ? new Date(s.at).toLocaleString(lang, { dateStyle: "short", timeStyle: "short" }) : "";
    return el("li", [at, s.agent, why].filter(Boolean).join(" · ") + (s.note ? ` — ${s.note}` : ""));
  }));
  // The reason picker and note are reset for each lead shown, kept while
  // the same lead is shown (every status render comes here).
  const shownKey = `${p.campaign}|${lead.id}|${p.offered}`;
  if ($("desk-preview").dataset.shown !== shownKey) {
    $("desk-preview").dataset.shown = shownKey;
    const reasons = p.skip_reasons || [];
    const none = p.skip_reason_required ? t("pick-reason", "— pick a reason —") : t("no-reason", "— no reason —");
    const opt = (value, text) => { const o = document.createElement("option"); o.value = value; o.textContent = text; return o; };
    $("preview-reason").replaceChildren(opt("", none), ...reasons.map((r) => opt(r, r)));
    $("preview-reason").required = !!p.skip_reason_required;
    $("preview-reason-row").hidden = reasons.length === 0;
    $("preview-note").value = "";
  }
  $("desk-preview").dataset.lead = lead.id || "";
}

async function previewDecision(decision) {
  $("desk-error").textContent = "";
  const b = $(`btn-preview-${decision}`);
  b.disabled = true;
  let body;
  if (decision === "skip") {
    const reason = $("preview-reason").value, note = $("preview-note").value.trim();
    if (reason || note) body = { reason: reason || undefined, note: note || undefined };
  }
  try {
    await api("POST", `/api/v1/agents/${encodeURIComponent(deskAgent())}/preview/${decision}`, body);
  } catch (e) {
    $("desk-error").textContent = e.message;
  } finally {
    b.disabled = false;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("btn-preview-dial").addEventListener("click", () => previewDecision("dial"));
  $("btn-preview-skip").addEventListener("click", () => previewDecision("skip"));
  document.addEventListener("keydown", (e) => {
    if ($("desk-preview").hidden) return;
    const k = shortcut(e);
    if (k === "c") { e.preventDefault(); $("btn-preview-dial").click(); }
    if (k === "s") { e.preventDefault(); $("btn-preview-skip").click(); }
  });
});
