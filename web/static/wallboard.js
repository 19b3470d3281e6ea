// Hotline desk, wallboard extras: today's charts (drawn by the API from the
// stored records, refreshed while the wallboard is shown) and a full-screen
// TV mode without controls.
"use strict";

Object.assign(I18N.ru, {
  tv: "Режим ТВ", "chart-interval": "Интервал графика", today: "Сегодня",
});

const CHART_EVERY = 15000; // ms; the API draws at most every 10 s for all wallboards
let chartTimer = null;

function chartRefresh() {
  const img = $("wall-chart");
  if ($("wallboard-view").hidden || !me || me.role === "agent") return;
  img.src = `/api/v1/charts/today?interval=${encodeURIComponent($("chart-interval").value)}&_=${Date.now()}`;
}

function chartFollow() {
  if (chartTimer) return;
  chartRefresh();
  chartTimer = setInterval(chartRefresh, CHART_EVERY);
}

// tv switches TV mode: full screen where the browser allows it (a click
// does), else the layout alone (a kiosk browser opened at #tv).
function tv(on) {
  document.body.classList.toggle("tv", on);
  if (on && document.documentElement.requestFullscreen && !document.fullscreenElement) {
    document.documentElement.requestFullscreen().catch(() => { /* the layout is enough */ });
  }
  if (!on && document.fullscreenElement) document.exitFullscreen();
}

// In TV mode a wallboard taller than the screen (many queues and agents)
// pages through itself, a screen every tvPageMs, back to the top after the
// last, so a kiosk with no one at it shows every queue, agent and call.
var tvPageMs = 12000;
function tvPage() {
  const most = document.documentElement.scrollHeight - window.innerHeight;
  if (!document.body.classList.contains("tv") || most <= 0) return;
  window.scrollTo(0, window.scrollY >= most - 2 ? 0 : Math.min(most, window.scrollY + Math.round(window.innerHeight * 0.9)));
}
function tvPaging() {
  setTimeout(() => { tvPage(); tvPaging(); }, tvPageMs);
}
tvPaging();

function wallRoute() {
  if (location.hash === "#tv") tv(true);
  if (!$("wallboard-view").hidden) chartFollow();
}

document.addEventListener("DOMContentLoaded", () => {
  $("btn-tv").addEventListener("click", () => tv(true));
  $("chart-interval").addEventListener("change", chartRefresh);
  document.addEventListener("fullscreenchange", () => { if (!document.fullscreenElement && location.hash !== "#tv") tv(false); });
  document.addEventListener("keydown", (e) => { if (e.key === "Escape" && document.body.classList.contains("tv")) tv(false); });
  window.addEventListener("hashchange", wallRoute);
  // The router shows the wallboard after sign-in; follow once it is visible.
  new MutationObserver(wallRoute).observe($("wallboard-view"), { attributes: true, attributeFilter: ["hidden"] });
});
