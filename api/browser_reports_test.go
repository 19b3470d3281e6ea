package api

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/api/auth"
)

// A supervisor opens the reports page, runs the queues report by day over
// the stored calls, cut to one queue: the table shows the API's figures,
// the CSV downloads and the period's chart loads. The shortcuts fill the
// period; the page speaks Russian; an agent is not offered the page.
func TestBrowserReports(t *testing.T) {
	ctx, cancel := browser(t)
	defer cancel()
	d := newTestDaemon(t, browserYAML)
	seedReportCalls(t, d.db, "support", "support")
	h := New(d.rt, d.db, zerolog.Nop())
	h.SetChartOptions(ChartOptions{Location: time.UTC, Target: 80})
	url := serveUsers(t, h, d, auth.User{Name: "sue", Role: auth.Supervisor}, auth.User{Name: "al", Role: auth.Agent, Agent: "alice"})
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	defer cancelT()
	signIn := func(ctx context.Context, name, page string) error {
		return chromedp.Do(ctx, chromedp.Navigate(url+page), chromedp.WaitVisible(chromedp.ID("login-name")),
			chromedp.SendKeys(chromedp.ID("login-name"), name), chromedp.SendKeys(chromedp.ID("login-password"), "pw of "+name+"!!"),
			chromedp.Click(chromedp.ID("login-submit")), chromedp.WaitVisible(chromedp.ID("nav")))
	}
	if err := signIn(ctx, "sue", "/#reports"); err != nil {
		t.Fatalf("sign-in: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("reports-view")), poll(`document.querySelector('#rep-kind option[value="queues"]') !== null`)); err != nil {
		t.Fatalf("reports page: %v", err)
	}
	// The shortcuts fill the period from midnight to midnight.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#rep-form button[data-span="yesterday"]`))); err != nil {
		t.Fatal(err)
	}
	span, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => { const d = new Date(); d.setHours(0, 0, 0, 0);
		const y = new Date(d); y.setDate(d.getDate() - 1);
		return [repLocal(y) === $("rep-from").value, repLocal(d) === $("rep-to").value].join() })()`))
	if err != nil || span != "true,true" {
		t.Errorf("yesterday: from, to right = %q %v", span, err)
	}
	// The queues report by day, for support, over the seeded days.
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.ID("rep-kind"), "queues"),
		chromedp.SetValue(chromedp.ID("rep-from"), "2026-01-04T00:00"), chromedp.SetValue(chromedp.ID("rep-to"), "2026-01-09T00:00"),
		chromedp.SetValue(chromedp.ID("rep-interval"), "day"), chromedp.SendKeys(chromedp.ID("rep-filter"), "support"),
		chromedp.Click(chromedp.ID("rep-run")), chromedp.WaitVisible(chromedp.CSS(`#rep-table tbody tr[data-name="support"]`))); err != nil {
		t.Fatalf("run the report: %v", err)
	}
	// The page's cells against the API's figures for the page's own query.
	type row struct {
		Offered, Answered, Abandoned int
		SLAnswered                   float64 `json:"sl_answered"`
	}
	var api struct{ Rows []row }
	js, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch("/api/v1/reports/queues?" + repQuery()).then(r => r.text())`, chromedp.EvalAwaitPromise))
	if err != nil || json.Unmarshal([]byte(js), &api) != nil {
		t.Fatalf("the API's report: %v %s", err, js)
	}
	page, err := chromedp.Run(ctx, chromedp.Evaluate[[]map[string]string](`[...document.querySelectorAll("#rep-table tbody tr")].map(tr =>
		Object.fromEntries([...tr.cells].map(td => [td.dataset.col, td.textContent])))`))
	if err != nil {
		t.Fatal(err)
	}
	if len(api.Rows) != 3 || len(page) != len(api.Rows) {
		t.Fatalf("rows: page %v, API %+v; want 3 days", page, api.Rows)
	}
	for i, r := range api.Rows {
		p := page[i]
		if p["queue"] != "support" || p["offered"] != strconv.Itoa(r.Offered) || p["answered"] != strconv.Itoa(r.Answered) ||
			p["abandoned"] != strconv.Itoa(r.Abandoned) || r.Offered != 3 || p["sl_answered"] != "100.0%" {
			t.Errorf("row %d: page %v, API %+v", i, p, r)
		}
	}
	csv, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.getElementById("rep-csv").href).then(r => r.headers.get("Content-Type") + "|" + (r.ok ? "ok" : r.status))`, chromedp.EvalAwaitPromise))
	if err != nil || csv != "text/csv; charset=utf-8|ok" {
		t.Errorf("CSV download: %q %v", csv, err)
	}
	// The queue_log of the period: the seeded support calls entering their queue.
	qlog, err := chromedp.Run(ctx, chromedp.Evaluate[string](`$("rep-qlog").hidden ? "hidden" :
		fetch($("rep-qlog").href).then(r => r.ok ? r.text() : "status " + r.status)`, chromedp.EvalAwaitPromise))
	if err != nil || strings.Count(qlog, "|support|NONE|ENTERQUEUE|") != 9 {
		t.Errorf("queue_log download: %v\n%s\nwant the 9 support calls entering", err, qlog)
	}
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`new Promise(r => { const i = document.getElementById("rep-chart");
		const ok = () => i.complete && i.naturalWidth > 0; if (ok()) return r(true);
		i.addEventListener("load", () => r(ok())); i.addEventListener("error", () => r(false)); setTimeout(() => r(ok()), 20000); })`,
		chromedp.EvalAwaitPromise))
	if err != nil || !loaded {
		t.Errorf("the period's chart did not load: %v %v", loaded, err)
	}
	screenshot(t, ctx, "reports")
	if err := pickLang(ctx, "ru"); err != nil {
		t.Fatal(err)
	}
	if th, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#rep-table th[data-col="offered"]`))); err != nil || th != "Поступило" {
		t.Errorf("Russian heading %q %v", th, err)
	}
	screenshot(t, ctx, "reports-ru")
	// An agent's page has no reports.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("login-name"))); err != nil {
		t.Fatal(err)
	}
	if err := signIn(ctx, "al", "/?agent"); err != nil {
		t.Fatal(err)
	}
	if hidden, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`new Promise(r => { location.hash = "#reports";
		setTimeout(() => r($("nav-reports").hidden && $("reports-view").hidden), 300) })`, chromedp.EvalAwaitPromise)); err != nil || !hidden {
		t.Errorf("the agent's page offers reports (%v %v)", hidden, err)
	}
}
