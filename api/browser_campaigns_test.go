package api

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/api/auth"
)

// A supervisor's campaigns page: the campaign with its leads, started from
// the keyboard; its dials and answers climb on the page as the engine
// places them (the stream carries them; the page reads no campaign list);
// paused, it dials no more while leads are still due; a CSV with one bad
// row imports the rest and shows that row's error by its number; the
// export holds every lead with its state; a survey campaign lists its
// answers, and started outside its schedule says so. An agent signed in gets no
// campaigns page or controls, and the API refuses them the controls.
func TestBrowserCampaigns(t *testing.T) {
	ctx, cancel := browser(t)
	defer cancel()
	// The survey's schedule is closed now (twelve hours away).
	h := (time.Now().UTC().Hour() + 12) % 24
	d := newTestDaemon(t, campaignYAML+strings.Replace(surveyYAML, `hours: "00:00-24:00"`, fmt.Sprintf(`hours: "%02d:00-%02d:30"`, h, h), 1))
	// A survey lead answered already: its answers are on the page.
	if _, err := d.db.ImportLeads([]campaign.Lead{{Campaign: "poll", Phone: "+12125550170", Name: "Pat",
		State: campaign.Done, Attempts: 1, Answers: map[string]string{"satisfaction": "4", "recommend": "1"}}}); err != nil {
		t.Fatal(err)
	}
	var leads []campaign.Lead
	for i := range 6 {
		p := fmt.Sprintf("+1212555011%d", i)
		leads = append(leads, campaign.Lead{Campaign: "spring", Phone: p, Name: "Lead " + strconv.Itoa(i)})
		if err := d.sw.SetPhone("sim/"+p, farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 100 * time.Millisecond, HangupAfter: 700 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.sw.SetPhone("sim/alice", farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 20 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.db.ImportLeads(leads); err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	sctx, stopServe := context.WithCancel(context.Background())
	go func() { served <- d.rt.ServeLeads(sctx, d.db, 20*time.Millisecond) }()
	defer func() {
		stopServe()
		if err := <-served; err != nil {
			t.Errorf("serve leads: %v", err)
		}
	}()
	srv := serveUsers(t, New(d.rt, d.db, zerolog.Nop()), d,
		auth.User{Name: "sue", Role: auth.Supervisor}, auth.User{Name: "al", Role: auth.Agent, Agent: "alice"})
	ctx, cancelT := context.WithTimeout(ctx, 45*time.Second)
	defer cancelT()
	signIn := func(name string) error {
		return chromedp.Do(ctx, signInTasks(srv, name), chromedp.Navigate(srv+"/#campaigns"))
	}
	row := `#campaigns tr[data-campaign="spring"]`
	col := func(c string) string {
		return fmt.Sprintf(`document.querySelector('%s td[data-col="%s"]').textContent`, row, c)
	}
	btn := func(action string) string { return fmt.Sprintf(`%s button[data-action="%s"]`, row, action) }
	figure := func(c string) int {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](col(c)))
		if err != nil {
			t.Fatal(err)
		}
		n, err := strconv.Atoi(strings.Fields(s + " x")[0])
		if err != nil {
			t.Fatalf("%s shows %q, not a number", c, s)
		}
		return n
	}

	if err := signIn("sue"); err != nil {
		t.Fatalf("supervisor sign-in: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(row)),
		poll(col("state")+` === "stopped" && `+col("agents")+` === "1" && `+col("leads")+`.startsWith("6:")`)); err != nil {
		t.Fatalf("the campaign as the page first shows it: %v", err)
	}
	if on, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('`+row+` button[data-action]')].map(b => b.dataset.action + (b.disabled ? "-" : "+")).join(" ")`)); err != nil || on != "start+ pause- resume- stop-" {
		t.Errorf("stopped, the buttons enabled are %q (%v), want start only", on, err)
	}
	screenshot(t, ctx, "campaigns-stopped")

	// Start, from the keyboard; the figures climb with no reload.
	if err := chromedp.Do(ctx, chromedp.Focus(chromedp.CSS(btn("start"))), chromedp.KeyEvent("\r"),
		poll(col("state")+` === "running"`)); err != nil {
		t.Fatalf("start: %v", err)
	}
	if err := chromedp.Do(ctx, poll(`document.activeElement.dataset.action === "pause"`)); err != nil {
		f, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.dataset.action || document.activeElement.tagName`))
		t.Errorf("after start from the keyboard the focus is on %q (%v), want the row's pause", f, err)
	}
	if err := chromedp.Do(ctx, poll(`parseInt(`+col("dials")+`) >= 2 && parseInt(`+col("answers")+`) >= 1 && parseInt(`+col("connected")+`) >= 1`)); err != nil {
		t.Fatalf("the dials and answers did not climb on the page: dials %q answers %q: %v",
			must(chromedp.Run(ctx, chromedp.Evaluate[string](col("dials")))), must(chromedp.Run(ctx, chromedp.Evaluate[string](col("answers")))), err)
	}
	// Once a call is handled, the mode's tooltip says what the pacer paces by.
	if err := chromedp.Do(ctx, poll(`document.querySelector('`+row+` td[data-col="mode"]').title.includes(" talks (mean ")`)); err != nil {
		t.Errorf("the mode's tooltip does not say what the pacer learned: %q (%v)",
			must(chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('`+row+` td[data-col="mode"]').title`))), err)
	}
	screenshot(t, ctx, "campaigns-running")
	// Running, every column and button fits a 1200-pixel window.
	fits := func(when string) {
		t.Helper()
		var right, window, page int
		w, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[Math.ceil(document.querySelector('#campaigns').getBoundingClientRect().right),
			document.documentElement.clientWidth, document.documentElement.scrollWidth].join(" ")`))
		if err == nil {
			_, err = fmt.Sscan(w, &right, &window, &page)
		}
		if err != nil || right > window || page > window {
			t.Errorf("%s, the campaigns table ends at %d px, the page is %d px wide in a %d-pixel window (%v): it does not fit",
				when, right, page, window, err)
		}
	}
	fits("running")

	// Pause: dialing stops while leads are still due.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(btn("pause"))), poll(col("state")+` === "paused"`),
		poll(`!document.querySelector('`+btn("resume")+`').disabled && document.querySelector('`+btn("pause")+`').disabled`)); err != nil {
		t.Fatalf("pause: %v", err)
	}
	// A dial already saved when the pause came is still placed once its
	// write is durable (milliseconds): count from a moment later.
	time.Sleep(300 * time.Millisecond)
	paused := figure("dials")
	time.Sleep(1500 * time.Millisecond)
	if n := figure("dials"); n != paused {
		t.Errorf("paused at %d dials, the page shows %d 1.5 s later", paused, n)
	}
	due := 0
	_ = d.db.CampaignLeads("spring", func(l campaign.Lead) bool {
		if l.State.Dialable() {
			due++
		}
		return true
	})
	if due == 0 || paused >= len(leads) {
		t.Fatalf("paused after %d dials with %d leads due: the pause proves nothing", paused, due)
	}
	// Today's talk, from the report, once the calls are over.
	if talk, err := chromedp.Run(ctx, chromedp.Evaluate[string](`campTalk().then(() => `+col("talk")+`)`, chromedp.EvalAwaitPromise)); err != nil || !strings.Contains(talk, "AHT") {
		dbg, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => { const now = new Date(), from = new Date(now); from.setHours(0, 0, 0, 0);
			const q = new URLSearchParams({ from: from.toISOString(), to: now.toISOString(), interval: "period" });
			return fetch("/api/v1/reports/campaigns?" + q).then(r => r.text()); })()`, chromedp.EvalAwaitPromise))
		t.Errorf("talk today: %q %v; %s", talk, err, dbg)
	}

	// Import a CSV whose third row (the header is row 1) has no usable number.
	file := filepath.Join(t.TempDir(), "more.csv")
	if err := os.WriteFile(file, []byte("Tel,Name\n(212) 555-0190,Ann\n12,Bob\n212-555-0191,Cy\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.ID("camp-file"), []string{file}),
		chromedp.SendKeys(chromedp.ID("camp-map"), "phone=Tel,name=Name"), chromedp.SendKeys(chromedp.ID("camp-region"), "us"),
		chromedp.Click(chromedp.ID("camp-import-btn")),
		chromedp.WaitVisible(chromedp.CSS(`#camp-import-errors li[data-row="3"]`))); err != nil {
		t.Fatalf("import: %v", err)
	}
	bad, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#camp-import-errors li[data-row="3"]`)))
	res, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("camp-import-result")))
	n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#camp-import-errors li").length`))
	if !strings.HasPrefix(bad, "Row 3 (Tel): ") || !strings.Contains(res, "3 rows; imported 2,") || !strings.Contains(res, "refused 1") || n != 1 {
		t.Errorf("import shows %q and %d errors: %q", res, n, bad)
	}
	if err := chromedp.Do(ctx, poll(col("leads")+`.startsWith("8:")`)); err != nil {
		t.Errorf("lead counts after the import: %q %v", must(chromedp.Run(ctx, chromedp.Evaluate[string](col("leads")))), err)
	}
	screenshot(t, ctx, "campaigns-imported")

	// The export link: every lead, with its state.
	csv, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.querySelector('`+row+` a.camp-export').href).then(r => r.text())`, chromedp.EvalAwaitPromise))
	lines := strings.Split(strings.TrimSpace(csv), "\n")
	if err != nil || len(lines) != 9 || !strings.HasPrefix(lines[0], "id,phone,name,timezone,state,") || !strings.Contains(csv, ",done,1,") || !strings.Contains(csv, ",'+12125550190,Ann,America/New_York,new,0,") {
		t.Errorf("export (%v):\n%s", err, csv)
	}

	// The survey's answers; the agent campaign offers none.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#campaigns tr[data-campaign="poll"] button[data-answers]`)),
		chromedp.WaitVisible(chromedp.ID("camp-answers"))); err != nil {
		t.Fatalf("survey answers: %v", err)
	}
	if got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("#camp-answers-table tr")].map(r => r.innerText.replace(/\s+/g, " ").trim()).join(" | ")`)); err != nil ||
		got != "Lead Number recommend satisfaction | Pat +12125550170 1 4" {
		t.Errorf("survey answers table: %q %v", got, err)
	}
	if hidden, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('`+row+` button[data-answers]').hidden`)); err != nil || !hidden {
		t.Errorf("the agent campaign offers survey answers: %v %v", !hidden, err)
	}
	// Started outside its schedule, the survey says so.
	poll := `#campaigns tr[data-campaign="poll"]`
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(poll+` button[data-action="start"]`)),
		chromedp.WaitVisible(chromedp.CSS(poll+` td.cstate-outside-hours`))); err != nil {
		t.Fatalf("survey started outside its schedule: %v", err)
	}
	if st, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(poll+` td[data-col="state"]`))); err != nil || st != "outside schedule" {
		t.Errorf("survey outside its schedule shows %q %v", st, err)
	}

	// Leads a PBX shutdown cut are counted beside the abandoned, with why.
	// The survey, outside its schedule, dials nothing: its figures stay
	// as set here (read in the same turn, before any stream update).
	shutdown := func() string {
		t.Helper()
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
			const k = state.campaigns.get("poll"); k.stats = Object.assign({}, k.stats, {abandoned: 1, switch_shutdown: 3}); campRender();
			const td = document.querySelector('`+poll+` td[data-col="abandoned"]'); return td.textContent + " | " + td.title; })()`))
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := shutdown(); got != "1 · PBX shutdown 3 | Leads whose calls a PBX shutdown cut; they are dialed again" {
		t.Errorf("a campaign's shutdown-cut leads show as %q", got)
	}
	if has, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`fetch("/api/v1/campaigns").then(r => r.json()).then(l => l.every(k => k.stats.switch_shutdown === 0))`, chromedp.EvalAwaitPromise)); err != nil || !has {
		t.Errorf("the campaigns' status carries no switch_shutdown count (%v)", err)
	}

	if err := pickLang(ctx, "ru"); err != nil {
		t.Fatal(err)
	}
	if txt, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(btn("resume")))); err != nil || txt != "Продолжить" {
		t.Errorf("Russian resume button: %q %v", txt, err)
	}
	if txt, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("who").textContent + " | " + document.querySelector('#chart-interval option[value="15m"]').textContent`)); err != nil ||
		txt != "sue (супервизор) | 15 мин" {
		t.Errorf("in Russian, the role and chart interval read %q (%v)", txt, err)
	}
	if got := shutdown(); got != "1 · обрыв АТС 3 | Контакты, чьи звонки оборвала остановка АТС; их наберут снова" {
		t.Errorf("in Russian, a campaign's shutdown-cut leads show as %q", got)
	}
	fits("in Russian, with today's talk")
	if err := pickLang(ctx, "en"); err != nil {
		t.Fatal(err)
	}

	// An agent: no campaigns page, and the API refuses the controls.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("login-name"))); err != nil {
		t.Fatal(err)
	}
	if err := signIn("al"); err != nil {
		t.Fatalf("agent sign-in: %v", err)
	}
	seen, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[document.getElementById("nav-campaigns").hidden, document.getElementById("campaigns-view").hidden,
		document.querySelectorAll("#campaigns button").length, location.hash].join(" ")`))
	if err != nil || seen != "true true 0 #campaigns" {
		t.Errorf("the agent's page at #campaigns: nav hidden, view hidden, buttons, hash = %q (%v)", seen, err)
	}
	codes, err := chromedp.Run(ctx, chromedp.Evaluate[string](`Promise.all([
		fetch("/api/v1/campaigns/spring/resume", {method: "POST", headers: {"X-CSRF-Token": csrf}}).then(r => r.status),
		fetch("/api/v1/campaigns").then(r => r.status),
		fetch("/api/v1/campaigns/spring/leads.csv").then(r => r.status)]).then(s => s.join(" "))`, chromedp.EvalAwaitPromise))
	if err != nil || codes != "403 403 403" {
		t.Errorf("the agent's campaign requests: %q %v", codes, err)
	}
	screenshot(t, ctx, "campaigns-agent")
}

// surveyYAML adds a survey campaign to campaignYAML.
const surveyYAML = `  - name: poll
    kind: survey
    flow: poll
    endpoint: sim/{number}
    schedule: {hours: "00:00-24:00", time_zone: UTC}
flows:
  poll:
    start: q1
    nodes:
      q1: {kind: collect, prompt: [sound:rate-us], var: satisfaction, length: 1, timeout: 5s, retries: 0, next: bye}
      bye: {kind: hangup, prompt: [sound:thanks]}
`

// must is v, for a failure message (its error is the failure's own).
func must[T any](v T, _ error) T { return v }
