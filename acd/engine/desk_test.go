package engine

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/sim"
)

const deskConfig = `
entries:
  - {number: "100", queue: support}
queues:
  - {name: support, ring_timeout: 10s, wrap_up: 5s, reject_delay: 3s, announce: {interval: 0s}}
agents:
  - {id: alice, endpoint: sim/alice, answer: desk, queues: [{queue: support}]}
  - {id: bob, endpoint: sim/bob, queues: [{queue: support}]}
`

func answerCall(id string) func(c *Core, now time.Time) error {
	return func(c *Core, now time.Time) error { _, err := AnswerCall{Agent: id}.apply(c, now); return err }
}

func hangUp(id string) func(c *Core, now time.Time) error {
	return func(c *Core, now time.Time) error { _, err := HangUp{Agent: id}.apply(c, now); return err }
}

// With answer: desk only the desk rings; the phone is called when the
// agent answers there, with auto-answer asked for, and the call is
// bridged once it picks up. Hanging up from the desk then ends both legs
// and sends the agent to wrap-up.
func TestDeskAnswerCallsThePhoneWithAutoAnswer(t *testing.T) {
	var cmds []Command
	st := newMemStore()
	c, err := NewCore(Options{Config: parseConfig(t, deskConfig), Out: recordOutputs{&cmds}, Store: st}, epoch)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Login(epoch, "alice"); err != nil {
		t.Fatal(err)
	}
	now := epoch.Add(time.Second)
	c.Handle(now, pbx.CallArrived{Base: pbx.Base{Channel: "in-1", At: now}, Caller: "555", Called: "100"})
	c.Handle(now, pbx.Answered{Base: pbx.Base{Channel: "in-1", At: now}})
	ops := func() (out []Command) {
		for _, cmd := range cmds {
			if cmd.Op == OpOriginate || cmd.Op == OpHangup || cmd.Op == OpAnswer && cmd.Channel != "in-1" {
				out = append(out, cmd)
			}
		}
		return out
	}
	if got := ops(); len(got) != 0 {
		t.Fatalf("the desk rings; the switch was asked %v", got)
	}
	if s := c.agentIdx["alice"].state; s != acd.Ringing {
		t.Fatalf("alice is %s, want ringing on the desk", s)
	}
	if err := hangUp("bob")(c, now); !errors.Is(err, ErrNoCall) {
		t.Errorf("hang up for an agent without a call: %v, want ErrNoCall", err)
	}
	if err := answerCall("bob")(c, now); !errors.Is(err, ErrNoCall) {
		t.Errorf("answer for an agent without a call: %v, want ErrNoCall", err)
	}
	now = now.Add(2 * time.Second)
	if err := answerCall("alice")(c, now); err != nil {
		t.Fatal(err)
	}
	got := ops()
	if len(got) != 1 || got[0].Op != OpOriginate {
		t.Fatalf("after the desk's answer the switch was asked %v, want one originate", got)
	}
	o := got[0].Originate
	if !o.AutoAnswer || o.Endpoint != "sim/alice" || o.Vars[pbx.VarAgent] != "alice" || o.Timeout != deskPickup {
		t.Errorf("originate %+v; want alice's phone, auto-answer, %v to pick up", o, deskPickup)
	}
	if err := answerCall("alice")(c, now); !errors.Is(err, ErrCallState) {
		t.Errorf("answering twice: %v, want ErrCallState", err)
	}
	now = now.Add(300 * time.Millisecond)
	c.Handle(now, pbx.Answered{Base: pbx.Base{Channel: o.ChannelID, At: now}})
	if s := c.agentIdx["alice"].state; s != acd.OnCall {
		t.Fatalf("alice is %s once her phone picked up, want on-call", s)
	}
	now = now.Add(10 * time.Second)
	cmds = nil
	if err := hangUp("alice")(c, now); err != nil {
		t.Fatal(err)
	}
	var hung []pbx.ChannelID
	for _, cmd := range ops() {
		hung = append(hung, cmd.Channel)
	}
	if !slices.Contains(hung, "in-1") || !slices.Contains(hung, o.ChannelID) {
		t.Errorf("hang-ups %v; want the caller (in-1) and alice's leg (%s)", hung, o.ChannelID)
	}
	if s := c.agentIdx["alice"].state; s != acd.WrapUp {
		t.Errorf("alice is %s after hanging up, want wrap-up", s)
	}
	if err := hangUp("alice")(c, now); !errors.Is(err, ErrNoCall) {
		t.Errorf("hanging up twice: %v, want ErrNoCall", err)
	}
	rec := finishedRecord(t, st)
	if rec.HangupBy != acd.HangupAgent || rec.Outcome != acd.OutcomeAnswered || !hasStep(rec, "desk-answer", "desk") || !hasStep(rec, "agent-hangup", "desk") {
		t.Errorf("record: hang-up by %s, outcome %s, timeline %v; want the agent, answered, the desk's answer and hang-up", rec.HangupBy, rec.Outcome, rec.Timeline)
	}
}

// deskRun is a simulated call center with deskConfig; the caller talks
// for a minute.
func deskRun(t *testing.T, phones map[string]farend.Phone, agents ...string) *xferRun {
	t.Helper()
	st := newMemStore()
	r, err := NewSimRun(SimOptions{
		Core:  Options{Config: parseConfig(t, deskConfig), Store: st, Seed: 7},
		Start: epoch,
		Sim:   sim.Options{Seed: 7, Latency: 20 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	for ep, p := range phones {
		if err := r.Switch.SetPhone(ep, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Login(agents...); err != nil {
		t.Fatal(err)
	}
	x := &xferRun{t: t, r: r, st: st}
	r.Clock.Schedule(epoch.Add(time.Second), func() {
		ch, err := r.Switch.PlaceCall(farend.CallScript{From: "5550100", To: "100", HangupAfter: time.Minute})
		if err != nil {
			t.Errorf("place call: %v", err)
		}
		x.caller = ch
	})
	return x
}

// On the simulator, alice (answer: desk) answers from the desk with a
// phone that would never pick up by itself: the auto-answer makes it.
// She hangs up from the desk at 20 s: the caller is gone from the switch
// at once and the record says the agent ended it.
func TestDeskAnswerAndHangUpOnTheSimulator(t *testing.T) {
	x := deskRun(t, map[string]farend.Phone{"sim/alice": {Mode: farend.PhoneNoAnswer}}, "alice")
	x.check(3*time.Second, func() {
		if s := x.agentState("alice"); s != acd.Ringing {
			t.Errorf("alice is %s at 3 s, want ringing", s)
		}
	})
	x.at(4*time.Second, "answer", nil, answerCall("alice"))
	x.check(6*time.Second, func() {
		if s, p := x.agentState("alice"), x.phase(); s != acd.OnCall || p != acd.CallBridged {
			t.Errorf("after the desk's answer alice is %s and the call %s; want on-call, bridged", s, p)
		}
	})
	x.at(20*time.Second, "hang up", nil, hangUp("alice"))
	x.check(21*time.Second, func() {
		if _, up := x.r.Switch.Channel(x.caller); up {
			t.Error("the caller is still on the switch after the desk hung up")
		}
		if s := x.agentState("alice"); s != acd.WrapUp {
			t.Errorf("alice is %s after hanging up, want wrap-up", s)
		}
	})
	rec := x.record(time.Minute)
	if rec.HangupBy != acd.HangupAgent || !near(rec.Talk, 16*time.Second) {
		t.Errorf("hang-up by %s, talk %v; want the agent, about 16 s", rec.HangupBy, rec.Talk)
	}
}

// With answer: phone (bob) the desk's answer asks the switch to pick the
// ringing phone up, which the simulator does.
func TestDeskAnswerRingingPhoneOnTheSimulator(t *testing.T) {
	x := deskRun(t, map[string]farend.Phone{"sim/bob": {Mode: farend.PhoneNoAnswer}}, "bob")
	x.at(4*time.Second, "answer", nil, answerCall("bob"))
	x.check(5*time.Second, func() {
		if s, p := x.agentState("bob"), x.phase(); s != acd.OnCall || p != acd.CallBridged {
			t.Errorf("after the desk's answer bob is %s and the call %s; want on-call, bridged", s, p)
		}
	})
	x.at(30*time.Second, "hang up", nil, hangUp("bob"))
	rec := x.record(time.Minute)
	if rec.Agent != "bob" || rec.HangupBy != acd.HangupAgent || !hasStep(rec, "desk-answer", "") {
		t.Errorf("record: agent %s, hang-up by %s, timeline %v", rec.Agent, rec.HangupBy, rec.Timeline)
	}
}

// A ringing call hung up from the desk is declined and offered again
// (here to the same agent, after the reject delay); a desk that rings out
// is a no-answer like a phone's, with no warning about the switch.
func TestDeskRingsOutAndDecline(t *testing.T) {
	x := deskRun(t, map[string]farend.Phone{"sim/bob": {Mode: farend.PhoneNoAnswer}}, "alice")
	x.at(3*time.Second, "decline", nil, hangUp("alice"))
	x.at(3*time.Second, "answer after declining", ErrNoCall, answerCall("alice"))
	// Offered again once the reject delay is over (6 s), rung out at 16 s.
	x.check(17*time.Second, func() {
		var noAnswer int
		_ = x.r.Do(func(c *Core, _ time.Time) error { noAnswer = int(c.agentIdx["alice"].stats.NoAnswer); return nil })
		if noAnswer != 1 {
			t.Errorf("alice's unanswered offers after the desk rang out: %d, want 1", noAnswer)
		}
		if n := x.r.Core.Warnings()["ring-guard"]; n != 0 {
			t.Errorf("%d ring-guard warnings for a desk that rang out", n)
		}
	})
	x.at(18*time.Second, "bob logs in", nil, func(c *Core, now time.Time) error { return c.Login(now, "bob") })
	x.at(19*time.Second, "bob answers", nil, answerCall("bob"))
	x.at(25*time.Second, "bob hangs up", nil, hangUp("bob"))
	rec := x.record(time.Minute)
	var results []string
	for _, a := range rec.Attempts {
		results = append(results, a.Agent+":"+string(a.Result))
	}
	if got := strings.Join(results, " "); got != "alice:rejected alice:no-answer bob:answered" {
		t.Errorf("attempts %s; want alice's reject and no-answer, bob's answer", got)
	}
	if !hasStep(rec, "desk-decline", "desk") {
		t.Errorf("no desk-decline step: %v", rec.Timeline)
	}
}

// On a real switch (one that cannot pick up a ringing phone) the desk's
// Answer for bob (answer: phone) is refused, naming him and what to do,
// and nothing is asked of the switch; his status tells the desk so. alice
// (answer: desk) still answers from the desk.
func TestDeskAnswerRefusedForPhoneOnARealSwitch(t *testing.T) {
	var cmds []Command
	c, err := NewCore(Options{Config: parseConfig(t, deskConfig), Out: recordOutputs{&cmds}, Store: newMemStore()}, epoch)
	if err != nil {
		t.Fatal(err)
	}
	deskAnswer := func(id string) bool {
		for _, a := range c.Status(epoch).Agents {
			if a.ID == id {
				return a.DeskAnswer
			}
		}
		t.Fatalf("no agent %s in the status", id)
		return false
	}
	if deskAnswer("bob") || !deskAnswer("alice") {
		t.Errorf("desk_answer: bob %v, alice %v; want false (answer: phone on a real switch), true (answer: desk)", deskAnswer("bob"), deskAnswer("alice"))
	}
	if err := c.Login(epoch, "bob"); err != nil {
		t.Fatal(err)
	}
	now := epoch.Add(time.Second)
	c.Handle(now, pbx.CallArrived{Base: pbx.Base{Channel: "in-1", At: now}, Caller: "555", Called: "100"})
	c.Handle(now, pbx.Answered{Base: pbx.Base{Channel: "in-1", At: now}})
	if s := c.agentIdx["bob"].state; s != acd.Ringing {
		t.Fatalf("bob is %s, want ringing", s)
	}
	cmds = nil
	err = answerCall("bob")(c, now)
	if !errors.Is(err, ErrCallState) || !strings.Contains(err.Error(), `agent "bob" answers on the phone (answer: phone); pick up the phone, or set answer: desk`) {
		t.Fatalf("answer from the desk for bob: %v; want ErrCallState naming bob and answer: phone", err)
	}
	for _, cmd := range cmds {
		if cmd.Op == OpAnswer || cmd.Op == OpOriginate {
			t.Errorf("the refused answer still asked the switch: %v", cmd)
		}
	}
	if ringingLeg(c.agentIdx["bob"]).answering {
		t.Error("the refused answer marked the leg as being answered")
	}
	// The phone picks up: the call goes on as usual.
	leg := ringingLeg(c.agentIdx["bob"])
	c.Handle(now.Add(time.Second), pbx.Answered{Base: pbx.Base{Channel: leg.ch, At: now.Add(time.Second)}})
	if s := c.agentIdx["bob"].state; s != acd.OnCall {
		t.Errorf("bob is %s after picking up the phone, want on-call", s)
	}
}

// Hanging up during a consult does what a desk phone's attended transfer
// does: once the target answered the transfer completes; while it rings
// the caller goes on to it as a blind transfer, and back to its queue if
// it never answers. The caller is never cut off; the same holds when the
// agent's phone hangs up rather than the desk.
func TestHangUpDuringConsult(t *testing.T) {
	consult := transfer("alice", TransferTo{Agent: "carol"}, true)
	t.Run("answered: the transfer completes", func(t *testing.T) {
		x := newXferRun(t, "100", nil, 40*time.Second, nil)
		x.at(10*time.Second, "consult", nil, consult)
		x.at(15*time.Second, "hang up", nil, hangUp("alice"))
		x.check(16*time.Second, func() {
			if a, c, p := x.agentState("alice"), x.agentState("carol"), x.phase(); a != acd.WrapUp || c != acd.OnCall || p != acd.CallBridged {
				t.Errorf("after hanging up: alice %s, carol %s, call %s; want wrap-up, on-call, bridged", a, c, p)
			}
		})
		rec := x.record(time.Minute)
		if len(rec.Legs) != 2 || rec.Legs[1].Agent != "carol" || rec.Legs[1].Via != acd.TransferAttended {
			t.Fatalf("legs %s; want alice then carol (attended)", legsText(rec))
		}
		if !hasStep(rec, "transfer", "attended → agent carol (hung up from the desk)") {
			t.Errorf("timeline %v lacks the transfer by hanging up", rec.Timeline)
		}
	})
	t.Run("ringing: the caller goes on to the target", func(t *testing.T) {
		x := newXferRun(t, "100", nil, 40*time.Second, map[string]farend.Phone{"sim/carol": answers(6*time.Second, 0)})
		x.at(10*time.Second, "consult", nil, consult)
		x.at(12*time.Second, "hang up", nil, hangUp("alice"))
		x.check(13*time.Second, func() {
			ch, up := x.r.Switch.Channel(x.caller)
			if a, c, p := x.agentState("alice"), x.agentState("carol"), x.phase(); !up || !ch.OnHold || a != acd.WrapUp || c != acd.Ringing || p != acd.CallTransferring {
				t.Errorf("after hanging up: caller up %v music %v, alice %s, carol %s, call %s; want the caller on music, alice in wrap-up, carol ringing, transferring", up, ch.OnHold, a, c, p)
			}
		})
		x.check(18*time.Second, func() {
			if c, p := x.agentState("carol"), x.phase(); c != acd.OnCall || p != acd.CallBridged {
				t.Errorf("once carol answered: carol %s, call %s; want on-call, bridged", c, p)
			}
		})
		rec := x.record(time.Minute)
		if len(rec.Legs) != 2 || rec.Legs[0].Agent != "alice" || rec.Legs[1].Agent != "carol" || rec.Legs[1].Via != acd.TransferBlind {
			t.Fatalf("legs %s; want alice then carol (blind)", legsText(rec))
		}
		if !near(rec.Legs[0].Hold, 2*time.Second) {
			t.Errorf("alice's leg holds %v; want the 2 s of consult", rec.Legs[0].Hold)
		}
		if !hasStep(rec, "transfer", "blind → agent carol (hung up from the desk while it rang)") {
			t.Errorf("timeline %v lacks the blind transfer", rec.Timeline)
		}
	})
	t.Run("ringing, no answer: back to the queue", func(t *testing.T) {
		x := newXferRun(t, "100", nil, 40*time.Second, map[string]farend.Phone{"sim/carol": {Mode: farend.PhoneNoAnswer}})
		x.at(10*time.Second, "consult", nil, consult)
		x.at(12*time.Second, "hang up", nil, hangUp("alice"))
		x.check(21*time.Second, func() {
			if c, p := x.agentState("carol"), x.phase(); c == acd.Ringing || p == acd.CallTransferring || p == acd.CallEnded {
				t.Errorf("after carol's ring timed out: carol %s, call %s; want the caller back in line", c, p)
			}
		})
		rec := x.record(time.Minute)
		if rec.HangupBy != acd.HangupCaller || !hasStep(rec, "transfer-failed", "") || len(rec.Legs) != 2 || rec.Legs[1].Agent != "alice" {
			t.Errorf("hang-up by %s, legs %s, timeline %v; want the caller back in line after carol's failed ring, and served again", rec.HangupBy, legsText(rec), rec.Timeline)
		}
	})
	t.Run("ringing number: the caller goes on to it", func(t *testing.T) {
		x := newXferRun(t, "100", nil, 0, map[string]farend.Phone{"sim/ext-5551234": answers(4*time.Second, 10*time.Second)})
		x.at(10*time.Second, "consult", nil, transfer("alice", TransferTo{Number: "5551234"}, true))
		x.at(12*time.Second, "hang up", nil, hangUp("alice"))
		x.check(16*time.Second, func() {
			if p := x.phase(); p != acd.CallExternal {
				t.Errorf("once the number answered the call is %s, want external", p)
			}
		})
		rec := x.record(time.Minute)
		if len(rec.Legs) != 2 || rec.Legs[1].Number != "5551234" || rec.Legs[1].Via != acd.TransferBlind || !near(rec.Legs[1].Talk, 10*time.Second) {
			t.Fatalf("legs %s; want alice, then 5551234 (blind) for 10 s", legsText(rec))
		}
	})
	t.Run("the agent's phone hangs up while the target rings", func(t *testing.T) {
		x := newXferRun(t, "100", nil, 40*time.Second, map[string]farend.Phone{
			"sim/alice": answers(time.Second, 12*time.Second), "sim/carol": answers(8*time.Second, 0)})
		x.at(10*time.Second, "consult", nil, consult)
		rec := x.record(time.Minute)
		if len(rec.Legs) != 2 || rec.Legs[1].Agent != "carol" || rec.Legs[1].Via != acd.TransferBlind {
			t.Fatalf("legs %s, timeline %v; want alice then carol (blind)", legsText(rec), rec.Timeline)
		}
		if !hasStep(rec, "transfer", "blind → agent carol (agent hung up while it rang)") {
			t.Errorf("timeline %v lacks the blind transfer", rec.Timeline)
		}
	})
}

// The daemon dies after alice hung up on a consult while carol rang: it
// comes back with the caller still going on to carol, who answers and
// talks to the caller; one record, alice's leg and carol's (blind).
func TestRestartAfterHangUpDuringConsult(t *testing.T) {
	st := newMemStore()
	r, _ := transferThenRun(t, st, "sim/carol", answers(5*time.Second, 0), TransferTo{Agent: "carol"}, true)
	r.RunUntil(epoch.Add(6 * time.Second))
	if err := r.Do(hangUp("alice")); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(epoch.Add(7 * time.Second))
	restartIn(t, r, st, acd.CallTransferring)
	rec := onlyRecord(t, r, st, 2*time.Minute)
	if len(rec.Legs) != 2 || rec.Legs[0].Agent != "alice" || rec.Legs[1].Agent != "carol" || rec.Legs[1].Via != acd.TransferBlind || rec.Legs[1].Talk < 45*time.Second {
		t.Errorf("legs %s; want alice, then carol (blind) talking until the caller hangs up", legsText(rec))
	}
	if rec.HangupBy != acd.HangupCaller || rec.Transfers != 1 || !hasStep(rec, "transfer-restored", "carol") {
		t.Errorf("hang-up by %s, transfers %d, timeline %s", rec.HangupBy, rec.Transfers, timelineKinds(rec))
	}
	if w := r.Core.Warnings(); w["stranded-leg"] != 0 || w["illegal-transition"] != 0 || w["command-failed"] != 0 {
		t.Errorf("warnings = %v", w)
	}
}
