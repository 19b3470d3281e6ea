// Hotline desk: sign-in, agent desktop, wallboard. Reads the API and
// follows the change stream; holds no data of its own.
"use strict";

const I18N = {
  en: {},
  ru: {
    "chart-hour": "1 ч", "chart-15m": "15 мин", "role-agent": "оператор", "role-supervisor": "супервизор", "role-admin": "администратор",
    desk: "Рабочее место", wallboard: "Табло", signout: "Выйти", signin: "Вход", name: "Имя", password: "Пароль",
    agent: "Оператор", login: "Начать смену", ready: "Готов", reason: "Причина", pause: "Пауза", logout: "Закончить смену",
    call: "Звонок", caller: "Звонящий", queue: "Очередь", phase: "Этап", wrapup: "Обработка", disposition: "Итог",
    notes: "Заметки", save: "Сохранить", queues: "Очереди", waiting: "Ждут", longest: "Дольше всех", answered: "Отвечено",
    "q-abandoned": "Потеряно", sl: "Уровень сервиса", busy: "Заняты", agents: "Операторы", state: "Состояние", since: "С",
    updated: "Обновлено", "bad-login": "Неверное имя или пароль", pending: "После звонка:",
    "pause-reason": "Причина паузы", "my-phone": "Мой телефон (прослушать, подсказать, вмешаться)", actions: "Действия",
    "live-calls": "Текущие звонки", monitor: "Контроль", listen: "Слушать", whisper: "Подсказать", barge: "Вмешаться", "spy-stop": "Прекратить:",
    "no-endpoint": "Укажите свой телефон для прослушивания", offline: "Нет связи с сервером: данные устарели, переподключаемся…", "session-ended": "Сеанс завершён: войдите снова",
    "session-idle": "Сеанс завершён: страницей долго не пользовались. Войдите снова",
    "logged-out": "не в смене", available: "готов", ringing: "звонок", "on-call": "разговор", "wrap-up": "обработка", paused: "пауза",
    "phase-new": "новый", "phase-menu": "в меню", "phase-queued": "в очереди", "phase-offering": "вызов оператора",
    "phase-bridged": "разговор", "phase-held": "на удержании", "phase-consulting": "консультация", "phase-transferring": "перевод",
    "phase-external": "внешний номер", "phase-leaving": "завершается", "phase-ended": "завершён",
    "unit-min": " мин ", "unit-s": " с",
  },
};
let lang = localStorage.getItem("hotline-lang") || (navigator.language || "en").slice(0, 2);
if (!I18N[lang]) lang = "en";
const t = (key, fallback) => (I18N[lang] && I18N[lang][key]) || fallback || key;

function applyLang() {
  document.documentElement.lang = lang;
  document.getElementById("lang").value = lang;
  for (const el of document.querySelectorAll("[data-i18n]")) {
    if (!el.dataset.en) el.dataset.en = el.textContent;
    el.textContent = t(el.dataset.i18n, el.dataset.en);
  }
  if (me && me.name) $("who").textContent = `${me.name} (${t("role-" + me.role, me.role)})`;
  render();
}

const $ = (id) => document.getElementById(id);
let me = null;          // {name, role, agent}
let csrf = sessionStorage.getItem("hotline-csrf") || "";
let stream = null;
const state = { queues: new Map(), agents: new Map(), calls: new Map(), campaigns: new Map(), monitors: new Map(), now: null };
let lastCall = "";      // the call the agent last handled, for its disposition
let filedCall = "";     // the call whose disposition this page filed last
const spying = new Map(); // call id → the mode this page last joined it in (listen, whisper, barge)

async function api(method, path, body) {
  const opts = { method, headers: {}, credentials: "same-origin" };
  if (method !== "GET") opts.headers["X-CSRF-Token"] = csrf;
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const resp = await fetch(path, opts);
  let data = null;
  try { data = await resp.json(); } catch (e) { /* empty body */ }
  if (resp.status === 401 && me && path !== "/api/v1/login") signedOut(data && data.reason);
  if (!resp.ok) {
    const err = new Error((data && data.error) || resp.statusText);
    err.status = resp.status;
    err.problems = (data && data.problems) || [];
    err.fields = (data && data.fields) || []; // problems by the edited item's setting
    throw err;
  }
  return data;
}

function show(view) {
  for (const v of ["login-view", "desk-view", "wallboard-view", "campaigns-view", "reports-view", "admin-view"]) $(v).hidden = v !== view;
}

function route() {
  if (!me) { stopRing(); show("login-view"); $("login-name").focus(); return; } // nothing rings for nobody
  const want = location.hash === "#wallboard" || location.hash === "#tv" ? "wallboard-view" : "desk-view";
  const canWall = me.role !== "agent";
  const canDesk = !!deskAgent();
  $("nav-wallboard").hidden = !canWall;
  $("nav-desk").hidden = !canDesk;
  $("nav-admin").hidden = me.role !== "admin";
  $("nav-campaigns").hidden = !canWall;
  $("nav-reports").hidden = !canWall;
  if (location.hash === "#campaigns" && canWall) { show("campaigns-view"); render(); return; }
  if (location.hash === "#reports" && canWall) { show("reports-view"); reportsOpen(); return; }
  if (location.hash === "#admin" && me.role === "admin") { show("admin-view"); adminOpen(); return; }
  if (want === "wallboard-view" && canWall) show("wallboard-view");
  else if (canDesk) show("desk-view");
  else show("wallboard-view");
  render();
}

// deskAgent is the agent the desk works as: the user's own, or ?agent= when
// the API has no users yet.
function deskAgent() {
  if (me && me.agent) return me.agent;
  return new URLSearchParams(location.search).get("agent") || "";
}

async function start() {
  try {
    me = await api("GET", "/api/v1/whoami");
    if (!me.name) me = { name: "", role: "admin", agent: "" }; // no users yet: the API is open
  } catch (e) {
    me = null;
  }
  $("nav").hidden = !me;
  $("who").textContent = me && me.name ? `${me.name} (${t("role-" + me.role, me.role)})` : "";
  route();
  if (me) follow();
}

function follow() {
  if (stream) stream.close();
  stream = new EventSource("/api/v1/events");
  stream.addEventListener("snapshot", (ev) => {
    const s = JSON.parse(ev.data);
    state.queues = new Map((s.queues || []).map((q) => [q.name, seen(q)]));
    state.agents = new Map((s.agents || []).map((a) => [a.id, a]));
    state.calls = new Map((s.calls || []).map((c) => [c.id, c]));
    state.campaigns = new Map((s.campaigns || []).map((k) => [k.name, k]));
    state.monitors = new Map((s.monitors || []).map((m) => [monitorKey(m), m]));
    state.now = s.now;
    render();
  });
  // The stream carries each callback task that changes; a reconnect may have missed some.
  stream.addEventListener("open", refreshTasks);
  stream.addEventListener("open", recheckWho);
  stream.addEventListener("open", () => { $("offline").hidden = true; });
  // Every event, and the keep-alives (the first says how often they
  // come), shows the stream alive; the watchdog below reconnects one that
  // went quiet while its connection stayed open.
  heard = Date.now();
  stream.addEventListener("keep-alive", (ev) => {
    try { const k = JSON.parse(ev.data); if (k.every_s > 0) keepAliveMs = k.every_s * 1000; } catch (e) { /* the default stands */ }
    heard = Date.now();
  });
  for (const kind of ["snapshot", "agent", "queue", "call", "campaign", "tasks", "monitor", "monitor-ended", "call-ended"]) {
    stream.addEventListener(kind, () => { heard = Date.now(); });
  }
  stream.addEventListener("tasks", onTask);
  stream.addEventListener("agent", (ev) => { const c = JSON.parse(ev.data); state.agents.set(c.agent.id, c.agent); state.now = c.at; renderSoon(); });
  stream.addEventListener("queue", (ev) => { const c = JSON.parse(ev.data); state.queues.set(c.queue.name, seen(c.queue)); state.now = c.at; renderSoon(); });
  stream.addEventListener("call", (ev) => { const c = JSON.parse(ev.data); state.calls.set(c.call.id, c.call); state.now = c.at; renderSoon(); });
  stream.addEventListener("campaign", (ev) => { const c = JSON.parse(ev.data); state.campaigns.set(c.campaign.name, c.campaign); state.now = c.at; renderSoon(); });
  // A reconfigure removed the agent or queue (once it drained).
  stream.addEventListener("agent-removed", (ev) => { const c = JSON.parse(ev.data); state.agents.delete(c.agent.id); state.now = c.at; renderSoon(); });
  stream.addEventListener("queue-removed", (ev) => { const c = JSON.parse(ev.data); state.queues.delete(c.queue.name); state.now = c.at; renderSoon(); });
  stream.addEventListener("campaign-removed", (ev) => { const c = JSON.parse(ev.data); state.campaigns.delete(c.campaign.name); state.now = c.at; renderSoon(); });
  // Supervisors' phones in agents' calls (never sent to agents).
  stream.addEventListener("monitor", (ev) => { const c = JSON.parse(ev.data); state.monitors.set(monitorKey(c.monitor), c.monitor); state.now = c.at; renderSoon(); });
  stream.addEventListener("monitor-ended", (ev) => { const c = JSON.parse(ev.data); state.monitors.delete(monitorKey(c.monitor)); state.now = c.at; renderSoon(); });
  stream.addEventListener("call-ended", (ev) => { const c = JSON.parse(ev.data); state.calls.delete(c.call.id); state.now = c.at; renderSoon(); });
  // EventSource reconnects by itself, with Last-Event-ID, after a network
  // error; an answer that is no stream (401 once the session ended, a
  // proxy's 502 while the daemon restarts) closes it for good.
  // Until it opens again the figures shown are old, and the page says so.
  stream.onerror = () => {
    if (!me) return;
    $("offline").hidden = false;
    if (stream && stream.readyState === EventSource.CLOSED) streamClosed(stream);
  };
}

// A stream that heard nothing for two and a half keep-alives is stalled:
// the page says its figures are old and connects again.
var heard = Date.now(), keepAliveMs = 15000;
setInterval(() => {
  if (!me || !stream || Date.now() - heard < 2.5 * keepAliveMs) return;
  $("offline").hidden = false;
  heard = Date.now();
  follow();
}, 1000);

// monitorKey names a supervisor's phone in an agent's call, as the engine does.
const monitorKey = (m) => `${m.agent}\u0000${m.endpoint}`;

// recheckWho runs as the stream (re)opens: the daemon ends a stream whose
// user an admin changed, and the page follows the new role or agent.
async function recheckWho() {
  let now;
  try { now = await api("GET", "/api/v1/whoami"); } catch (e) { return; } // a 401 has signed the page out
  if (me && now.name && (now.role !== me.role || (now.agent || "") !== (me.agent || ""))) start();
}

// streamClosed finds why the stream was refused: a session that ended
// sends the page to sign-in, anything else is tried again shortly.
async function streamClosed(was) {
  try {
    await api("GET", "/api/v1/whoami");
  } catch (e) {
    if (e.status === 401) return; // api() signed the page out
  }
  setTimeout(() => { if (me && stream === was) follow(); }, 3000);
}

// signedOut leaves a page whose session ended (unused for
// server.session_idle, expired, signed out in another tab, the user
// disabled) for the sign-in form, saying why.
function signedOut(reason) {
  if (stream) stream.close();
  $("offline").hidden = true;
  stream = null; me = null; csrf = "";
  sessionStorage.removeItem("hotline-csrf");
  const why = reason === "idle" ? t("session-idle", "You were signed out: the page went unused too long. Sign in again")
    : t("session-ended", "Your session ended: sign in again");
  start().then(() => { if (!me) $("login-error").textContent = why; });
}

// renderSoon draws the changes of a burst from the stream once, at the
// next frame, instead of rebuilding every table for each. A hidden page
// gets no frames: it draws at once, so that a call ringing the desk in a
// background tab still alerts.
let renderQueued = false;
function renderSoon() {
  if (document.hidden) { render(); return; }
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => { renderQueued = false; render(); });
}
document.addEventListener("visibilitychange", () => { if (document.hidden && renderQueued) { renderQueued = false; render(); } });

// seen stamps a queue's figures with when they came (the page's clock), for
// liveWait.
function seen(q) { q.seenAt = performance.now(); return q; }

// liveWait is a queue's longest wait now: the stream sends no change for a
// wait that only grows with the clock, so the page adds the time since.
function liveWait(q) {
  const w = q.longest_wait || 0;
  return q.waiting > 0 && q.seenAt !== undefined ? w + (performance.now() - q.seenAt) / 1000 : w;
}

// While callers wait, the wallboard shown counts their wait every second.
setInterval(() => {
  if (me && !document.hidden && !$("wallboard-view").hidden && [...state.queues.values()].some((q) => q.waiting > 0)) renderSoon();
}, 1000);

function fmtSecs(s) {
  s = Math.round(s || 0);
  const m = Math.floor(s / 60), unit = t("unit-s", "s");
  return m ? `${m}${t("unit-min", "m")}${String(s % 60).padStart(2, "0")}${unit}` : `${s}${unit}`;
}

// phaseText is a live call's phase in the page's language.
const phaseText = (p) => (p ? t(`phase-${p}`, p) : "");

function cell(tr, text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  tr.appendChild(td);
}

function render() {
  if (!me) return;
  // Wallboard.
  const qb = document.querySelector("#queues tbody");
  qb.replaceChildren();
  for (const q of state.queues.values()) {
    const tr = document.createElement("tr");
    tr.dataset.queue = q.name;
    cell(tr, q.name); cell(tr, q.waiting); cell(tr, fmtSecs(liveWait(q))); cell(tr, q.answered);
    cell(tr, q.abandoned); cell(tr, `${Math.round((q.service_level || 0) * 100)}%`); cell(tr, q.agents_ready); cell(tr, q.agents_busy);
    qb.appendChild(tr);
  }
  const ab = document.querySelector("#agents tbody");
  ab.replaceChildren();
  for (const a of state.agents.values()) {
    const tr = document.createElement("tr");
    tr.dataset.agent = a.id;
    cell(tr, a.name || a.id);
    cell(tr, t(a.state, a.state) + (a.reason ? ` (${a.reason})` : ""), `state state-${a.state}`);
    cell(tr, a.since ? new Date(a.since).toLocaleTimeString(lang) : "");
    cell(tr, a.answered);
    const td = document.createElement("td");
    for (const [action, label] of [["ready", "Ready"], ["pause", "Pause"], ["logout", "Log out"]]) {
      td.appendChild(button(action, label, { agent: a.id, action }));
    }
    tr.appendChild(td);
    ab.appendChild(tr);
  }
  for (const id of spying.keys()) if (!state.calls.has(id)) spying.delete(id);
  const cb = document.querySelector("#calls tbody");
  cb.replaceChildren();
  for (const c of state.calls.values()) {
    const tr = document.createElement("tr");
    tr.dataset.call = c.id;
    cell(tr, c.caller || ""); cell(tr, c.queue || ""); cell(tr, c.agent ? (state.agents.get(c.agent) || {}).name || c.agent : ""); cell(tr, phaseText(c.phase));
    const td = document.createElement("td");
    if (c.agent) {
      for (const [mode, label] of [["listen", "Listen"], ["whisper", "Whisper"], ["barge", "Barge in"]]) {
        const b = button(mode, label, { agent: c.agent, call: c.id, spy: mode });
        b.setAttribute("aria-pressed", spying.get(c.id) === mode ? "true" : "false");
        td.appendChild(b);
      }
    }
    // The phones in the call, each with its Stop.
    for (const m of state.monitors.values()) {
      if (m.call !== c.id) continue;
      const b = button("spy-stop", "Stop", { agent: m.agent, call: c.id, stop: m.endpoint });
      b.textContent = `${t("spy-stop", "Stop")} ${t(m.mode, m.mode)} (${m.endpoint})`;
      b.className = "spy-stop";
      td.appendChild(b);
    }
    tr.appendChild(td);
    cb.appendChild(tr);
  }
  $("updated").textContent = state.now ? new Date(state.now).toLocaleTimeString(lang) : "";
  // Desk.
  const id = deskAgent();
  const a = state.agents.get(id);
  $("desk-agent").textContent = (a && a.name) || id;
  $("desk-state").textContent = a ? t(a.state, a.state) + (a.reason ? ` (${a.reason})` : "") : "";
  $("desk-state").className = a ? `state state-${a.state}` : "state";
  $("desk-pending").textContent = a && a.pending ? `${t("pending", "After this call:")} ${t(a.pending.state, a.pending.state || "")} ${a.pending.reason || ""}` : "";
  const call = a && a.call ? state.calls.get(a.call) : null;
  $("desk-call").hidden = !call;
  // In wrap-up the call has ended (and left state.calls) but is still the
  // agent's: a page reloaded then offers its disposition all the same.
  if (call) lastCall = call.id;
  else if (a && a.state === "wrap-up" && a.call && a.call !== filedCall) lastCall = a.call;
  if (call) {
    $("call-caller").textContent = call.caller || "";
    $("call-queue").textContent = call.queue || "";
    $("call-phase").textContent = phaseText(call.phase);
  }
  $("dispo-form").hidden = !(lastCall && a && (a.state === "wrap-up" || a.state === "on-call"));
  deskDispo();
  deskAlerts(a, call);
  deskTransfer(a, call);
  deskPop(a, call);
  campRender();
}

// button makes a wallboard button; its data names what a click does.
function button(key, fallback, data) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = t(key, fallback);
  Object.assign(b.dataset, data);
  return b;
}

// wallAction runs a supervisor's click on the wallboard: an agent's state,
// or listening in on an agent's call from the supervisor's own phone.
async function wallAction(b) {
  $("wall-error").textContent = "";
  let action = b.dataset.action, body;
  if (action === "pause") body = { reason: $("wall-reason").value };
  if (b.dataset.stop) {
    action = "spy-stop";
    body = { endpoint: b.dataset.stop };
  }
  if (b.dataset.spy) {
    const endpoint = $("spy-endpoint").value.trim();
    if (!endpoint) { $("wall-error").textContent = t("no-endpoint", "Enter your phone to listen in"); $("spy-endpoint").focus(); return; }
    action = "spy";
    body = { mode: b.dataset.spy, endpoint };
  }
  try {
    await api("POST", `/api/v1/agents/${encodeURIComponent(b.dataset.agent)}/${action}`, body);
  } catch (e) {
    $("wall-error").textContent = `${b.dataset.agent}: ${e.message}`;
    return;
  }
  if (b.dataset.spy) { spying.set(b.dataset.call, b.dataset.spy); render(); } // the mode pressed is the one on
  if (b.dataset.stop && b.dataset.stop === $("spy-endpoint").value.trim()) { spying.delete(b.dataset.call); render(); }
}

// shortcut is the letter of a desk key press, by the key's place on the
// keyboard (KeyboardEvent.code), so L, R, P... work on any layout (a
// Russian one gives key "д" for L); "" when the press is no shortcut: the
// desk is not shown, a modifier is held, or a text field has the focus.
function shortcut(e) {
  if ($("desk-view").hidden || e.ctrlKey || e.altKey || e.metaKey) return "";
  const tag = (e.target.tagName || "").toLowerCase();
  if (tag === "input" || tag === "textarea" || tag === "select" || e.target.isContentEditable) return "";
  const m = /^Key([A-Z])$/.exec(e.code || "");
  return m ? m[1].toLowerCase() : (e.key || "").toLowerCase();
}

async function agentAction(action, body) {
  $("desk-error").textContent = "";
  try {
    await api("POST", `/api/v1/agents/${encodeURIComponent(deskAgent())}/${action}`, body);
  } catch (e) {
    $("desk-error").textContent = e.message;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("lang").addEventListener("change", (e) => { lang = e.target.value; localStorage.setItem("hotline-lang", lang); applyLang(); });
  $("login-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    $("login-error").textContent = "";
    try {
      const r = await api("POST", "/api/v1/login", { name: $("login-name").value, password: $("login-password").value });
      csrf = r.csrf;
      sessionStorage.setItem("hotline-csrf", csrf);
      $("login-password").value = "";
      await start();
    } catch (err) {
      $("login-error").textContent = err.status === 401 ? t("bad-login", "Wrong name or password") : err.message;
    }
  });
  $("logout").addEventListener("click", async () => {
    try { await api("POST", "/api/v1/logout"); } catch (e) { /* signed out anyway */ }
    if (stream) stream.close();
    me = null; csrf = ""; sessionStorage.removeItem("hotline-csrf");
    $("offline").hidden = true;
    start();
  });
  $("btn-login").addEventListener("click", () => agentAction("login"));
  $("btn-ready").addEventListener("click", () => agentAction("ready"));
  $("btn-pause").addEventListener("click", () => agentAction("pause", { reason: $("pause-reason").value }));
  $("btn-logout").addEventListener("click", () => agentAction("logout"));
  for (const id of ["agents", "calls"]) {
    document.querySelector(`#${id} tbody`).addEventListener("click", (e) => {
      const b = e.target.closest("button");
      if (b) wallAction(b);
    });
  }
  $("spy-endpoint").value = localStorage.getItem("hotline-spy-endpoint") || "";
  $("spy-endpoint").addEventListener("change", (e) => localStorage.setItem("hotline-spy-endpoint", e.target.value.trim()));
  window.addEventListener("hashchange", route);
  applyLang();
  start();
});
