package api

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/store"
)

// An agent whose phone would never pick up by itself answers from the
// desk (answer: desk: the phone is called with auto-answer), declines
// first with E, answers with A (Russian layout on), and hangs up with the
// button: the caller is gone, the desk shows wrap-up, the record names
// the agent.
func TestBrowserDeskAnswerAndHangUp(t *testing.T) {
	ctx, d := aliceDesk(t, `
entries:
  - {number: "100", queue: support}
queues:
  - {name: support, wrap_up: 30s, reject_delay: 1s, retry_delay: 500ms}
agents:
  - {id: alice, endpoint: sim/alice, answer: desk, queues: [{queue: support}]}
`, farend.Phone{Mode: farend.PhoneNoAnswer})
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("btn-login")), chromedp.WaitVisible(chromedp.CSS("#desk-state.state-available"))); err != nil {
		t.Fatalf("log in: %v", err)
	}
	caller, err := d.sw.PlaceCall(farend.CallScript{From: "+12125550187", To: "100", HangupAfter: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("btn-answer")), chromedp.WaitVisible(chromedp.ID("btn-hangup"))); err != nil {
		t.Fatalf("a ringing call shows no Answer and Decline: %v", err)
	}
	screenshot(t, ctx, "desk-answer-ringing")
	// E declines: the desk stops ringing; the call comes back after the
	// reject delay.
	if err := chromedp.Do(ctx, ruKey('e'), chromedp.WaitVisible(chromedp.CSS("#desk-state.state-available"))); err != nil {
		t.Fatalf("E (у) did not decline: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#desk-state.state-ringing"))); err != nil {
		t.Fatalf("the call was not offered again: %v", err)
	}
	if err := chromedp.Do(ctx, ruKey('a'), chromedp.WaitVisible(chromedp.CSS("#desk-state.state-on-call")), callPhase("bridged"),
		chromedp.WaitNotVisible(chromedp.ID("btn-answer")), chromedp.WaitVisible(chromedp.ID("btn-hangup"))); err != nil {
		t.Fatalf("A (ф) did not answer: %v", err)
	}
	if label, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("btn-hangup"))); err != nil || label != "Hang up" {
		t.Errorf("the hang-up button says %q (%v) on a call", label, err)
	}
	screenshot(t, ctx, "desk-answered")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("btn-hangup")), chromedp.WaitVisible(chromedp.CSS("#desk-state.state-wrap-up")),
		chromedp.WaitVisible(chromedp.ID("dispo-form"))); err != nil {
		t.Fatalf("hang up: %v", err)
	}
	screenshot(t, ctx, "desk-hung-up")
	rec := endedCall(t, d, caller)
	if rec.HangupBy != acd.HangupAgent || rec.Agent != "alice" || !hasDeskStep(rec, "desk-decline") || !hasDeskStep(rec, "desk-answer") {
		t.Errorf("record: agent %s, hang-up by %s, timeline %v; want alice, the agent, the desk's decline and answer", rec.Agent, rec.HangupBy, rec.Timeline)
	}
}

func hasDeskStep(rec store.CallRecord, kind string) bool {
	for _, s := range rec.Timeline {
		if s.Kind == kind {
			return true
		}
	}
	return false
}
