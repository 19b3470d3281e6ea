// Hotline desk, campaigns page: each outbound campaign as it runs (state,
// agents, leads by state, dials, answers, abandons against the cap, today's
// talk), its controls, lead import from a CSV file and export. The figures
// follow the change stream; the lead counts and talk are read again when a
// campaign's figures move (at most every few seconds). Supervisors only:
// the API refuses agents all of it.
"use strict";

Object.assign(I18N.ru, {
  "camp-page": "Кампании", "camp-title": "Исходящие кампании", "camp-name": "Кампания", "camp-state": "Состояние",
  "camp-mode": "Режим · вид", "camp-agents": "Операторы", "camp-leads": "Контакты", "camp-dials": "Наборы",
  "camp-answers": "Ответили", "camp-connected": "Соединено", "camp-abandoned": "Брошено", "camp-rate": "Брошено / предел (окно)",
  "camp-talk": "Разговор сегодня", "camp-actions": "Действия", "camp-none": "Кампаний нет",
  "camp-running": "идёт", "camp-paused": "пауза", "camp-stopped": "остановлена", "camp-outside-hours": "вне расписания",
  "camp-start": "Запустить", "camp-pause": "Пауза", "camp-resume": "Продолжить", "camp-stop": "Остановить",
  "camp-export": "Выгрузить CSV", "camp-survey": "Ответы опроса", "camp-close": "Закрыть", "camp-ringing": "звонят", "camp-skipped": "пропущено", "camp-live": "на линии", "camp-aht": "ср. обработка",
  "camp-shutdown": "обрыв АТС", "camp-shutdown-why": "Контакты, чьи звонки оборвала остановка АТС; их наберут снова",
  "camp-import-title": "Загрузка контактов", "camp-file": "Файл CSV", "camp-map": "Столбцы (phone=…, name=…)",
  "camp-region": "Страна номеров без кода страны", "camp-import": "Загрузить", "camp-rows": "строк", "camp-imported": "загружено",
  "camp-dup-file": "повторов в файле", "camp-dup-campaign": "уже в кампании", "camp-refused": "отклонено", "camp-row": "Строка",
  "camp-pick-file": "Выберите файл CSV", "camp-lead": "Контакт", "camp-phone": "Номер",
  "camp-ls-new": "новые", "camp-ls-due": "к набору", "camp-ls-scheduled": "повтор", "camp-ls-dialing": "набор", "camp-ls-answered": "ответили",
  "camp-ls-connected": "на связи", "camp-ls-callback": "перезвонить", "camp-ls-done": "готово", "camp-ls-failed": "неудача", "camp-ls-do-not-call": "не звонить",
  "camp-skips": "пропуски", "camp-skip-none": "без причины", "camp-skip-timeout": "истекло время",
  "camp-more": "Ещё ответы", "camp-answers-shown": "Показано", "camp-answers-left": "есть ещё",
  "camp-m-preview": "просмотр", "camp-m-progressive": "поочерёдный", "camp-m-power": "кратный",
  "camp-m-predictive": "прогнозный", "camp-k-agent": "оператор", "camp-k-survey": "опрос",
  "camp-k-notification": "оповещение", "camp-unit-d": "д", "camp-unit-h": "ч",
  "camp-paced": "Темп по последним наборам", "camp-paced-live": "ответили живые", "camp-paced-talks": "разговоров",
  "camp-paced-mean": "в среднем", "camp-paced-wrap": "обработка",
});

const campData = {
  leads: new Map(),  // campaign → its lead counts (GET .../lead-states)
  talk: new Map(),   // campaign → today's report row
  seen: new Map(),   // campaign → its figures when the lead counts were last asked for
  timers: new Map(), // campaign → pending lead count read
  talkTimer: null,
  answers: { name: "", leads: [], ids: new Set(), next: "" }, // the survey answers shown, and the API's next page
};

// CAMP_ACTIONS are the actions each state allows (the engine's run table,
// less those that change nothing).
const CAMP_ACTIONS = { stopped: ["start"], running: ["pause", "stop"], paused: ["resume", "stop"] };
const CAMP_LEAD_STATES = ["new", "due", "scheduled", "dialing", "answered", "connected", "callback", "done", "failed", "do-not-call"];
const CAMP_SOON = 2000; // ms between reads of one campaign's lead counts

const campPath = (name) => `/api/v1/campaigns/${encodeURIComponent(name)}`;
const pct = (x) => `${(Math.round((x || 0) * 1000) / 10)}%`;

function campShown() { return me && me.role !== "agent" && !$("campaigns-view").hidden; }

// campState is the state to show: a running campaign whose schedule is
// closed dials no one, and says so.
function campState(k) { return k.state === "running" && k.outside_hours ? "outside-hours" : k.state; }

function fmtWindow(secs) {
  const h = Math.round((secs || 0) / 3600);
  // The number and its unit on one line.
  return h >= 48 && h % 24 === 0 ? `${h / 24}\u00a0${t("camp-unit-d", "d")}` : `${h}\u00a0${t("camp-unit-h", "h")}`;
}

async function campLeads(name) {
  campData.timers.delete(name);
  try {
    campData.leads.set(name, await api("GET", `${campPath(name)}/lead-states`));
  } catch (e) {
    campData.leads.set(name, { error: e.message });
  }
  campRender();
}

// campLeadsSoon reads a campaign's lead counts again, once the figures
// stop moving for a moment or at most every CAMP_SOON.
function campLeadsSoon(name) {
  if (!campData.timers.has(name)) campData.timers.set(name, setTimeout(() => campLeads(name), CAMP_SOON));
}

async function campTalk() {
  if (!campShown()) return;
  const now = new Date(), from = new Date(now);
  from.setHours(0, 0, 0, 0);
  const q = new URLSearchParams({ from: from.toISOString(), to: now.toISOString(), interval: "period" });
  try {
    const rep = await api("GET", `/api/v1/reports/campaigns?${q}`);
    campData.talk = new Map((rep.totals || []).map((r) => [r.campaign, r]));
  } catch (e) { /* the talk column stays as it was */ }
  campRender();
}

// campRow finds or makes a campaign's row: rows are kept, so a button
// keeps the focus while the figures change around it.
function campRow(tbody, name) {
  let tr = tbody.querySelector(`tr[data-campaign="${CSS.escape(name)}"]`);
  if (tr) return tr;
  tr = document.createElement("tr");
  tr.dataset.campaign = name;
  for (const col of ["name", "state", "mode", "agents", "leads", "dials", "answers", "connected", "abandoned", "rate", "talk"]) {
    const td = document.createElement("td");
    td.dataset.col = col;
    tr.appendChild(td);
  }
  const td = document.createElement("td");
  td.className = "camp-actions";
  for (const action of ["start", "pause", "resume", "stop"]) {
    td.appendChild(button(`camp-${action}`, action[0].toUpperCase() + action.slice(1), { campaign: name, action }));
  }
  const a = document.createElement("a");
  a.href = `${campPath(name)}/leads.csv`;
  a.download = `${name}-leads.csv`;
    a.className = "camp-export";
  td.appendChild(a);
  const ans = button("camp-survey", "Survey answers", { campaign: name, answers: "1" });
  ans.hidden = true;
  td.appendChild(ans);
  tr.appendChild(td);
  tbody.appendChild(tr);
  return tr;
}

function campLeadText(ls) {
  if (!ls) return "…";
  if (ls.error) return ls.error;
  const parts = [];
  for (const s of CAMP_LEAD_STATES) {
    const n = s === "due" ? ls.due : (ls.states || {})[s];
    if (n) parts.push(`${t(`camp-ls-${s}`, s)} ${n}`);
  }
  let text = `${ls.total}: ${parts.join(" · ")}`;
  // A preview campaign's skips by reason, the most given first.
  const skips = Object.entries(ls.skips || {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (skips.length) {
    const name = (r) => r === "" ? t("camp-skip-none", "no reason") : r === "timeout" ? t("camp-skip-timeout", "timed out") : r;
    text += ` — ${t("camp-skips", "skips")}: ${skips.map(([r, n]) => `${name(r)} ${n}`).join(" · ")}`;
  }
  return text;
}

// campLearnedText says what the campaign's pacer paces by (kept across
// restarts); "" before it has figures of its own.
function campLearnedText(l) {
  if (!l || !(l.dials || l.talks)) return "";
  return `${t("camp-paced", "Paced by its last dials")}: ${l.dials} (${pct(l.answer_rate)} ${t("camp-paced-live", "answered live")}), ` +
    `${l.talks} ${t("camp-paced-talks", "talks")} (${t("camp-paced-mean", "mean")} ${fmtSecs(l.mean_talk)}, ${t("camp-paced-wrap", "wrap-up")} ${fmtSecs(l.mean_wrap)})`;
}

function campRender() {
  const tbody = document.querySelector("#campaigns tbody");
  if (!me || me.role === "agent") { tbody.replaceChildren(); return; }
  const list = [...state.campaigns.values()];
  $("campaigns-none").hidden = list.length > 0;
  for (const tr of [...tbody.rows]) if (!state.campaigns.has(tr.dataset.campaign)) tr.remove();
  for (const k of list) {
    const tr = campRow(tbody, k.name);
    const st = k.stats || {};
    const col = (c) => tr.querySelector(`td[data-col="${c}"]`);
    const shown = campState(k);
    col("name").textContent = k.name;
    col("state").textContent = t(`camp-${shown}`, shown === "outside-hours" ? "outside schedule" : shown);
    col("state").className = `state cstate-${shown}`;
    col("state").title = k.paused_because || ""; // why Hotline paused it itself
    col("mode").textContent = `${t("camp-m-" + k.mode, k.mode)} · ${t("camp-k-" + k.kind, k.kind)}`;
    col("mode").title = campLearnedText(k.learned);
    col("agents").textContent = k.agents;
    col("leads").textContent = campLeadText(campData.leads.get(k.name));
    const dials = k.ringing ? `${st.dialed || 0} (${t("camp-ringing", "ringing")} ${k.ringing})` : `${st.dialed || 0}`;
    // A preview campaign's agents also skip leads: how many, beside its dials.
    col("dials").textContent = k.mode === "preview" ? `${dials} · ${t("camp-skipped", "skipped")} ${st.skipped_preview || 0}` : dials;
    col("answers").textContent = k.live ? `${st.answered || 0} (${t("camp-live", "live")} ${k.live})` : `${st.answered || 0}`;
    col("connected").textContent = `${st.connected || 0}`;
    // Dials the PBX cut as it shut down: retried, neither failed nor abandoned.
    col("abandoned").textContent = st.switch_shutdown ? `${st.abandoned || 0} · ${t("camp-shutdown", "PBX shutdown")} ${st.switch_shutdown}` : `${st.abandoned || 0}`;
    col("abandoned").title = st.switch_shutdown ? t("camp-shutdown-why", "Leads whose calls a PBX shutdown cut; they are dialed again") : "";
    col("rate").textContent = `${pct(k.abandon_rate)} / ${pct(k.abandon_cap)} (${fmtWindow(k.abandon_window)})`;
    col("rate").classList.toggle("over", k.abandon_cap > 0 && k.abandon_rate > k.abandon_cap);
    const talk = campData.talk.get(k.name);
    col("talk").textContent = talk ? `${fmtSecs(talk.talk_s)} · ${t("camp-aht", "AHT")} ${fmtSecs(talk.aht_s)}` : "";
    const allowed = CAMP_ACTIONS[k.state] || [];
    for (const b of tr.querySelectorAll("button[data-action]")) {
      b.textContent = t(`camp-${b.dataset.action}`, b.dataset.action[0].toUpperCase() + b.dataset.action.slice(1));
      b.disabled = !allowed.includes(b.dataset.action);
    }
    tr.querySelector(".camp-export").textContent = t("camp-export", "Export CSV");
    const ans = tr.querySelector("button[data-answers]");
    ans.hidden = k.kind !== "survey";
    ans.textContent = t("camp-survey", "Survey answers");
    // Lead counts move with the figures: read them again when these change.
    const sig = `${k.state}|${st.dialed}|${st.answered}|${st.connected}|${st.abandoned}|${k.ringing}|${k.live}|${st.skipped_dnc}|${st.skipped_preview}|${st.switch_shutdown}`;
    if (campData.seen.get(k.name) !== sig) {
      campData.seen.set(k.name, sig);
      if (campShown()) campLeadsSoon(k.name);
    }
  }
  const sel = $("camp-import-campaign");
  const names = list.map((k) => k.name);
  if ([...sel.options].map((o) => o.value).join("\n") !== names.join("\n")) {
    const keep = sel.value;
    sel.replaceChildren(...names.map((n) => new Option(n, n)));
    if (names.includes(keep)) sel.value = keep;
  }
}

async function campAction(b) {
  $("camp-error").textContent = "";
  try {
    const st = await api("POST", `${campPath(b.dataset.campaign)}/${b.dataset.action}`);
    state.campaigns.set(st.name, Object.assign({}, state.campaigns.get(st.name), st));
    campRender();
    // The button pressed may be disabled now: keep the keyboard in the row.
    if (b.disabled) {
      const next = b.closest("tr").querySelector("button[data-action]:not(:disabled)");
      if (next) next.focus();
    }
  } catch (e) {
    $("camp-error").textContent = `${b.dataset.campaign}: ${e.message}`;
  }
}

const CAMP_ANSWERS_PAGE = 200; // answered leads read at a time; More reads the next page

// campAnswersPage reads a page of answered leads and the URL of the next
// page the API gives in its Link header (rel="next"), "" on the last.
async function campAnswersPage(path) {
  const resp = await fetch(path, { credentials: "same-origin" });
  const data = await resp.json().catch(() => null);
  if (!resp.ok) throw new Error((data && data.error) || resp.statusText);
  const next = /<([^>]*)>\s*;\s*rel="next"/.exec(resp.headers.get("Link") || "");
  return { leads: data || [], next: next ? next[1] : "" };
}

// campAnswers lists a survey campaign's leads with their answers, a page
// at a time: more, it adds the next page to those shown.
async function campAnswers(name, more) {
  $("camp-error").textContent = "";
  const shown = campData.answers;
  let page;
  try {
    page = await campAnswersPage(more ? shown.next : `${campPath(name)}/leads?answered=1&limit=${CAMP_ANSWERS_PAGE}`);
  } catch (e) {
    $("camp-error").textContent = `${name}: ${e.message}`;
    return;
  }
  if (!more) Object.assign(shown, { name, leads: [], ids: new Set() });
  // A lead answered meanwhile moves the pages' offsets: one shown already is not shown twice.
  for (const l of page.leads) if (!shown.ids.has(l.id)) { shown.ids.add(l.id); shown.leads.push(l); }
  shown.next = page.next;
  const leads = shown.leads;
  const keys = [...new Set(leads.flatMap((l) => Object.keys(l.answers || {})))].sort();
  const table = $("camp-answers-table");
  const head = document.createElement("tr");
  for (const h of [t("camp-lead", "Lead"), t("camp-phone", "Number"), ...keys]) {
    const th = document.createElement("th");
    th.textContent = h;
    head.appendChild(th);
  }
  table.tHead.replaceChildren(head);
  table.tBodies[0].replaceChildren(...leads.map((l) => {
    const tr = document.createElement("tr");
    cell(tr, l.name || l.id); cell(tr, l.phone);
    for (const k of keys) cell(tr, (l.answers || {})[k] || "");
    return tr;
  }));
  $("camp-answers-name").textContent = name;
  $("camp-answers-count").textContent = `${t("camp-answers-shown", "Shown")}: ${leads.length}` + (shown.next ? ` (${t("camp-answers-left", "more to read")})` : "");
  $("camp-answers-more").hidden = !shown.next;
  $("camp-answers").hidden = false;
  // The More pressed is gone with the last page: the focus goes to Close.
  if (!more || !shown.next) $("camp-answers-close").focus();
}

async function campImport(e) {
  e.preventDefault();
  const out = $("camp-import-result"), errs = $("camp-import-errors");
  out.textContent = ""; errs.replaceChildren(); $("camp-import-error").textContent = "";
  const file = $("camp-file").files[0];
  if (!file) { $("camp-import-error").textContent = t("camp-pick-file", "Choose a CSV file"); $("camp-file").focus(); return; }
  const name = $("camp-import-campaign").value;
  const q = new URLSearchParams();
  if ($("camp-map").value.trim()) q.set("map", $("camp-map").value.trim());
  if ($("camp-region").value.trim()) q.set("region", $("camp-region").value.trim().toUpperCase());
  $("camp-import-btn").disabled = true;
  try {
    const resp = await fetch(`${campPath(name)}/leads?${q}`, { method: "POST", credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf, "Content-Type": "text/csv" }, body: file });
    const r = await resp.json().catch(() => ({}));
    if (!resp.ok) throw new Error(r.error || resp.statusText);
    const refused = (r.errors || []).length;
    out.textContent = `${name}: ${r.rows} ${t("camp-rows", "rows")}; ${t("camp-imported", "imported")} ${r.imported}, ` +
      `${t("camp-dup-file", "duplicates in the file")} ${r.duplicates_in_file}, ${t("camp-dup-campaign", "already in the campaign")} ${r.duplicates_in_campaign}, ` +
      `${t("camp-refused", "refused")} ${refused}`;
    for (const re of r.errors || []) {
      const li = document.createElement("li");
      li.dataset.row = re.row;
      li.textContent = `${t("camp-row", "Row")} ${re.row}${re.column ? ` (${re.column})` : ""}: ${re.error}`;
      errs.appendChild(li);
    }
    campLeads(name);
  } catch (err) {
    $("camp-import-error").textContent = `${name}: ${err.message}`;
  } finally {
    $("camp-import-btn").disabled = false;
  }
}

// campOpen runs when the page is shown: every count is read afresh.
function campOpen() {
  if (!campShown()) { clearInterval(campData.talkTimer); campData.talkTimer = null; return; }
  for (const name of state.campaigns.keys()) campLeads(name);
  campTalk();
  if (!campData.talkTimer) campData.talkTimer = setInterval(campTalk, 15000);
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelector("#campaigns tbody").addEventListener("click", (e) => {
    const b = e.target.closest("button");
    if (!b) return;
    if (b.dataset.answers) campAnswers(b.dataset.campaign);
    else campAction(b);
  });
  $("camp-import").addEventListener("submit", campImport);
  $("camp-answers-close").addEventListener("click", () => { $("camp-answers").hidden = true; });
  $("camp-answers-more").addEventListener("click", () => campAnswers(campData.answers.name, true));
  new MutationObserver(campOpen).observe($("campaigns-view"), { attributes: true, attributeFilter: ["hidden"] });
});
