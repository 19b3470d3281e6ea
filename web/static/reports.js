// Hotline desk, reports page (supervisors and admins): a report of the
// stored records over a period, as a table, its CSV and the period's
// chart. The kinds, their intervals and filters come from GET
// /api/v1/reports, the rows from GET /api/v1/reports/{kind}, the chart
// from GET /api/v1/charts/period.
"use strict";

Object.assign(I18N.ru, {
  "rep-page": "Отчёты", "rep-kind": "Отчёт", "rep-from": "С", "rep-to": "По (не включая)", "rep-interval": "Строка на",
  "rep-today": "Сегодня", "rep-yesterday": "Вчера", "rep-week": "Последние 7 дней", "rep-run": "Показать",
  "rep-csv": "Скачать CSV", "rep-qlog": "Скачать queue_log", "rep-none": "За этот период данных нет", "rep-totals": "Итого за период",
  "rep-k-queues": "Очереди", "rep-k-agents": "Операторы", "rep-k-dispositions": "Итоги звонков", "rep-k-campaigns": "Кампании",
  "rep-k-ivr": "Голосовое меню", "rep-f-queue": "Очередь", "rep-f-agent": "Оператор", "rep-f-campaign": "Кампания", "rep-f-flow": "Сценарий меню",
  "rep-i-period": "весь период", "rep-i-15m": "15 минут", "rep-i-hour": "час", "rep-i-day": "день", "rep-i-week": "неделю", "rep-i-month": "месяц",
  "rep-c-start": "Начало", "rep-c-end": "Конец", "rep-c-queue": "Очередь", "rep-c-agent": "Оператор", "rep-c-campaign": "Кампания",
  "rep-c-offered": "Поступило", "rep-c-answered": "Отвечено", "rep-c-abandoned": "Потеряно", "rep-c-short_abandoned": "Короткие сбросы",
  "rep-c-overflowed": "Переполнение", "rep-c-overflow_in": "Из переполнения других очередей", "rep-c-callbacks": "Заказано перезвонов", "rep-c-callbacks_handled": "Перезвонили",
  "rep-c-threshold_s": "Порог", "rep-c-in_sl": "В пределах порога", "rep-c-sl_answered": "Уровень сервиса (отвеченные)",
  "rep-c-sl_offered": "Уровень сервиса (все)", "rep-c-abandon_rate": "Доля потерянных", "rep-c-asa_s": "Среднее ожидание ответа",
  "rep-c-avg_wait_s": "Среднее ожидание", "rep-c-p90_wait_s": "Ожидание, 90-й перцентиль", "rep-c-max_wait_s": "Наибольшее ожидание",
  "rep-c-transfers": "Переводы", "rep-c-handled": "Обслужено", "rep-c-aht_s": "Среднее время обслуживания",
  "rep-c-contact_answered": "Отвечено известным клиентам", "rep-c-repeated": "Повторные", "rep-c-fcr": "Решено с первого звонка",
  "rep-c-missed": "Пропущено", "rep-c-talk_s": "Разговор", "rep-c-hold_s": "Удержание", "rep-c-wrap_up_s": "Обработка",
  "rep-c-logged_in_s": "В смене", "rep-c-available_s": "Готов", "rep-c-ringing_s": "Вызов", "rep-c-on_call_s": "На звонке",
  "rep-c-in_wrap_up_s": "В обработке", "rep-c-paused_s": "На паузе", "rep-c-pauses": "Паузы по причинам",
  "rep-c-occupancy": "Занятость", "rep-c-utilization": "Загрузка", "rep-c-disposition": "Итог", "rep-c-calls": "Звонков",
  "rep-c-dials": "Наборов", "rep-c-busy": "Занято", "rep-c-no_answer": "Не ответили", "rep-c-machines": "Автоответчики", "rep-c-failed": "Не дозвонились",
  "rep-c-contacts": "Ответили", "rep-c-connected": "Соединено", "rep-c-abandon_cap": "Предел потерянных", "rep-c-over_cap": "Выше предела",
  "rep-c-sales": "Продажи", "rep-c-contact_rate": "Доля ответивших", "rep-c-conversion": "Конверсия",
  "rep-c-flow": "Сценарий", "rep-c-node": "Узел", "rep-c-kind": "Тип", "rep-c-visits": "Заходов", "rep-c-exits": "Выходы",
  "rep-c-timeouts": "Нет ввода", "rep-c-invalid": "Неверный ввод", "rep-c-phrases": "Фраз понято", "rep-c-not_understood": "Фраз не понято",
  "rep-c-faq_answered": "Получили ответ", "rep-c-contained": "Обслужены меню", "rep-c-containment": "Доля обслуженных меню",
  "rep-c-recognition": "Распознавание",
});

let repKinds = null; // GET /api/v1/reports, once per page
const REP_RATES = ["sl_answered", "sl_offered", "abandon_rate", "fcr", "occupancy", "utilization", "contact_rate", "conversion",
  "abandon_cap", "containment", "recognition"];
const REP_HIDDEN = ["wait_answered_s", "handle_s"]; // sums kept for adding rows up, not for reading
const REP_FILTERS = ["queue", "agent", "campaign", "flow"];

async function reportsOpen() {
  if (repKinds) return;
  try {
    repKinds = (await api("GET", "/api/v1/reports")).filter((k) => k.formats.includes("json"));
  } catch (e) {
    $("rep-error").textContent = e.message;
    return;
  }
  $("rep-kind").replaceChildren(...repKinds.map((k) => {
    const o = document.createElement("option");
    o.value = k.kind;
    o.dataset.i18n = `rep-k-${k.kind}`;
    o.dataset.en = o.textContent = k.kind[0].toUpperCase() + k.kind.slice(1);
    o.textContent = t(o.dataset.i18n, o.dataset.en);
    return o;
  }));
  if (!$("rep-from").value) repSpan("today");
  repKindChanged();
}

// repKind is the chosen kind's listing.
const repKind = () => (repKinds || []).find((k) => k.kind === $("rep-kind").value);

// repKindChanged offers the intervals and the filter the chosen kind takes.
function repKindChanged() {
  const k = repKind();
  if (!k) return;
  $("rep-summary").textContent = k.summary;
  const iv = k.params.find((p) => p.name === "interval");
  $("rep-interval-row").hidden = !iv;
  if (iv) {
    const was = $("rep-interval").value;
    $("rep-interval").replaceChildren(...iv.values.map((v) => {
      const o = document.createElement("option");
      o.value = v;
      o.dataset.i18n = `rep-i-${v}`;
      o.dataset.en = v === "period" ? "whole period" : v;
      o.textContent = t(o.dataset.i18n, o.dataset.en);
      return o;
    }));
    if (iv.values.includes(was)) $("rep-interval").value = was;
  }
  const f = k.params.find((p) => REP_FILTERS.includes(p.name));
  $("rep-filter-row").hidden = !f;
  if (f) {
    if ($("rep-filter").dataset.name !== f.name) $("rep-filter").value = "";
    $("rep-filter").dataset.name = f.name;
    $("rep-filter-label").textContent = t(`rep-f-${f.name}`, f.name[0].toUpperCase() + f.name.slice(1));
    const names = { queue: state.queues, agent: state.agents, campaign: state.campaigns }[f.name];
    $("rep-filter-list").replaceChildren(...[...(names ? names.keys() : [])].sort().map((n) => {
      const o = document.createElement("option");
      o.value = n;
      return o;
    }));
  }
}

// repSpan fills the period with a shortcut: today, yesterday or the last 7
// days (today included), from midnight to midnight of the page's clock.
function repSpan(span) {
  const day = (back) => { const d = new Date(); d.setHours(0, 0, 0, 0); d.setDate(d.getDate() - back); return d; };
  const [from, to] = { today: [day(0), day(-1)], yesterday: [day(1), day(0)], week: [day(6), day(-1)] }[span];
  $("rep-from").value = repLocal(from);
  $("rep-to").value = repLocal(to);
}

// repLocal is d as a datetime-local input's value (the page's clock).
function repLocal(d) {
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

// repQuery is the report's query as the form says it; the dates are read
// in the browser's time zone.
function repQuery() {
  const q = new URLSearchParams({ from: $("rep-from").value, to: $("rep-to").value,
    tz: Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC" });
  if (!$("rep-interval-row").hidden) q.set("interval", $("rep-interval").value);
  const filter = $("rep-filter").value.trim();
  if (!$("rep-filter-row").hidden && filter) q.set($("rep-filter").dataset.name, filter);
  return q;
}

async function repRun() {
  $("rep-error").textContent = "";
  const k = repKind();
  if (!k) return;
  const q = repQuery();
  let data;
  try {
    data = await api("GET", `/api/v1/reports/${encodeURIComponent(k.kind)}?${q}`);
  } catch (e) {
    $("rep-error").textContent = e.message;
    return;
  }
  // The IVR report's rows are its nodes, its totals its flows.
  const rows = data.rows || data.nodes || [], totals = data.totals || data.flows || [];
  repTable($("rep-table"), rows);
  repTable($("rep-totals"), totals);
  $("rep-totals-box").hidden = !totals.length || q.get("interval") === "period";
  $("rep-none").hidden = rows.length > 0;
  const csv = new URLSearchParams(q);
  csv.set("format", "csv");
  $("rep-csv").href = `/api/v1/reports/${encodeURIComponent(k.kind)}?${csv}`;
  $("rep-csv").download = `${k.kind}-${q.get("from").slice(0, 10)}.csv`;
  $("rep-csv").hidden = false;
  // The period's calls as Asterisk queue_log lines, for tools that read app_queue's: with the queues report.
  const qlog = new URLSearchParams({ from: q.get("from"), to: q.get("to"), tz: q.get("tz") });
  $("rep-qlog").href = `/api/v1/reports/queue-log?${qlog}`;
  $("rep-qlog").download = `queue_log-${q.get("from").slice(0, 10)}`;
  $("rep-qlog").hidden = k.kind !== "queues";
  // The chart counts calls and agents: it goes with the queues and agents reports.
  const chart = new URLSearchParams({ from: q.get("from"), to: q.get("to"), tz: q.get("tz") });
  if (["15m", "hour", "day"].includes(q.get("interval"))) chart.set("interval", q.get("interval"));
  if (q.get("queue")) chart.set("queue", q.get("queue"));
  $("rep-chart").hidden = !["queues", "agents"].includes(k.kind);
  if (!$("rep-chart").hidden) $("rep-chart").src = `/api/v1/charts/period?${chart}&_=${Date.now()}`;
}

// repTable fills a table with report rows: a column per figure, times in
// the page's clock, durations as minutes and seconds, rates in percent.
function repTable(table, rows) {
  const cols = rows.length ? Object.keys(rows[0]).filter((c) => !REP_HIDDEN.includes(c)) : [];
  const head = document.createElement("tr");
  for (const c of cols) {
    const th = document.createElement("th");
    th.dataset.col = c;
    th.dataset.i18n = `rep-c-${c}`;
    th.dataset.en = repHeading(c);
    th.textContent = t(th.dataset.i18n, th.dataset.en);
    head.appendChild(th);
  }
  table.tHead.replaceChildren(head);
  table.tBodies[0].replaceChildren(...rows.map((r) => {
    const tr = document.createElement("tr");
    tr.dataset.name = r.queue || r.agent || r.campaign || r.node || r.flow || "";
    for (const c of cols) {
      cell(tr, repCell(c, r[c]));
      tr.lastChild.dataset.col = c;
    }
    return tr;
  }));
}

function repHeading(c) {
  const s = c.replace(/_s$/, "").replace(/_/g, " ").replace(/\b(asa|aht|fcr|sl|p90)\b/g, (m) => m.toUpperCase());
  return s[0].toUpperCase() + s.slice(1);
}

function repCell(c, v) {
  if (v === undefined || v === null) return "";
  if (c === "start" || c === "end") return new Date(v).toLocaleString(lang, { dateStyle: "short", timeStyle: "short" });
  if (typeof v === "object") return Object.entries(v).map(([k, x]) => `${k || "—"}=${c === "pauses" ? fmtSecs(x) : x}`).join(", ");
  if (c.endsWith("_s")) return fmtSecs(v);
  if (REP_RATES.includes(c)) return `${(100 * v).toFixed(1)}%`;
  return String(v);
}

document.addEventListener("DOMContentLoaded", () => {
  $("rep-kind").addEventListener("change", repKindChanged);
  for (const b of document.querySelectorAll("#rep-form button[data-span]")) b.addEventListener("click", () => repSpan(b.dataset.span));
  $("rep-form").addEventListener("submit", (e) => { e.preventDefault(); repRun(); });
});
