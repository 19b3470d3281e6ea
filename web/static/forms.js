// Hotline desk, admin pages: agents, queues and campaigns edited as forms.
// A form sends the item's settings; the API merges them into the item's
// lines of the config file (settings the form does not show stay as
// written), checks the whole file as `hotline config validate` does and
// answers each problem with the setting it names, shown next to its field.
// The hints shown while typing are only hints: the API decides.
"use strict";

Object.assign(I18N.ru, {
  "as-yaml": "Править как YAML", "as-form": "Править в форме", "add-row": "Добавить", "remove-row": "Убрать",
  id: "Код", endpoint: "Телефон (внутренний номер или адрес)", skills: "Навыки", level: "Уровень", skill: "Навык",
  penalty: "Штраф", tier: "Ступень", "wrap-up-time": "Время обработки", weight: "Вес", "logged-in": "В смене при первом запуске",
  strategy: "Стратегия", "service-level": "Порог уровня сервиса", "ring-timeout": "Время вызова оператора",
  "max-wait": "Наибольшее ожидание", "max-len": "Наибольшая длина очереди", targets: "Цели (ослабление требований)",
  after: "Через", "max-penalty": "Наибольший штраф", greeting: "Приветствие (записи через запятую)",
  announce: "Объявления", interval: "Интервал", position: "Место в очереди", "wait-estimate": "Оценка ожидания",
  overflow: "Переполнение", action: "Действие", message: "Сообщение (записи через запятую)", "join-empty": "Вход в пустую очередь",
  "leave-empty": "Выводить ждущих, когда уходит последний оператор", "callback-key": "Клавиша обратного звонка",
  "exit-key": "Клавиша выхода", "hint-range": "Допустимо: {min}..{max}", "hint-min": "Не меньше {min}",
  "hint-duration": "Длительность, например 20s, 1m30s", "hint-required": "Обязательно", "hint-unknown": "Нет в файле", default: "(по умолчанию)",
  kind: "Вид", mode: "Режим", "team-queues": "Очереди (через запятую)", "team-agents": "Операторы помимо участников очередей (через запятую)",
  supervisors: "Руководители (имена пользователей через запятую)", "campaign-queues": "Очереди, чьи операторы работают в кампании (через запятую)",
  "campaign-agents": "Операторы кампании (через запятую)", team: "Группа (её операторы и участники её очередей работают в кампании)", "caller-id": "Номер звонящего", ratio: "Коэффициент", "max-dials": "Наибольшее число наборов",
});

// The helpers stay inside this function; the admin page uses what it
// exports at the end.
(() => {
// FORMS describe each section's form: a field is a setting (key) of a kind:
// text, number, duration, check, choice (from the API's choices), list (of
// strings, comma separated), levels (a name → level mapping), rows (a list
// of mappings with cols) or group (a mapping with fields).
const FORMS = {
  agents: [
    { key: "id", label: ["id", "ID"], required: true },
    { key: "name", label: ["name", "Name"] },
    { key: "endpoint", label: ["endpoint", "Endpoint (extension or address)"], placeholder: "PJSIP/1001" },
    { key: "skills", kind: "levels", label: ["skills", "Skills"], item: ["skill", "Skill"], min: 1, max: 10, choices: "skills" },
    { key: "queues", kind: "rows", label: ["queues", "Queues"], row: ["queue", "Queue"], cols: [
      { key: "queue", label: ["queue", "Queue"], choices: "queues", required: true },
      { key: "penalty", kind: "number", label: ["penalty", "Penalty"], min: 0, omitZero: true },
      { key: "tier", kind: "number", label: ["tier", "Tier"], min: 0, omitZero: true }] },
    { key: "wrap_up", kind: "duration", label: ["wrap-up-time", "Wrap-up (overrides the queue's)"] },
    { key: "weight", kind: "number", label: ["weight", "Weight"], min: 1 },
    { key: "logged_in", kind: "check", label: ["logged-in", "Logged in at first start"] },
  ],
  queues: [
    { key: "name", label: ["name", "Name"], required: true },
    { key: "strategy", kind: "choice", label: ["strategy", "Strategy"], choices: "strategy" },
    { key: "service_level", kind: "duration", label: ["service-level", "Service level threshold"] },
    { key: "wrap_up", kind: "duration", label: ["wrap-up-time", "Wrap-up"] },
    { key: "ring_timeout", kind: "duration", label: ["ring-timeout", "Ring timeout per agent"] },
    { key: "max_wait", kind: "duration", label: ["max-wait", "Longest wait before overflow"] },
    { key: "max_len", kind: "number", label: ["max-len", "Longest queue before overflow"], min: 0 },
    { key: "weight", kind: "number", label: ["weight", "Weight"], min: 1 },
    { key: "skills", kind: "levels", label: ["skills", "Skills"], item: ["skill", "Skill"], min: 1, max: 10, choices: "skills" },
    { key: "targets", kind: "rows", label: ["targets", "Targets (relaxing the skills while the caller waits)"], row: ["target", "Target"], cols: [
      { key: "after", kind: "duration", label: ["after", "After"], required: true },
      { key: "skills", kind: "pairs", label: ["skills", "Skills (skill=level …)"] },
      { key: "max_penalty", kind: "number", label: ["max-penalty", "Highest penalty"], min: -1, omitZero: true }] },
    { key: "greeting", kind: "list", label: ["greeting", "Greeting (media, comma separated)"] },
    { key: "announce", kind: "group", label: ["announce", "Announcements"], fields: [
      { key: "interval", kind: "duration", label: ["interval", "Interval"] },
      { key: "position", kind: "check", label: ["position", "Position in the queue"] },
      { key: "wait_estimate", kind: "check", label: ["wait-estimate", "Wait estimate"] }] },
    { key: "overflow", kind: "group", label: ["overflow", "Overflow"], fields: [
      { key: "action", kind: "choice", label: ["action", "Action"], choices: "overflow.action" },
      { key: "queue", label: ["queue", "Queue"], choices: "queues" },
      { key: "message", kind: "list", label: ["message", "Message (media, comma separated)"] }] },
    { key: "join_empty", kind: "choice", label: ["join-empty", "Joining with no agent"], choices: "join_empty" },
    { key: "leave_empty", kind: "check", label: ["leave-empty", "Overflow waiting callers when the last agent leaves"] },
    { key: "callback_key", label: ["callback-key", "Callback key"], maxlength: 1 },
    { key: "exit_key", label: ["exit-key", "Exit key"], maxlength: 1 },
  ],
  teams: [
    { key: "name", label: ["name", "Name"], required: true },
    { key: "queues", kind: "list", label: ["team-queues", "Queues (comma separated)"], choices: "queues" },
    { key: "agents", kind: "list", label: ["team-agents", "Agents beyond the queues' members (comma separated)"], choices: "agents" },
    { key: "supervisors", kind: "list", label: ["supervisors", "Supervisors (user names, comma separated)"] },
  ],
  campaigns: [
    { key: "name", label: ["name", "Name"], required: true },
    { key: "kind", label: ["kind", "Kind"], placeholder: "agent" },
    { key: "mode", label: ["mode", "Mode"], placeholder: "preview" },
    { key: "caller_id", label: ["caller-id", "Caller ID"] },
    { key: "ratio", kind: "number", label: ["ratio", "Ratio"], min: 0, step: "any" },
    { key: "max_dials", kind: "number", label: ["max-dials", "Calls in flight at once"], min: 0 },
    { key: "team", label: ["team", "Team (its agents and queues' members work it)"], choices: "teams" },
    { key: "queues", kind: "list", label: ["campaign-queues", "Queues whose members work it (comma separated)"], choices: "queues" },
    { key: "agents", kind: "list", label: ["campaign-agents", "Agents who work it (comma separated)"], choices: "agents" },
  ],
};

const cfgForm = { choices: {}, fields: null, yaml: false };

const DURATION = /^(0|([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+)$/;
const lbl = (f) => t(f.label[0], f.label[1]);

// formUse reports whether the open section is edited as a form (the API
// says so), and keeps the hints it sends.
function formUse(r) {
  cfgForm.choices = r.choices || {};
  return !!r.form && !!FORMS[r.section];
}

function el(tag, props, ...kids) {
  const e = document.createElement(tag);
  Object.assign(e, props || {});
  for (const k of kids) if (k != null) e.append(k);
  return e;
}

// datalist gives an input the names of a choice list, as typing hints.
function datalist(name) {
  const id = "choices-" + name.replace(/\W/g, "-");
  if (!document.getElementById(id)) {
    const dl = el("datalist", { id });
    for (const v of cfgForm.choices[name] || []) dl.append(el("option", { value: v }));
    $("cfg-fields").append(dl);
  }
  return id;
}

// input builds the control of one field holding v; path is where the API's
// problems about it point.
function input(f, v, path) {
  let c;
  switch (f.kind) {
    case "check":
      c = el("input", { type: "checkbox", checked: !!v });
      break;
    case "choice":
      c = el("select", {}, el("option", { value: "", textContent: t("default", "(default)") }));
      for (const o of cfgForm.choices[f.choices] || []) c.append(el("option", { value: o, textContent: o }));
      if (v && ![...c.options].some((o) => o.value === v)) c.append(el("option", { value: v, textContent: v }));
      c.value = v || "";
      break;
    case "number":
      c = el("input", { type: "number", value: v == null ? "" : String(v), step: f.step || "1" });
      if (f.min != null) c.min = f.min;
      if (f.max != null) c.max = f.max;
      break;
    case "list":
      c = el("input", { value: (v || []).join(", "), size: 40 });
      if (f.choices) c.placeholder = (cfgForm.choices[f.choices] || []).slice(0, 4).join(", ");
      break;
    case "pairs":
      c = el("input", { value: Object.entries(v || {}).map(([k, l]) => `${k}=${l}`).join(" "), size: 24, placeholder: "billing=5" });
      break;
    default:
      c = el("input", { value: v == null ? "" : String(v), size: f.kind === "duration" ? 8 : 24 });
      if (f.kind === "duration") c.placeholder = "20s";
      if (f.placeholder) c.placeholder = f.placeholder;
      if (f.maxlength) c.maxLength = f.maxlength;
      if (f.choices) c.setAttribute("list", datalist(f.choices));
  }
  c.dataset.path = path;
  c.dataset.key = f.key;
  c.setAttribute("aria-label", lbl(f));
  c.addEventListener("input", () => hint(c, f));
  c.addEventListener("change", () => hint(c, f));
  return c;
}

// hint says, while typing, what the API would refuse (it has the last word).
function hint(c, f) {
  const v = c.value.trim();
  let h = "";
  if (f.required && !v) h = t("hint-required", "Required");
  else if (f.kind === "duration" && v && !DURATION.test(v)) h = t("hint-duration", "A duration, e.g. 20s or 1m30s");
  else if (f.kind === "list" && f.choices && cfgForm.choices[f.choices]) {
    const unknown = v.split(",").map((x) => x.trim()).filter((x) => x && !cfgForm.choices[f.choices].includes(x));
    if (unknown.length) h = `${t("hint-unknown", "Not in the file")}: ${unknown.join(", ")}`;
  }
  else if (f.kind === "number" && v !== "") {
    const n = Number(v);
    if (f.max != null && (n < f.min || n > f.max)) h = t("hint-range", "Allowed: {min}..{max}").replace("{min}", f.min).replace("{max}", f.max);
    else if (f.min != null && n < f.min) h = t("hint-min", "At least {min}").replace("{min}", f.min);
  }
  const m = msgOf(c);
  if (m.classList.contains("hint") || !m.textContent) {
    m.textContent = h;
    m.classList.toggle("hint", !!h);
  }
}

// msgOf is the message line under a control's row or field.
function msgOf(c) {
  return c.closest(".row, .field").querySelector(":scope > .msg");
}

function fieldBox(f, ...kids) {
  return el("div", { className: "field" }, ...kids, el("span", { className: "msg", role: "alert" }));
}

// rowOf builds one row of a rows field (a list item) or a levels field
// (a name and its level).
function rowOf(f, base, v, i) {
  const row = el("div", { className: "row" });
  if (f.kind === "levels") {
    const name = input({ key: "name", label: f.item, choices: f.choices }, v[0], base);
    name.dataset.role = "name";
    const level = input({ key: "level", kind: "number", label: ["level", "Level"], min: f.min, max: f.max }, v[1], base);
    level.dataset.role = "level";
    row.append(el("label", {}, lbl({ label: f.item }) + " ", name), el("label", {}, t("level", "Level") + " ", level));
  } else {
    row.dataset.path = `${base}[${i}]`;
    for (const c of f.cols) row.append(el("label", {}, lbl(c) + " ", input(c, v[c.key], `${base}[${i}].${c.key}`)));
  }
  const rm = el("button", { type: "button", textContent: t("remove-row", "Remove") });
  rm.dataset.remove = f.key;
  rm.addEventListener("click", () => { row.remove(); renumber(f, base); });
  row.append(rm, el("span", { className: "msg", role: "alert" }));
  return row;
}

// renumber keeps the rows' paths in step with their order after a removal.
function renumber(f, base) {
  if (f.kind !== "rows") return;
  [...document.querySelectorAll(`fieldset[data-path="${base}"] > .row`)].forEach((row, i) => {
    row.dataset.path = `${base}[${i}]`;
    for (const c of row.querySelectorAll("[data-key]")) c.dataset.path = `${base}[${i}].${c.dataset.key}`;
  });
}

function block(f, v, base) {
  const path = base ? `${base}.${f.key}` : f.key;
  if (f.kind === "levels" || f.kind === "rows") {
    const fs = el("fieldset", {}, el("legend", { textContent: lbl(f) }));
    fs.dataset.path = path;
    fs.dataset.kind = f.kind;
    const entries = f.kind === "levels" ? Object.entries(v || {}) : v || [];
    const add = el("button", { type: "button", textContent: `${t("add-row", "Add")}: ${lbl(f.kind === "levels" ? { label: f.item } : f.row ? { label: f.row } : f)}` });
    add.dataset.add = f.key;
    add.addEventListener("click", () => {
      const n = fs.querySelectorAll(":scope > .row").length;
      const row = rowOf(f, path, f.kind === "levels" ? ["", ""] : {}, n);
      fs.insertBefore(row, add);
      row.querySelector("input, select").focus();
    });
    entries.forEach((e, i) => fs.append(rowOf(f, path, e, i)));
    fs.append(add, el("span", { className: "msg", role: "alert" }));
    return fs;
  }
  if (f.kind === "group") {
    const fs = el("fieldset", {}, el("legend", { textContent: lbl(f) }));
    fs.dataset.path = path;
    for (const sub of f.fields) fs.append(block(sub, (v || {})[sub.key], path));
    return fs;
  }
  const c = input(f, v, path);
  return fieldBox(f, f.kind === "check" ? el("label", {}, c, " " + lbl(f)) : el("label", {}, lbl(f) + " ", c));
}

// formShow fills the form with an item's fields (a new item: none).
function formShow(section, fields) {
  cfgForm.fields = fields || {};
  const box = $("cfg-fields");
  box.replaceChildren();
  for (const f of FORMS[section]) box.append(block(f, cfgForm.fields[f.key], ""));
}

// value reads one control back as the setting's value: null for an empty
// one, so the API removes the setting and its default applies.
function value(f, c) {
  const v = c.value.trim();
  switch (f.kind) {
    case "check": return c.checked ? true : null;
    case "number": {
      if (v === "") return null;
      const n = Number(v);
      if (Number.isNaN(n)) return v; // the API names it
      return f.omitZero && n === 0 ? null : n;
    }
    case "list": return v ? v.split(",").map((x) => x.trim()).filter((x) => x) : null;
    case "pairs": {
      const m = {};
      for (const p of v.split(/[\s,]+/).filter((x) => x)) {
        const [k, l] = p.split("=");
        m[k] = l === undefined || l === "" || Number.isNaN(Number(l)) ? l || 0 : Number(l);
      }
      return m;
    }
  }
  return v || null;
}

function collect(f, scope, base) {
  const path = base ? `${base}.${f.key}` : f.key;
  if (f.kind === "levels") {
    const m = {};
    for (const row of scope.querySelectorAll(`fieldset[data-path="${path}"] > .row`)) {
      const name = row.querySelector('[data-role="name"]').value.trim();
      if (name) m[name] = value({ kind: "number" }, row.querySelector('[data-role="level"]'));
    }
    return m;
  }
  if (f.kind === "rows") {
    return [...scope.querySelectorAll(`fieldset[data-path="${path}"] > .row`)].map((row) => {
      const o = {};
      for (const c of f.cols) o[c.key] = value(c, row.querySelector(`[data-key="${c.key}"]`));
      return o;
    });
  }
  if (f.kind === "group") {
    const o = {};
    for (const sub of f.fields) o[sub.key] = collect(sub, scope, path);
    return o;
  }
  return value(f, scope.querySelector(`[data-path="${path}"]`));
}

// formFields is the form's settings as the API takes them.
function formFields(section) {
  const out = {};
  for (const f of FORMS[section]) out[f.key] = collect(f, $("cfg-fields"), "");
  return out;
}

// formProblems shows each problem the API names by a setting next to that
// setting's field (the closest one shown: a skill's row, a list's row, the
// list); it returns the problems no field took.
function formProblems(fields) {
  const box = $("cfg-fields");
  for (const m of box.querySelectorAll(".msg")) { m.textContent = ""; m.classList.remove("hint"); }
  for (const c of box.querySelectorAll("[aria-invalid]")) c.removeAttribute("aria-invalid");
  const left = [];
  for (const p of fields) {
    const target = fieldFor(box, p.field);
    if (!target) { left.push(p.problem); continue; }
    const m = target.matches(".row, .field, fieldset") ? target.querySelector(":scope > .msg") : msgOf(target);
    m.textContent = m.textContent ? `${m.textContent}\n${p.problem}` : p.problem;
    m.classList.remove("hint");
    if (target.matches("input, select")) target.setAttribute("aria-invalid", "true");
  }
  return left;
}

// fieldFor finds the control (or row, or list) a setting's path names.
function fieldFor(box, path) {
  for (let p = path; p; p = p.replace(/(\.[^.[]*|\[\d+\])$/, "")) {
    const c = box.querySelector(`[data-path="${CSS.escape(p)}"]`);
    if (c) return c;
    // A levels field's entry: "skills.billing" is the row naming billing.
    const dot = p.lastIndexOf(".");
    const fs = dot > 0 && box.querySelector(`fieldset[data-kind="levels"][data-path="${CSS.escape(p.slice(0, dot))}"]`);
    if (fs) {
      const name = p.slice(dot + 1);
      const row = [...fs.querySelectorAll(":scope > .row")].find((r) => r.querySelector('[data-role="name"]').value.trim() === name);
      if (row) return row.querySelector('[data-role="level"]');
    }
  }
  return null;
}

Object.assign(window, { cfgForm, formUse, formShow, formFields, formProblems });
})();
