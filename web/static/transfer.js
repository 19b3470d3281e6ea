// Desk: answer and hang up, hold and transfer of the agent's call, blind
// or attended (a consult, then complete or cancel), to an agent, a queue or
// a number. Keys: A answers (where the desk can: see desk_answer), E hangs
// up (declines a ringing call), H holds or takes the caller back, T goes to
// the transfer target.
"use strict";

Object.assign(I18N.ru, {
  answer: "Ответить", hangup: "Завершить", decline: "Отклонить", "answer-phone": "Снимите трубку, чтобы ответить (answer: phone)",
  hold: "Удержание", unhold: "Вернуть", "xfer-to": "Перевести на", number: "Номер", "xfer-target": "Кому",
  "xfer-blind": "Перевести", "xfer-consult": "Консультация", "xfer-complete": "Завершить перевод", "xfer-cancel": "Отменить перевод",
});

// deskTransfer shows the controls that fit the call's phase; render calls
// it with the desk's agent and its call.
function deskTransfer(a, call) {
  const mine = !!call && call.agent === deskAgent();
  const ringing = !!a && a.state === "ringing";
  // A real switch cannot pick up a ringing phone: the agent answers there.
  $("btn-answer").hidden = !ringing || !a.desk_answer;
  $("answer-phone").hidden = !ringing || a.desk_answer;
  const hang = $("btn-hangup");
  hang.hidden = !(ringing || mine); // during a consult: the transfer completes, or goes on blind while the target rings
  hang.textContent = ringing ? t("decline", "Decline") : t("hangup", "Hang up");
  $("call-answer").hidden = $("btn-answer").hidden && hang.hidden;
  $("call-controls").hidden = !mine;
  if (!mine) return;
  const phase = call.phase;
  const held = phase === "held";
  const talking = phase === "bridged" || held;
  const hold = $("btn-hold");
  hold.dataset.action = held ? "unhold" : "hold";
  hold.textContent = held ? t("unhold", "Take back") : t("hold", "Hold");
  hold.setAttribute("aria-pressed", String(held));
  hold.disabled = !talking;
  $("btn-xfer-blind").disabled = $("btn-xfer-consult").disabled = !talking;
  $("btn-xfer-consult").hidden = $("xfer-kind").value === "queue";
  $("btn-xfer-complete").hidden = $("btn-xfer-cancel").hidden = phase !== "consulting";
  const list = $("xfer-list");
  // Each choice is sent as its id; an agent's name is shown beside it.
  const choices = $("xfer-kind").value === "queue" ? [...state.queues.keys()].map((q) => ({ value: q, label: q }))
    : $("xfer-kind").value === "agent" ? [...state.agents.values()].filter((x) => x.id !== deskAgent() && x.state === "available")
      .map((x) => ({ value: x.id, label: x.name && x.name !== x.id ? x.name : x.id })) : [];
  const key = choices.map((c) => c.value + "\t" + c.label).join("\n");
  if (list.dataset.names !== key) {
    list.dataset.names = key;
    list.replaceChildren(...choices.map((c) => Object.assign(document.createElement("option"), c)));
  }
}

async function callAction(action, body) {
  $("desk-error").textContent = "";
  try {
    await api("POST", `/api/v1/agents/${encodeURIComponent(deskAgent())}/call/${action}`, body);
  } catch (e) {
    $("desk-error").textContent = e.message;
  }
}

function transferTo(attended) {
  const target = $("xfer-target").value.trim();
  if (!target) { $("xfer-target").focus(); return; }
  callAction("transfer", { [$("xfer-kind").value]: target, attended });
}

document.addEventListener("DOMContentLoaded", () => {
  $("btn-answer").addEventListener("click", () => callAction("answer"));
  $("btn-hangup").addEventListener("click", () => callAction("hangup"));
  $("btn-hold").addEventListener("click", (e) => callAction(e.currentTarget.dataset.action || "hold"));
  $("btn-xfer-blind").addEventListener("click", () => transferTo(false));
  $("btn-xfer-consult").addEventListener("click", () => transferTo(true));
  $("btn-xfer-complete").addEventListener("click", () => callAction("complete"));
  $("btn-xfer-cancel").addEventListener("click", () => callAction("cancel"));
  $("xfer-kind").addEventListener("change", () => render());
  $("xfer-target").addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); transferTo(false); } });
  document.addEventListener("keydown", (e) => {
    const k = shortcut(e);
    const own = { a: "btn-answer", e: "btn-hangup" }[k];
    if (own && !$(own).hidden) { e.preventDefault(); $(own).click(); return; }
    if ($("call-controls").hidden) return;
    if (k === "h" && !$("btn-hold").disabled) { e.preventDefault(); $("btn-hold").click(); }
    if (k === "t") { e.preventDefault(); $("xfer-target").focus(); }
  });
});
