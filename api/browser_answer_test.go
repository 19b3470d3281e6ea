package api

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/rs/zerolog"

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

// On a real switch the desk cannot pick up alice's ringing phone (answer:
// phone): the desk shows no Answer but says to pick up the phone, A does
// nothing, and Decline (E) still works.
func TestBrowserDeskAnswerOnThePhoneOnARealSwitch(t *testing.T) {
	d := newTestDaemonOn(t, browserYAML, nil, true)
	if err := d.sw.SetPhone("sim/alice", farend.Phone{Mode: farend.PhoneNoAnswer}); err != nil {
		t.Fatal(err)
	}
	ctx := openDesk(t, d, New(d.rt, d.db, zerolog.Nop()))
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("btn-login")), chromedp.WaitVisible(chromedp.CSS("#desk-state.state-available"))); err != nil {
		t.Fatalf("log in: %v", err)
	}
	if _, err := d.sw.PlaceCall(farend.CallScript{From: "+12125550187", To: "100", HangupAfter: time.Minute}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#desk-state.state-ringing")), chromedp.WaitVisible(chromedp.ID("answer-phone")),
		chromedp.WaitVisible(chromedp.ID("btn-hangup"))); err != nil {
		t.Fatalf("a call ringing alice's phone shows no hint to pick it up: %v", err)
	}
	screenshot(t, ctx, "desk-answer-on-the-phone")
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!document.getElementById("btn-answer").hidden`))
	if err != nil || shown {
		t.Errorf("Answer shown (%v, %v) for an agent whose phone the switch cannot pick up", shown, err)
	}
	if err := chromedp.Do(ctx, ruKey('a')); err != nil {
		t.Fatal(err)
	}
	state, err := chromedp.Run(ctx, chromedp.Evaluate[string](`new Promise(r => setTimeout(() => r(document.getElementById("desk-state").className + "|" + document.getElementById("desk-error").textContent), 400))`, chromedp.EvalAwaitPromise))
	if err != nil || state != "state state-ringing|" {
		t.Errorf("after A the desk shows %q (%v); want still ringing, no request made", state, err)
	}
	if err := chromedp.Do(ctx, ruKey('e'), chromedp.WaitVisible(chromedp.CSS("#desk-state.state-available")), chromedp.WaitNotVisible(chromedp.ID("answer-phone"))); err != nil {
		t.Fatalf("E did not decline: %v", err)
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
