// Hotline desk, admin pages: the config file's sections item by item. Each
// save goes through the API, which checks the whole file as
// `hotline config validate` does, keeps a backup, writes only the item's
// lines and applies the file to the running engine.
"use strict";

Object.assign(I18N.ru, {
  admin: "Настройка", configuration: "Конфигурация", "cfg-file": "Файл", new: "Добавить", "flow-name": "Имя сценария",
  "cfg-yaml": "Параметры (YAML, как в файле)", "save-apply": "Сохранить и применить", delete: "Удалить",
  saved: "Сохранено и применено; копия прежнего файла:", deleted: "Удалено и применено; копия прежнего файла:",
  "confirm-delete": "Нажмите ещё раз, чтобы удалить", entries: "Номера", menus: "Меню", flows: "Сценарии", campaigns: "Кампании",
  users: "Пользователи", dnc: "Не звонить", "dnc-list": "Список «не звонить»", show: "Показать", add: "Добавить",
  "dnc-numbers": "Номера, по одному в строке (E.164 или как пишут в США)", phone: "Номер", added: "Добавлен", source: "Источник",
  remove: "Убрать", role: "Роль", teams: "Группы", "user-queues": "Свои очереди (устарело: укажите пользователя в teams: конфигурации)", "new-password": "Новый пароль",
  disabled: "Отключён", "locked-until": "Заблокирован до", "user-saved": "Пользователь сохранён",
  "dnc-more": "Показаны первые 5000 номеров списка; весь список: hotline dnc export или API (offset)",
});

// templates start a new item of each section.
const CFG_TEMPLATES = {
  agents: "id: \nname: \nendpoint: PJSIP/\nskills: {}\nqueues:\n  - {queue: , penalty: 0}\n",
  queues: "name: \nstrategy: longest-idle\nservice_level: 20s\nwrap_up: 30s\ntargets: []\nannounce: {interval: 0s}\noverflow: {action: hangup}\n",
  entries: "number: \"\"\nqueue: \n",
  menus: "name: \nprompt: []\noptions:\n  \"1\": {queue: }\n",
  flows: "start: \nnodes: {}\n",
  campaigns: "name: \nqueues: []\n",
  teams: "name: \nqueues: []\nagents: []\nsupervisors: []\n",
};

const cfg = { section: "agents", version: "", items: [], item: null, loaded: false };

function cfgSectionButtons() {
  const box = $("cfg-sections");
  if (box.childElementCount) return;
  for (const s of [...Object.keys(CFG_TEMPLATES), "users", "dnc"]) {
    const b = document.createElement("button");
    b.type = "button";
    b.role = "tab";
    b.dataset.section = s;
    b.dataset.i18n = s;
    b.dataset.en = s === "dnc" ? "Do not call" : s[0].toUpperCase() + s.slice(1);
    b.textContent = t(s, b.dataset.en);
    b.addEventListener("click", () => { cfg.section = s; ({ users: usersLoad, dnc: dncLoad }[s] || cfgLoad)(); });
    box.appendChild(b);
  }
}

// adminOpen is called by the router when the admin page is shown.
function adminOpen() {
  cfgSectionButtons();
  if (!cfg.loaded) cfgLoad();
}

async function cfgLoad(select) {
  cfg.loaded = true;
  adminPanel("cfg-panel");
  $("cfg-error").textContent = $("cfg-load-error").textContent = "";
  try {
    const r = await api("GET", `/api/v1/config/${cfg.section}`);
    cfg.version = r.version;
    cfg.items = r.items || [];
    cfg.form = formUse(r);
    cfgOverview(r);
    $("cfg-file").textContent = r.file;
  } catch (e) {
    // Nothing to edit (no config file, or it cannot be read): say so
    // in place of the editor.
    cfg.items = [];
    cfg.item = null;
    cfgList();
    $("cfg-form").hidden = $("cfg-new").hidden = true;
    $("cfg-load-error").textContent = e.message;
    return;
  }
  $("cfg-new").hidden = false;
  cfgList();
  const it = cfg.items.find((i) => i.name === select);
  if (it) cfgEdit(it); else if (!select) { cfg.item = null; $("cfg-form").hidden = true; }
}

function cfgList() {
  const ul = $("cfg-items");
  ul.replaceChildren();
  for (const it of cfg.items) {
    const li = document.createElement("li");
    const b = document.createElement("button");
    b.type = "button";
    b.dataset.item = it.name;
    b.textContent = it.name;
    b.setAttribute("aria-current", String(!!cfg.item && cfg.item.name === it.name));
    b.addEventListener("click", () => cfgEdit(it));
    li.appendChild(b);
    ul.appendChild(li);
  }
}

// cfgEdit opens an item (or a new one, with it null) in the editor.
function cfgEdit(it) {
  cfg.item = it;
  $("cfg-form").hidden = false;
  $("cfg-title").textContent = it ? `${cfg.section}: ${it.name}` : `${cfg.section}: ${t("new", "New")}`;
  $("cfg-yaml").value = it ? it.yaml : CFG_TEMPLATES[cfg.section];
  cfgMode(cfg.form && !cfgForm.yaml);
  if (cfg.form) formShow(cfg.section, it ? it.fields : null);
  const flowName = cfg.section === "flows" && !it;
  $("cfg-name-label").hidden = !flowName;
  $("cfg-name").value = "";
  $("cfg-delete").hidden = !it;
  delete $("cfg-delete").dataset.armed;
  $("cfg-delete").textContent = t("delete", "Delete");
  $("cfg-error").textContent = "";
  $("cfg-problems").replaceChildren();
  cfgList();
  (flowName ? $("cfg-name") : cfg.asForm ? $("cfg-fields").querySelector("input, select") : $("cfg-yaml")).focus();
}

// cfgMode shows the item as a form (asForm) or as its YAML text; the
// button switches between them for sections edited as forms.
function cfgMode(asForm) {
  cfg.asForm = asForm;
  $("cfg-fields").hidden = !asForm;
  $("cfg-yaml-label").hidden = asForm;
  $("cfg-mode").hidden = !cfg.form;
  $("cfg-mode").textContent = asForm ? t("as-yaml", "Edit as YAML") : t("as-form", "Edit in the form");
}

// cfgSend saves (or deletes) the open item; the API answers the problems
// `config validate` finds, one per line, when it refuses.
async function cfgSend(method) {
  $("cfg-error").textContent = "";
  $("cfg-result").textContent = "";
  $("cfg-problems").replaceChildren();
  const it = cfg.item;
  const path = it ? `/api/v1/config/${cfg.section}/${encodeURIComponent(it.name)}` : `/api/v1/config/${cfg.section}`;
  let body;
  if (method !== "DELETE") body = cfg.asForm ? { fields: formFields(cfg.section), version: cfg.version } : { yaml: $("cfg-yaml").value, version: cfg.version };
  if (body && !it && cfg.section === "flows") body.name = $("cfg-name").value.trim();
  try {
    const r = await api(method, path, body);
    await cfgLoad(method === "DELETE" ? "" : r.name);
    const done = method === "DELETE" ? ["deleted", "Deleted and applied; the previous file is kept as"] : ["saved", "Saved and applied; the previous file is kept as"];
    $("cfg-result").textContent = `${cfg.section}: ${r.name}: ${t(...done)} ${r.backup}. ${appliedText(r.applied || {})}`;
  } catch (e) {
    $("cfg-error").textContent = e.message;
    let problems = e.problems || [];
    if (cfg.asForm && e.fields && e.fields.length) {
      const named = new Set(e.fields.map((f) => f.problem));
      problems = problems.filter((p) => !named.has(p)).concat(formProblems(e.fields));
    }
    for (const p of problems) {
      const li = document.createElement("li");
      li.textContent = p;
      $("cfg-problems").appendChild(li);
    }
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("cfg-new").addEventListener("click", () => cfgEdit(null));
  $("cfg-mode").addEventListener("click", () => {
    cfgForm.yaml = cfg.asForm;
    cfgMode(!cfg.asForm);
    if (cfg.asForm) formShow(cfg.section, cfg.item ? cfg.item.fields : null);
  });
  $("cfg-form").addEventListener("submit", (e) => { e.preventDefault(); cfgSend(cfg.item ? "PUT" : "POST"); });
  // Deleting takes a second press of the same button (no dialog, so the
  // keyboard alone does it); any other action disarms it.
  $("cfg-delete").addEventListener("click", (e) => {
    const b = e.currentTarget;
    if (b.dataset.armed !== "1") {
      b.dataset.armed = "1";
      b.textContent = t("confirm-delete", "Press again to delete");
      return;
    }
    cfgSend("DELETE");
  });
});

// Users: the same store as `hotline users`; a change applies to the user's
// next request.
let users = [];
let userOpen = null;

async function usersLoad(select) {
  adminPanel("users-panel");
  $("cfg-file").textContent = "";
  try {
    users = await api("GET", "/api/v1/users");
  } catch (e) {
    users = [];
    $("user-form").hidden = false;
    $("user-error").textContent = e.message;
  }
  const ul = $("user-items");
  ul.replaceChildren();
  for (const u of users) {
    const li = document.createElement("li");
    const b = document.createElement("button");
    b.type = "button";
    b.dataset.user = u.name;
    b.textContent = `${u.name} (${u.role})${u.disabled ? " ✕" : ""}`;
    b.addEventListener("click", () => userEdit(u));
    li.appendChild(b);
    ul.appendChild(li);
  }
  const u = users.find((x) => x.name === select);
  if (u) userEdit(u); else if (!select) $("user-form").hidden = true;
}

function userEdit(u) {
  userOpen = u;
  $("user-form").hidden = false;
  $("user-title").textContent = u ? u.name : t("new", "New");
  $("user-name").value = u ? u.name : "";
  $("user-name").disabled = !!u;
  $("user-role").value = u ? u.role : "agent";
  $("user-agent").value = u ? u.agent || "" : "";
  $("user-teams").value = u ? (u.teams || []).join(", ") : "";
  $("user-password").value = "";
  $("user-disabled").checked = !!(u && u.disabled);
  $("user-locked").textContent = u && u.locked_until && new Date(u.locked_until) > new Date() ? `${t("locked-until", "Locked until")} ${new Date(u.locked_until).toLocaleTimeString(lang)}` : "";
  $("user-error").textContent = "";
  (u ? $("user-role") : $("user-name")).focus();
}

async function userSave() {
  $("user-error").textContent = "";
  const body = {
    role: $("user-role").value,
    agent: $("user-agent").value.trim(),
    teams: $("user-teams").value.split(",").map((x) => x.trim()).filter((x) => x),
    disabled: $("user-disabled").checked,
  };
  if ($("user-password").value) body.password = $("user-password").value;
  if (userOpen && userOpen.locked_until) body.unlock = true;
  try {
    let r;
    if (userOpen) r = await api("PUT", `/api/v1/users/${encodeURIComponent(userOpen.name)}`, body);
    else r = await api("POST", "/api/v1/users", { ...body, name: $("user-name").value.trim() });
    await usersLoad(r.name);
    $("cfg-result").textContent = `${t("user-saved", "User saved")}: ${r.name}`;
  } catch (e) {
    $("user-error").textContent = e.message;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("user-new").addEventListener("click", () => userEdit(null));
  $("user-form").addEventListener("submit", (e) => { e.preventDefault(); userSave(); });
});

// adminPanel shows one of the admin page's panels.
function adminPanel(id) {
  if (id !== "cfg-panel") { $("cfg-overview").hidden = true; $("cfg-load-error").textContent = ""; }
  for (const p of ["cfg-panel", "users-panel", "dnc-panel"]) $(p).hidden = p !== id;
  for (const b of $("cfg-sections").children) b.setAttribute("aria-selected", String(b.dataset.section === cfg.section));
}

// Do-not-call lists: campaigns check them at every dial.
async function dncLoad() {
  adminPanel("dnc-panel");
  $("cfg-file").textContent = "";
  $("dnc-error").textContent = "";
  const list = $("dnc-name").value.trim() || "global";
  const tb = document.querySelector("#dnc-entries tbody");
  tb.replaceChildren();
  try {
    const r = await api("GET", `/api/v1/dnc/${encodeURIComponent(list)}`);
    for (const e of r.entries) {
      const tr = document.createElement("tr");
      tr.dataset.phone = e.phone;
      cell(tr, e.phone); cell(tr, new Date(e.added).toLocaleString(lang)); cell(tr, e.source || "");
      const td = document.createElement("td");
      const b = button("remove", "Remove", { phone: e.phone });
      b.addEventListener("click", () => dncRemove(list, e.phone));
      td.appendChild(b);
      tr.appendChild(td);
      tb.appendChild(tr);
    }
    if (r.truncated) $("dnc-error").textContent = t("dnc-more", "The list's first 5000 numbers are shown; all of it: hotline dnc export, or the API (offset)");
  } catch (e) {
    $("dnc-error").textContent = e.message;
  }
}

async function dncAdd() {
  $("dnc-error").textContent = "";
  const list = $("dnc-name").value.trim() || "global";
  const phones = $("dnc-phones").value.split("\n").map((x) => x.trim()).filter((x) => x);
  if (!phones.length) return;
  try {
    const r = await api("POST", `/api/v1/dnc/${encodeURIComponent(list)}`, { phones });
    $("dnc-phones").value = "";
    await dncLoad();
    $("cfg-result").textContent = `${list}: +${r.added}`;
  } catch (e) {
    $("dnc-error").textContent = e.message;
  }
}

async function dncRemove(list, phone) {
  try {
    await api("DELETE", `/api/v1/dnc/${encodeURIComponent(list)}/${encodeURIComponent(phone)}`);
    await dncLoad();
    $("cfg-result").textContent = `${list}: −${phone}`;
  } catch (e) {
    $("dnc-error").textContent = e.message;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("dnc-load").addEventListener("submit", (e) => { e.preventDefault(); dncLoad(); });
  $("dnc-add").addEventListener("submit", (e) => { e.preventDefault(); dncAdd(); });
});

// cfgOverview is a table of the agents' skills and queues, or the queues'
// routing, as Hotline reads the file (defaults filled in): what the YAML
// items below say, at a glance.
function cfgOverview(r) {
  const table = $("cfg-overview");
  // Durations come as the file writes them ("20s", "0s").
  const set = (d) => d && d !== "0s";
  let head = [], rows = [];
  if (r.agents) {
    head = ["agent", "name", "endpoint", "skills (level)", "queues (penalty)"];
    rows = r.agents.map((a) => [a.id, a.name, a.endpoint,
      Object.entries(a.skills || {}).map(([k, v]) => `${k} ${v}`).join(", "),
      (a.queues || []).map((m) => `${m.queue} (${m.penalty})`).join(", ")]);
  } else if (r.queues) {
    head = ["queue", "strategy", "service level", "targets", "announcements", "overflow"];
    rows = r.queues.map((q) => [q.name, q.strategy, q.service_level,
      (q.targets || []).map((tg) => `${tg.after}: ${Object.keys(tg.skills || {}).join("+") || "any"}`).join("; "),
      q.announce && set(q.announce.interval) ? `${q.announce.interval}${q.announce.position ? " position" : ""}${q.announce.wait_estimate ? " wait" : ""}` : "",
      q.overflow ? [q.overflow.action, q.overflow.queue].filter((x) => x).join(" ") + (set(q.max_wait) ? ` after ${q.max_wait}` : "") : ""]);
  }
  table.hidden = !rows.length;
  const tr = document.createElement("tr");
  for (const h of head) { const th = document.createElement("th"); th.textContent = t(h, h); tr.appendChild(th); }
  table.tHead.replaceChildren(tr);
  table.tBodies[0].replaceChildren(...rows.map((cells) => {
    const row = document.createElement("tr");
    for (const c of cells) cell(row, c || "");
    return row;
  }));
}

// appliedText says what the running engine took from the saved file, as
// `hotline config reload` prints it.
function appliedText(a) {
  const parts = [];
  for (const [k, label] of [["queues_added", "queues added"], ["queues_changed", "queues changed"], ["queues_removed", "queues removed"],
    ["agents_added", "agents added"], ["agents_changed", "agents changed"], ["agents_removed", "agents removed"],
    ["draining", "draining"], ["need_restart", "at the next start"]]) {
    if (a[k] && a[k].length) parts.push(`${t(label, label)}: ${a[k].join(", ")}`);
  }
  if (a.entries_changed) parts.push(t("entries changed", "entries changed"));
  if (a.menus_changed) parts.push(t("menus changed", "menus changed"));
  return parts.length ? parts.join("; ") : t("no-engine-change", "The running engine reports no change to queues, agents, entries or menus.");
}
