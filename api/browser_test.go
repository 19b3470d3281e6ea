package api

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/api/auth"
)

const browserYAML = `
entries:
  - {number: "100", queue: support}
queues:
  - {name: support, wrap_up: 30s}
agents:
  - {id: alice, endpoint: sim/alice, queues: [{queue: support}]}
`

// browser starts a headless Chromium when HOTLINE_BROWSER=1 (as CI's
// browser step sets; a missing browser is then a failure), else skips.
func browser(t *testing.T) (context.Context, func()) {
	t.Helper()
	if os.Getenv("HOTLINE_BROWSER") != "1" {
		// Each browser test takes a core for seconds: the suite runs
		// apart, not in every go test ./....
		t.Skip("browser test: set HOTLINE_BROWSER=1 (needs chromium)")
	}
	path := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		t.Fatal("HOTLINE_BROWSER=1 but no chromium on PATH (apt-get install chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.Flag("headless", true),
		chromedp.WindowSize(1200, 900))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	return ctx, func() { cancelC(); cancelA() }
}

// screenshot saves the page for a person to look at: into
// $HOTLINE_ARTIFACTS when set (CI keeps them), else the test's temp dir.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("HOTLINE_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Error(err)
	}
}

// pickLang switches the page's language as a person does, with the select.
func pickLang(ctx context.Context, lang string) error {
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.ID("lang"), lang)); err != nil {
		return err
	}
	_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("lang").dispatchEvent(new Event("change"))`))
	return err
}

// streamAtOnce bounds how long after the event that a browser may take to
// show a change the event stream pushes "at once". A change the stream
// held back (written but not flushed) would come out with the next
// keep-alive, DefaultKeepAlive later; half of that is far more than a busy
// machine needs for the push, and still tells the two apart.
const streamAtOnce = DefaultKeepAlive / 2

// An agent signs in, logs in and goes ready; a call comes in and the desk
// shows who is calling; the agent saves a disposition with notes. A
// supervisor's wallboard in a second browser shows the agent's state change
// at once, as it is pushed, and which mode its supervisor listens in. The
// agent's page offers no wallboard, and the API refuses the agent the call
// records it may not read.
func TestBrowserDeskAndWallboard(t *testing.T) {
	ctx, cancel := browser(t)
	defer cancel()
	d := newTestDaemon(t, browserYAML)
	if err := d.sw.SetPhone("sim/alice", farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 200 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	h := New(d.rt, d.db, zerolog.Nop())
	h.EnableAuth(d.db, time.Now)
	hs := httptest.NewServer(h)
	defer hs.Close()
	srv := hs.URL
	for _, u := range []auth.User{{Name: "al", Role: auth.Agent, Agent: "alice"}, {Name: "sue", Role: auth.Supervisor}} {
		u.Hash, _ = auth.HashPassword("pw of "+u.Name+"!!", fastParams)
		if err := d.db.SaveUser(&u); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	defer cancelT()
	signIn := func(ctx context.Context, name string) error {
		return chromedp.Do(ctx,
			chromedp.Navigate(srv+"/"),
			chromedp.WaitVisible(chromedp.ID("login-name")),
			chromedp.SendKeys(chromedp.ID("login-name"), name),
			chromedp.SendKeys(chromedp.ID("login-password"), "pw of "+name+"!!"),
			chromedp.Click(chromedp.ID("login-submit")),
			chromedp.WaitVisible(chromedp.ID("nav")),
		)
	}
	// The supervisor's wallboard, in a tab of its own.
	sup, cancelS := chromedp.NewContext(ctx)
	defer cancelS()
	if err := signIn(sup, "sue"); err != nil {
		t.Fatalf("supervisor sign-in: %v", err)
	}
	if err := chromedp.Do(sup, chromedp.Navigate(srv+"/#wallboard"),
		chromedp.WaitVisible(chromedp.CSS(`#agents tr[data-agent="alice"]`))); err != nil {
		t.Fatalf("wallboard: %v", err)
	}
	// The agent's desk.
	if err := signIn(ctx, "al"); err != nil {
		t.Fatalf("agent sign-in: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("btn-login"))); err != nil {
		t.Fatalf("desk: %v", err)
	}
	screenshot(t, ctx, "desk-signed-in")
	if hidden, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("nav-wallboard").hidden`)); err != nil || !hidden {
		t.Errorf("the agent's page offers the wallboard (hidden=%v, %v)", hidden, err)
	}
	if status, err := chromedp.Run(ctx, chromedp.Evaluate[int](`fetch("/api/v1/calls").then(r => r.status)`, chromedp.EvalAwaitPromise)); err != nil || status != 403 {
		t.Errorf("an agent reading call records: %d, %v (want 403)", status, err)
	}
	// Log in (which makes the agent available); the wallboard follows at
	// once (streamAtOnce).
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("btn-login")),
		chromedp.WaitVisible(chromedp.CSS(`#desk-state.state-available`))); err != nil {
		t.Fatalf("log in: %v", err)
	}
	shown := time.Now()
	if err := chromedp.Do(sup, chromedp.WaitVisible(chromedp.CSS(`#agents tr[data-agent="alice"] td.state-available`))); err != nil {
		t.Fatalf("wallboard did not show alice available: %v", err)
	}
	if d := time.Since(shown); d > streamAtOnce {
		t.Errorf("wallboard took %v longer than the desk to show the change, want under %v", d, streamAtOnce)
	}
	screenshot(t, sup, "wallboard")
	// The supervisor pauses alice from the wallboard, with a reason; her
	// desk shows it. Then makes her ready again, for the call below.
	if err := chromedp.Do(sup, chromedp.SetValue(chromedp.ID("wall-reason"), "coaching"),
		chromedp.Click(chromedp.CSS(`#agents tr[data-agent="alice"] button[data-action="pause"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#agents tr[data-agent="alice"] td.state-paused`))); err != nil {
		t.Fatalf("wallboard pause: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#desk-state.state-paused`))); err != nil {
		t.Fatalf("the desk did not show the supervisor's pause: %v", err)
	}
	if st, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("desk-state"))); err != nil || !strings.Contains(st, "coaching") {
		t.Errorf("desk state %q (%v), want the reason coaching", st, err)
	}
	screenshot(t, sup, "wallboard-paused")
	if err := chromedp.Do(sup, chromedp.Click(chromedp.CSS(`#agents tr[data-agent="alice"] button[data-action="ready"]`))); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#desk-state.state-available`))); err != nil {
		t.Fatalf("the desk did not show the supervisor's ready: %v", err)
	}
	// A call: the desk shows the caller.
	if _, err := d.sw.PlaceCall(farend.CallScript{From: "+12125550187", To: "100", HangupAfter: time.Minute}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("desk-call"))); err != nil {
		t.Fatalf("screen pop: %v", err)
	}
	caller, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("call-caller")))
	if err != nil || !strings.Contains(caller, "2125550187") {
		t.Errorf("screen pop shows caller %q (%v)", caller, err)
	}
	screenshot(t, ctx, "desk-call")
	// The wallboard lists the live call with its monitor buttons; listening
	// without a phone entered is refused on the page, with one it reaches the API.
	if err := chromedp.Do(sup, chromedp.WaitVisible(chromedp.CSS(`#calls tr button[data-spy="listen"][data-agent="alice"]`)),
		chromedp.Click(chromedp.CSS(`#calls tr button[data-spy="listen"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#wall-error:not(:empty)`))); err != nil {
		t.Fatalf("listen without a phone: %v", err)
	}
	if err := chromedp.Do(sup, chromedp.SendKeys(chromedp.ID("spy-endpoint"), "sim/sue")); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(sup, chromedp.Evaluate[bool](`document.getElementById("spy-endpoint").dispatchEvent(new Event("change"))`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(sup, chromedp.Click(chromedp.CSS(`#calls tr button[data-spy="listen"]`))); err != nil {
		t.Fatal(err)
	}
	spied, err := chromedp.Run(sup, chromedp.Evaluate[string](`new Promise(r => setTimeout(() => r(localStorage.getItem("hotline-spy-endpoint") + "|" + document.getElementById("wall-error").textContent), 500))`, chromedp.EvalAwaitPromise))
	if err != nil || spied != "sim/sue|" {
		t.Errorf("listen from sim/sue: remembered endpoint | error = %q (%v)", spied, err)
	}
	// The wallboard says which mode the supervisor is in, and switches it.
	pressed := `[...document.querySelectorAll('#calls tr button[aria-pressed="true"]')].map(b => b.dataset.spy).join()`
	if err := chromedp.Do(sup, poll(pressed+` === "listen"`)); err != nil {
		t.Errorf("listening is not shown on the wallboard: %v", err)
	}
	if err := chromedp.Do(sup, chromedp.Click(chromedp.CSS(`#calls tr button[data-spy="whisper"]`)), poll(pressed+` === "whisper"`)); err != nil {
		errText, _ := chromedp.Run(sup, chromedp.Text(chromedp.ID("wall-error")))
		t.Errorf("whispering is not shown on the wallboard in place of listening: %v (%q)", err, errText)
	}
	screenshot(t, sup, "wallboard-call")
	// Disposition and notes, during the call.
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("dispo-form")),
		chromedp.SendKeys(chromedp.ID("dispo"), "resolved"), chromedp.SendKeys(chromedp.ID("notes"), "asked about prices")); err != nil {
		t.Fatalf("disposition form: %v", err)
	}
	callID, err := chromedp.Run(ctx, chromedp.Evaluate[string](`lastCall`))
	if err != nil || callID == "" {
		t.Fatalf("call id on the page: %q %v", callID, err)
	}
	// Saved (the form empties); the agent corrects the disposition alone,
	// leaving the emptied notes alone, which keeps the notes saved (an
	// empty notes field sent as "" erased them). Then the agent hangs up
	// from the desk; the record carries them once the call is over.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("dispo-submit")), poll(`document.getElementById("dispo").value === ""`),
		chromedp.SendKeys(chromedp.ID("dispo"), "escalated"), chromedp.Click(chromedp.ID("dispo-submit")),
		poll(`document.getElementById("dispo").value === ""`), chromedp.Click(chromedp.ID("btn-hangup"))); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		rec, err := d.db.Call(callID)
		if err == nil && !rec.Ended.IsZero() && rec.Disposition == "escalated" && rec.Notes == "asked about prices" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("call %q record: %+v %v", callID, rec, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := pickLang(ctx, "ru"); err != nil {
		t.Fatal(err)
	}
	if title, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("btn-ready"))); err != nil || title != "Готов" {
		t.Errorf("Russian: %q %v", title, err)
	}
	screenshot(t, ctx, "desk-ru")
}

// serveUsers serves h with auth on, for the users given (password "pw of
// NAME!!"), and returns the server's URL.
func serveUsers(t *testing.T, h *Server, d *testDaemon, users ...auth.User) string {
	t.Helper()
	h.EnableAuth(d.db, time.Now)
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	for _, u := range users {
		u.Hash, _ = auth.HashPassword("pw of "+u.Name+"!!", fastParams)
		if err := d.db.SaveUser(&u); err != nil {
			t.Fatal(err)
		}
	}
	return hs.URL
}
