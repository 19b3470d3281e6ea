// Hotline desk, alerts and keys: an offered call rings (WebAudio tones, no
// sound files), missed calls and waiting callbacks are listed with a chime
// and a highlight, and the desk works from the keyboard alone.
"use strict";

Object.assign(I18N.ru, {
  keys: "Клавиши (по месту на клавиатуре): L начать смену, R готов, P пауза, O закончить смену, A ответить, E завершить, D итог, M пропущенные, H удержание, T перевод, C позвонить клиенту, S пропустить",
  missed: "Пропущенные звонки", callbacks: "Ждут обратного звонка", "missed-at": "пропущен в",
  tasks: "Задачи перезвонить", "task-next": "Взять следующую", "call-back": "Перезвонить", result: "Результат", "task-close": "Готово",
  abandoned: "не дождался", "after-hours": "в нерабочее время", voicemail: "оставил сообщение",
});

// sounds counts what was played, for tests and for people wondering.
const sounds = { ring: 0, chime: 0 };
let audioCtx = null;

// audio is the page's AudioContext; browsers start it only after a click or
// key press, which signing in always is.
function audio() {
  const AC = window.AudioContext || window.webkitAudioContext;
  if (!AC) return null;
  if (!audioCtx) audioCtx = new AC();
  if (audioCtx.state === "suspended") audioCtx.resume();
  return audioCtx;
}

// tone plays freqs together from at for dur seconds, with soft edges.
function tone(freqs, at, dur, level) {
  const c = audio();
  if (!c) return;
  const g = c.createGain();
  g.gain.setValueAtTime(0, at);
  g.gain.linearRampToValueAtTime(level, at + 0.02);
  g.gain.setValueAtTime(level, at + dur - 0.02);
  g.gain.linearRampToValueAtTime(0, at + dur);
  g.connect(c.destination);
  for (const f of freqs) {
    const o = c.createOscillator();
    o.frequency.value = f;
    o.connect(g);
    o.start(at);
    o.stop(at + dur);
  }
}

let ringTimer = null;

// ring is a phone's double ring, repeated every 2 s until stopRing.
function startRing() {
  if (ringTimer) return;
  const once = () => {
    sounds.ring++;
    const c = audio();
    if (!c) return;
    const t0 = c.currentTime;
    tone([440, 480], t0, 0.4, 0.15);
    tone([440, 480], t0 + 0.6, 0.4, 0.15);
  };
  once();
  ringTimer = setInterval(once, 2000);
}

function stopRing() {
  clearInterval(ringTimer);
  ringTimer = null;
}

function chime() {
  sounds.chime++;
  const c = audio();
  if (!c) return;
  tone([880], c.currentTime, 0.15, 0.12);
  tone([660], c.currentTime + 0.2, 0.25, 0.12);
}

// alerts remembers what the desk last saw, to tell what is new.
const alerts = { state: "", noAnswer: -1, caller: "", queue: "", missed: [], callbacks: new Map() };

// deskAlerts is called after every render with the desk's agent and call.
function deskAlerts(a, call) {
  if (!a) { stopRing(); return; }
  const ringing = a.state === "ringing";
  if (ringing) startRing(); else stopRing();
  $("desk-call").classList.toggle("ringing", ringing);
  if (call) { alerts.caller = call.caller || ""; alerts.queue = call.queue || ""; }
  const na = a.no_answer || 0;
  if (alerts.noAnswer >= 0 && na > alerts.noAnswer) {
    alerts.missed.unshift({ at: state.now ? new Date(state.now) : new Date(), caller: alerts.caller, queue: alerts.queue, fresh: true });
    alerts.missed.length = Math.min(alerts.missed.length, 20);
    chime();
  }
  alerts.noAnswer = na;
  alerts.state = a.state;
  let grew = false;
  for (const q of state.queues.values()) {
    const n = q.pending_callbacks || 0;
    const before = alerts.callbacks.has(q.name) ? alerts.callbacks.get(q.name).n : n;
    alerts.callbacks.set(q.name, { n, fresh: n > before || (n > 0 && alerts.callbacks.get(q.name)?.fresh) });
    if (n > before) grew = true;
  }
  if (grew) chime();
  renderAlerts();
}

function renderAlerts() {
  const ul = $("missed");
  ul.replaceChildren();
  for (const m of alerts.missed) {
    const li = document.createElement("li");
    li.textContent = `${m.caller || "?"} (${m.queue}) ${t("missed-at", "missed at")} ${m.at.toLocaleTimeString(lang)}`;
    if (m.fresh) li.className = "new";
    ul.appendChild(li);
  }
  const cb = $("callbacks");
  cb.replaceChildren();
  for (const [name, v] of alerts.callbacks) {
    if (!v.n) continue;
    const li = document.createElement("li");
    li.dataset.queue = name;
    li.textContent = `${name}: ${v.n}`;
    if (v.fresh) li.className = "new";
    cb.appendChild(li);
  }
  const fresh = alerts.missed.filter((m) => m.fresh).length;
  document.title = fresh ? `(${fresh}) Hotline` : "Hotline";
}

// Callback tasks (missed calls of known customers, with contacts on): the
// open ones are read when the event stream connects, and updated from each
// task it says was opened, taken or closed (read again if it fell behind);
// a new one chimes and is highlighted. The agent takes the oldest, calls
// the customer back and closes it with a result.
const tasks = { known: null, list: [], mine: null, off: false, timer: null, applied: 0 };

async function refreshTasks() {
  if (!me || tasks.off || !deskAgent()) return;
  try {
    const applied = tasks.applied;
    const open = await api("GET", "/api/v1/tasks?state=open");
    // A task event applied meanwhile may be newer than this list: read again.
    if (applied !== tasks.applied) tasksSoon();
    const fresh = new Set(tasks.list.filter((x) => x.fresh).map((x) => x.id));
    let grew = false;
    for (const x of open) {
      if (tasks.known && !tasks.known.has(x.id)) { fresh.add(x.id); grew = true; }
      x.fresh = fresh.has(x.id);
    }
    tasks.known = new Set(open.map((x) => x.id));
    tasks.list = open;
    if (grew) chime();
  } catch (e) {
    if (e.status === 503 || e.status === 403) tasks.off = true; // contacts off, or not the user's to see
  }
  renderTasks();
}

// tasksSoon reads the tasks once for a burst of task events.
function tasksSoon() {
  clearTimeout(tasks.timer);
  tasks.timer = setTimeout(refreshTasks, 50);
}

// onTask applies the task a "tasks" event carries to the open list; an
// event without one (the stream fell behind) has the list read again.
function onTask(ev) {
  if (!me || tasks.off || !deskAgent()) return;
  let x = null;
  try { x = JSON.parse(ev.data).task; } catch (_) { /* read the list again */ }
  if (!x || tasks.known === null) { tasksSoon(); return; }
  tasks.applied++;
  const had = tasks.list.find((y) => y.id === x.id);
  tasks.list = tasks.list.filter((y) => y.id !== x.id);
  if (x.state === "open") {
    x.fresh = had ? had.fresh : !tasks.known.has(x.id);
    if (x.fresh && !had) chime();
    tasks.known.add(x.id);
    tasks.list.push(x);
    tasks.list.sort((a, b) => (Date.parse(a.created) - Date.parse(b.created)) || a.id.localeCompare(b.id));
  }
  renderTasks();
}

function renderTasks() {
  $("tasks-box").hidden = tasks.off || tasks.known === null;
  const ul = $("tasks");
  ul.replaceChildren(...tasks.list.map((x) => {
    const li = document.createElement("li");
    li.dataset.task = x.id;
    li.textContent = `${x.queue || ""} ${t(x.reason, x.reason)} ${new Date(x.created).toLocaleTimeString(lang)}`.trim();
    if (x.fresh) li.className = "new";
    return li;
  }));
  $("btn-task-next").hidden = !!tasks.mine || tasks.list.length === 0;
  $("task-mine").hidden = !tasks.mine;
  if (tasks.mine) {
    const c = tasks.mine.customer || {};
    $("task-mine").dataset.task = tasks.mine.id;
    $("task-name").textContent = c.name || "";
    $("task-phone").textContent = (c.phones || []).join(", ");
  }
}

async function takeTask() {
  $("desk-error").textContent = "";
  try {
    tasks.mine = await api("POST", `/api/v1/agents/${encodeURIComponent(deskAgent())}/tasks/next`);
    $("task-result").focus();
  } catch (e) {
    $("desk-error").textContent = e.message;
  }
  await refreshTasks();
}

async function closeTask(e) {
  e.preventDefault();
  try {
    await api("POST", `/api/v1/agents/${encodeURIComponent(deskAgent())}/tasks/${encodeURIComponent(tasks.mine.id)}/close`, { result: $("task-result").value });
    tasks.mine = null;
    $("task-result").value = "";
  } catch (err) {
    $("desk-error").textContent = err.message;
  }
  await refreshTasks();
}

// seen clears the highlights once the agent has looked (M, or a click).
function alertsSeen() {
  for (const m of alerts.missed) m.fresh = false;
  for (const v of alerts.callbacks.values()) v.fresh = false;
  for (const x of tasks.list) x.fresh = false;
  renderAlerts();
  renderTasks();
}

// Keys on the desk, when no text field has the focus.
const DESK_KEYS = { l: "btn-login", r: "btn-ready", p: "btn-pause", o: "btn-logout" };

document.addEventListener("DOMContentLoaded", () => {
  for (const ev of ["pointerdown", "keydown"]) document.addEventListener(ev, () => { if (me) audio(); }, { passive: true });
  $("desk-alerts").addEventListener("click", alertsSeen);
  $("btn-task-next").addEventListener("click", takeTask);
  $("task-mine").addEventListener("submit", closeTask);
  document.addEventListener("keydown", (e) => {
    const tag = (e.target.tagName || "").toLowerCase();
    if (e.key === "Escape" && !$("desk-view").hidden && (tag === "input" || tag === "textarea" || tag === "select")) { e.target.blur(); return; }
    const k = shortcut(e);
    if (DESK_KEYS[k]) { e.preventDefault(); $(DESK_KEYS[k]).click(); return; }
    if (k === "d" && !$("dispo-form").hidden) { e.preventDefault(); $("dispo").focus(); return; }
    if (k === "m") { e.preventDefault(); $("missed").focus(); alertsSeen(); }
  });
});
