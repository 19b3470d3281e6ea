package api

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/api/auth"
)

// An agent on a call holds the caller and takes it back with the H key,
// then sends the caller to the billing queue from the desk's transfer
// controls; bob takes it there and alice's controls go away.
func TestBrowserHoldAndTransfer(t *testing.T) {
	ctx, cancel := browser(t)
	defer cancel()
	d := newTestDaemon(t, `
entries:
  - {number: "100", queue: support}
queues:
  - {name: support, wrap_up: 30s}
  - {name: billing}
agents:
  - {id: alice, endpoint: sim/alice, queues: [{queue: support}]}
  - {id: bob, name: Bob Stone, endpoint: sim/bob, queues: [{queue: billing}]}
`)
	for _, p := range []string{"sim/alice", "sim/bob"} {
		if err := d.sw.SetPhone(p, farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 100 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
	}
	srv := serveUsers(t, New(d.rt, d.db, zerolog.Nop()), d, auth.User{Name: "al", Role: auth.Agent, Agent: "alice"})
	if _, err := engine.Send(context.Background(), d.rt, engine.Login{Agent: "bob"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancelT := context.WithTimeout(ctx, 45*time.Second)
	defer cancelT()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv+"/"),
		chromedp.WaitVisible(chromedp.ID("login-name")),
		chromedp.SendKeys(chromedp.ID("login-name"), "al"),
		chromedp.SendKeys(chromedp.ID("login-password"), "pw of al!!"),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("btn-login")),
		chromedp.Click(chromedp.ID("btn-login")),
		chromedp.WaitVisible(chromedp.CSS(`#desk-state.state-available`)),
	); err != nil {
		t.Fatalf("sign in and log in: %v", err)
	}
	if _, err := d.sw.PlaceCall(farend.CallScript{From: "+12125550199", To: "100", HangupAfter: 30 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("call-controls")), callPhase("bridged")); err != nil {
		t.Fatalf("the desk shows no call controls: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.KeyEvent("h"), callPhase("held"),
		chromedp.WaitVisible(chromedp.CSS(`#btn-hold[aria-pressed="true"]`))); err != nil {
		t.Fatalf("H did not hold the caller: %v", err)
	}
	screenshot(t, ctx, "desk-call-held")
	if err := chromedp.Do(ctx, chromedp.KeyEvent("h"), callPhase("bridged")); err != nil {
		t.Fatalf("H did not take the caller back: %v", err)
	}
	// The agents offered are named, each sent by its id.
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID("xfer-kind"), "agent"),
		poll(`document.getElementById("xfer-kind").dispatchEvent(new Event("change")) &&
			[...document.querySelectorAll("#xfer-list option")].some(o => o.value === "bob" && o.label === "Bob Stone")`),
	); err != nil {
		list, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.ID("xfer-list")))
		t.Fatalf("the agents to transfer to: %v (%s)", err, list)
	}
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID("xfer-kind"), "queue"),
		chromedp.KeyEvent("t"),
		poll(`document.activeElement.id === "xfer-target"`), // T goes to the target field
		chromedp.SetValue(chromedp.ID("xfer-target"), "billing"),
		chromedp.Click(chromedp.ID("btn-xfer-blind")),
		chromedp.WaitNotVisible(chromedp.ID("call-controls")),
		poll(`[...state.calls.values()].some(c => c.agent === "bob")`),
	); err != nil {
		errText, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("desk-error")))
		t.Fatalf("transfer to billing from the desk: %v (desk error %q)", err, errText)
	}
	if st, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("desk-state"))); err != nil || st == "" {
		t.Errorf("desk state after the transfer %q (%v)", st, err)
	}
}

// callPhase waits for the desk to show the call in phase want (in the
// page's language).
func callPhase(want string) chromedp.Action[chromedp.Void] {
	return poll(`document.getElementById("call-phase").textContent === phaseText("` + want + `")`)
}

// poll waits up to 30 s for a JavaScript expression to hold on the page.
func poll(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(30*time.Second))(ctx, t)
		return err
	})
}

// During a consult the desk offers Hang up; E there hands the caller to
// bob, who answered the consult (an attended transfer), as hanging up a
// desk phone does.
func TestBrowserHangUpDuringConsult(t *testing.T) {
	ctx, d := aliceDesk(t, consultYAML, farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 100 * time.Millisecond})
	if err := d.sw.SetPhone("sim/bob", farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 100 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if _, err := engine.Send(context.Background(), d.rt, engine.Login{Agent: "bob"}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("btn-login")), chromedp.WaitVisible(chromedp.CSS("#desk-state.state-available"))); err != nil {
		t.Fatalf("log in: %v", err)
	}
	if _, err := d.sw.PlaceCall(farend.CallScript{From: "+12125550199", To: "100", HangupAfter: 30 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("call-controls")), callPhase("bridged"),
		chromedp.SetValue(chromedp.ID("xfer-kind"), "agent"), chromedp.SetValue(chromedp.ID("xfer-target"), "bob"),
		chromedp.Click(chromedp.ID("btn-xfer-consult")), callPhase("consulting"),
		poll(`state.agents.get("bob").state === "on-call"`), chromedp.WaitVisible(chromedp.ID("btn-hangup"))); err != nil {
		errText, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("desk-error")))
		t.Fatalf("consult bob with Hang up offered: %v (desk error %q)", err, errText)
	}
	screenshot(t, ctx, "desk-consult")
	if err := chromedp.Do(ctx, chromedp.KeyEvent("e"), chromedp.WaitVisible(chromedp.CSS("#desk-state.state-wrap-up")),
		poll(`[...state.calls.values()].some(c => c.agent === "bob" && c.phase === "bridged")`)); err != nil {
		errText, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("desk-error")))
		t.Fatalf("E during the consult did not hand the caller to bob: %v (desk error %q)", err, errText)
	}
}
