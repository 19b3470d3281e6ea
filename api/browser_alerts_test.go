package api

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/api/auth"
)

const alertsYAML = `
entries:
  - {number: "100", queue: support}
queues:
  - {name: support, ring_timeout: 2s, retry_delay: 1s}
agents:
  - {id: alice, endpoint: sim/alice, queues: [{queue: support}]}
`

// The agent works the desk from the keyboard alone (log in, pause, ready);
// a call offered to her rings (WebAudio) and flashes, and when she lets it
// ring out it is listed as missed, with a chime and a highlight that M
// clears.
func TestBrowserDeskAlertsAndKeys(t *testing.T) {
	ctx, cancel := browser(t)
	defer cancel()
	d := newTestDaemon(t, alertsYAML)
	if err := d.sw.SetPhone("sim/alice", farend.Phone{Mode: farend.PhoneNoAnswer}); err != nil {
		t.Fatal(err)
	}
	url := serveUsers(t, New(d.rt, d.db, zerolog.Nop()), d, auth.User{Name: "al", Role: auth.Agent, Agent: "alice"})
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	defer cancelT()
	// Sign in with keys only: type, Enter.
	if err := chromedp.Do(ctx, chromedp.Navigate(url+"/"), chromedp.WaitVisible(chromedp.ID("login-name")),
		chromedp.SendKeys(chromedp.ID("login-name"), "al"+kb.Tab+"pw of al!!"+kb.Enter),
		chromedp.WaitVisible(chromedp.ID("btn-login"))); err != nil {
		t.Fatalf("sign-in from the keyboard: %v", err)
	}
	for _, step := range []struct{ key, state string }{{"l", "available"}, {"p", "paused"}, {"r", "available"}} {
		if err := chromedp.Do(ctx, chromedp.KeyEvent(step.key), chromedp.WaitVisible(chromedp.CSS("#desk-state.state-"+step.state))); err != nil {
			t.Fatalf("key %s: %v", step.key, err)
		}
	}
	if _, err := d.sw.PlaceCall(farend.CallScript{From: "+12125550187", To: "100", HangupAfter: 20 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#desk-call.ringing"))); err != nil {
		t.Fatalf("the offered call does not flash: %v", err)
	}
	screenshot(t, ctx, "desk-ringing")
	rang, err := chromedp.Run(ctx, chromedp.Evaluate[string](`sounds.ring + " " + (audioCtx ? audioCtx.state : "none")`))
	if err != nil || !strings.HasSuffix(rang, " running") || strings.HasPrefix(rang, "0 ") {
		t.Errorf("ring: %q %v; want rings played on a running AudioContext", rang, err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#missed li.new"))); err != nil {
		t.Fatalf("no missed call listed: %v", err)
	}
	missed, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("missed")))
	if err != nil || !strings.Contains(missed, "2125550187") || !strings.Contains(missed, "support") {
		t.Errorf("missed calls %q %v", missed, err)
	}
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`sounds.chime`)); err != nil || n < 1 {
		t.Errorf("chimes %d %v", n, err)
	}
	if title, err := chromedp.Run(ctx, chromedp.Title()); err != nil || !strings.HasPrefix(title, "(1)") {
		t.Errorf("title %q %v, want the count of new missed calls", title, err)
	}
	screenshot(t, ctx, "desk-missed")
	if err := chromedp.Do(ctx, chromedp.KeyEvent("m"), chromedp.WaitNotPresent(chromedp.CSS("#missed li.new"))); err != nil {
		t.Errorf("M did not mark the missed calls seen: %v", err)
	}
}
