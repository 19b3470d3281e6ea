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
});

// templates start a new item of each section.
const CFG_TEMPLATES = {
  agents: "id: \nname: \nendpoint: PJSIP/\nskills: {}\nqueues:\n  - {queue: , penalty: 0}\n",
  queues: "name: \nstrategy: longest-idle\nservice_level: 20s\nwrap_up: 30s\ntargets: []\nannounce: {interval: 0s}\noverflow: {action: hangup}\n",
  entries: "number: \"\"\nqueue: \n",
  menus: "name: \nprompt: []\noptions:\n  \"1\": {queue: }\n",
  flows: "start: \nnodes: {}\n",
  campaigns: "name: \nqueue: \n",
};

const cfg = { section: "agents", version: "", items: [], item: null, loaded: false };

function cfgSectionButtons() {
  const box = $("cfg-sections");
  if (box.childElementCount) return;
  for (const s of Object.keys(CFG_TEMPLATES)) {
    const b = document.createElement("button");
    b.type = "button";
    b.role = "tab";
    b.dataset.section = s;
    b.dataset.i18n = s;
    b.dataset.en = s[0].toUpperCase() + s.slice(1);
    b.textContent = t(s, b.dataset.en);
    b.addEventListener("click", () => { cfg.section = s; cfgLoad(); });
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
  $("cfg-error").textContent = "";
  for (const b of $("cfg-sections").children) b.setAttribute("aria-selected", String(b.dataset.section === cfg.section));
  try {
    const r = await api("GET", `/api/v1/config/${cfg.section}`);
    cfg.version = r.version;
    cfg.items = r.items || [];
    $("cfg-file").textContent = r.file;
  } catch (e) {
    cfg.items = [];
    $("cfg-form").hidden = false;
    $("cfg-error").textContent = e.message;
  }
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
  const flowName = cfg.section === "flows" && !it;
  $("cfg-name-label").hidden = !flowName;
  $("cfg-name").value = "";
  $("cfg-delete").hidden = !it;
  delete $("cfg-delete").dataset.armed;
  $("cfg-delete").textContent = t("delete", "Delete");
  $("cfg-error").textContent = "";
  $("cfg-problems").replaceChildren();
  cfgList();
  (flowName ? $("cfg-name") : $("cfg-yaml")).focus();
}

// cfgSend saves (or deletes) the open item; the API answers the problems
// `config validate` finds, one per line, when it refuses.
async function cfgSend(method) {
  $("cfg-error").textContent = "";
  $("cfg-result").textContent = "";
  $("cfg-problems").replaceChildren();
  const it = cfg.item;
  const path = it ? `/api/v1/config/${cfg.section}/${encodeURIComponent(it.name)}` : `/api/v1/config/${cfg.section}`;
  const body = method === "DELETE" ? undefined : { yaml: $("cfg-yaml").value, version: cfg.version };
  if (body && !it && cfg.section === "flows") body.name = $("cfg-name").value.trim();
  try {
    const r = await api(method, path, body);
    await cfgLoad(method === "DELETE" ? "" : r.name);
    const done = method === "DELETE" ? ["deleted", "Deleted and applied; the previous file is kept as"] : ["saved", "Saved and applied; the previous file is kept as"];
    $("cfg-result").textContent = `${cfg.section}: ${r.name}: ${t(...done)} ${r.backup}`;
  } catch (e) {
    $("cfg-error").textContent = e.message;
    for (const p of e.problems || []) {
      const li = document.createElement("li");
      li.textContent = p;
      $("cfg-problems").appendChild(li);
    }
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("cfg-new").addEventListener("click", () => cfgEdit(null));
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
