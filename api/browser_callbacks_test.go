package api

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/store"
)

// A caller waiting in support presses 1 for a callback while alice is
// paused: her desk lists the callback waiting, live, with a chime and a
// highlight. She goes ready with R, the callback rings her desk (answer:
// desk), A takes it: her phone picks up by itself, the customer is
// called and answers; E ends it and the list is empty again.
func TestBrowserDeskCallbackWaiting(t *testing.T) {
	ctx, d := aliceDesk(t, `
entries:
  - {number: "100", queue: support}
queues:
  - name: support
    wrap_up: 30s
    callback_key: "1"
    callback: {endpoint: "sim/customer-{number}", timeout: 20s}
    announce: {interval: 0s}
agents:
  - {id: alice, endpoint: sim/alice, answer: desk, queues: [{queue: support}]}
`, farend.Phone{Mode: farend.PhoneNoAnswer})
	if err := d.sw.SetPhone("sim/customer-+12125550187", farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 300 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("btn-login")), chromedp.WaitVisible(chromedp.CSS("#desk-state.state-available")),
		chromedp.Click(chromedp.ID("btn-pause")), chromedp.WaitVisible(chromedp.CSS("#desk-state.state-paused"))); err != nil {
		t.Fatalf("log in and pause: %v", err)
	}
	chimes := func() int {
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`sounds.chime`))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := chimes()
	if err := chromedp.Do(ctx, chromedp.WaitNotPresent(chromedp.CSS(`#callbacks li`))); err != nil {
		t.Fatal(err)
	}
	if _, err := d.sw.PlaceCall(farend.CallScript{From: "+12125550187", To: "100", DTMF: "1", DTMFDelay: 500 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#callbacks li.new[data-queue="support"]`))); err != nil {
		t.Fatalf("the callback request is not listed: %v", err)
	}
	if got, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("callbacks"))); err != nil || strings.TrimSpace(got) != "support: 1" {
		t.Errorf("callbacks waiting %q (%v), want support: 1", got, err)
	}
	if n := chimes(); n != before+1 {
		t.Errorf("chimes %d, want one more than %d for the new callback", n, before)
	}
	screenshot(t, ctx, "desk-callback-waiting")
	// Ready (R): the callback rings the desk with the customer's number.
	if err := chromedp.Do(ctx, chromedp.KeyEvent("r"), chromedp.WaitVisible(chromedp.CSS("#desk-state.state-ringing")),
		chromedp.WaitVisible(chromedp.ID("btn-answer"))); err != nil {
		t.Fatalf("the callback did not ring the desk: %v", err)
	}
	if who, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("call-caller"))); err != nil || !strings.Contains(who, "2125550187") {
		t.Errorf("the ringing callback shows %q (%v), want the customer's number", who, err)
	}
	screenshot(t, ctx, "desk-callback-ringing")
	// A takes it: alice's phone picks up, the customer is called, answers.
	if err := chromedp.Do(ctx, chromedp.KeyEvent("a"), chromedp.WaitVisible(chromedp.CSS("#desk-state.state-on-call")), callPhase("bridged")); err != nil {
		t.Fatalf("taking the callback: %v", err)
	}
	screenshot(t, ctx, "desk-callback-taken")
	if err := chromedp.Do(ctx, chromedp.KeyEvent("e"), chromedp.WaitVisible(chromedp.CSS("#desk-state.state-wrap-up")),
		chromedp.WaitNotPresent(chromedp.CSS(`#callbacks li`))); err != nil {
		t.Fatalf("after the callback the list still shows it: %v", err)
	}
	var cb store.CallRecord
	waitFor(t, func() bool {
		recs, _ := d.db.CollectCalls(store.Filter{})
		for _, r := range recs {
			if r.Direction == acd.DirectionCallback && !r.Ended.IsZero() {
				cb = r
				return true
			}
		}
		return false
	}, "the callback's record")
	if cb.Agent != "alice" || cb.Outcome != acd.OutcomeAnswered || cb.HangupBy != acd.HangupAgent {
		t.Errorf("callback record: agent %s outcome %s hang-up by %s; want alice, answered, the agent", cb.Agent, cb.Outcome, cb.HangupBy)
	}
}
