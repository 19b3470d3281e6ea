package engine

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/sim"
	"github.com/hotline-cc/hotline/store"
)

const transferConfig = `
pbx:
  outside: "sim/ext-{number}"
entries:
  - {number: "100", queue: support}
  - {number: "200", menu: main}
menus:
  - name: main
    prompt: ["sound:welcome"]
    timeout: 30s
    options: {"1": {queue: support}}
queues:
  - name: support
    ring_timeout: 10s
    wrap_up: 5s
    announce: {interval: 0s}
  - name: billing
    ring_timeout: 10s
    wrap_up: 3s
    announce: {interval: 0s}
agents:
  - {id: alice, endpoint: sim/alice, queues: [{queue: support}]}
  - {id: bob, endpoint: sim/bob, queues: [{queue: billing}]}
  - {id: carol, endpoint: sim/carol}
`

// xferRun is a simulated call center for hold and transfer tests: alice
// (support), bob (billing) and carol (no queue) answer in 1 s and never
// hang up; the caller hangs up after callerTalk.
type xferRun struct {
	t      *testing.T
	r      *SimRun
	st     *memStore
	caller pbx.ChannelID
}

func newXferRun(t *testing.T, to string, vars map[string]string, callerTalk time.Duration, phones map[string]farend.Phone) *xferRun {
	t.Helper()
	st := newMemStore()
	r, err := NewSimRun(SimOptions{
		Core:  Options{Config: parseConfig(t, transferConfig), Store: st, Seed: 7},
		Start: epoch,
		Sim:   sim.Options{Seed: 7, Latency: 20 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, ep := range []string{"sim/alice", "sim/bob", "sim/carol"} {
		if err := r.Switch.SetPhone(ep, answers(time.Second, 0)); err != nil {
			t.Fatal(err)
		}
	}
	for ep, p := range phones {
		if err := r.Switch.SetPhone(ep, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Login("alice", "bob", "carol"); err != nil {
		t.Fatal(err)
	}
	x := &xferRun{t: t, r: r, st: st}
	r.Clock.Schedule(epoch.Add(time.Second), func() {
		ch, err := r.Switch.PlaceCall(farend.CallScript{From: "5550100", To: to, HangupAfter: callerTalk, Vars: vars})
		if err != nil {
			t.Errorf("place call: %v", err)
		}
		x.caller = ch
	})
	return x
}

// at runs fn on the engine at d; wantErr is nil for a request that must
// succeed, or the error it must fail with.
func (x *xferRun) at(d time.Duration, what string, wantErr error, fn func(c *Core, now time.Time) error) {
	x.r.Clock.Schedule(epoch.Add(d), func() {
		err := x.r.Do(fn)
		switch {
		case wantErr == nil && err != nil:
			x.t.Errorf("at %v, %s: %v", d, what, err)
		case wantErr != nil && !errors.Is(err, wantErr):
			x.t.Errorf("at %v, %s: err %v, want %v", d, what, err, wantErr)
		case wantErr != nil && testing.Verbose():
			x.t.Logf("at %v, %s refused: %v", d, what, err)
		}
	})
}

// check runs fn at d outside the engine (the switch's view may be read).
func (x *xferRun) check(d time.Duration, fn func()) { x.r.Clock.Schedule(epoch.Add(d), fn) }

func (x *xferRun) agentState(id string) acd.AgentState {
	var st acd.AgentState
	_ = x.r.Do(func(c *Core, _ time.Time) error { st = c.agentIdx[id].state; return nil })
	return st
}

func (x *xferRun) phase() acd.CallPhase {
	var p acd.CallPhase = acd.CallEnded
	_ = x.r.Do(func(c *Core, _ time.Time) error {
		for _, cl := range c.calls {
			p = cl.phase
		}
		return nil
	})
	return p
}

func (x *xferRun) record(until time.Duration) store.CallRecord {
	x.t.Helper()
	x.r.RunUntil(epoch.Add(until))
	for kind, n := range x.r.Core.Warnings() {
		if kind == "illegal-transition" || kind == "unknown-channel" || kind == "command-failed" {
			x.t.Errorf("%d %s warnings", n, kind)
		}
	}
	recs := records(x.st)
	if len(recs) != 1 {
		x.t.Fatalf("%d finished records, want 1", len(recs))
	}
	return recs[0]
}

func near(got, want time.Duration) bool {
	return got > want-200*time.Millisecond && got < want+200*time.Millisecond
}

func legsText(r store.CallRecord) string {
	var b strings.Builder
	for _, l := range r.Legs {
		b.WriteString("[" + l.Agent + l.Number + " via=" + string(l.Via) + " from=" + l.From + " talk=" + l.Talk.Round(time.Second).String() + " hold=" + l.Hold.Round(time.Second).String() + "]")
	}
	return b.String()
}

func hold(id string) func(c *Core, now time.Time) error {
	return func(c *Core, now time.Time) error { _, err := c.Hold(now, id); return err }
}

func unhold(id string) func(c *Core, now time.Time) error {
	return func(c *Core, now time.Time) error { _, err := c.Unhold(now, id); return err }
}

func transfer(id string, to TransferTo, attended bool) func(c *Core, now time.Time) error {
	return func(c *Core, now time.Time) error { _, err := c.Transfer(now, id, to, attended); return err }
}

// TestHold: alice answers at about 2 s, holds the caller from 10 s to 25 s;
// the caller hears music and is out of the bridge meanwhile, and the
// record's hold is those 15 s, left out of the talk.
func TestHold(t *testing.T) {
	x := newXferRun(t, "100", nil, 40*time.Second, nil)
	x.at(5*time.Second, "unhold a call that is not held", ErrCallState, unhold("alice"))
	x.at(5*time.Second, "hold by an agent without a call", ErrNoCall, hold("bob"))
	x.at(10*time.Second, "hold", nil, hold("alice"))
	x.at(11*time.Second, "hold twice", ErrCallState, hold("alice"))
	x.check(12*time.Second, func() {
		ch, _ := x.r.Switch.Channel(x.caller)
		if !ch.OnHold || ch.Bridge != "" {
			t.Errorf("held caller: music %v, bridge %q; want music and no bridge", ch.OnHold, ch.Bridge)
		}
		if p := x.phase(); p != acd.CallHeld {
			t.Errorf("phase %s, want held", p)
		}
		if s := x.agentState("alice"); s != acd.OnCall {
			t.Errorf("alice is %s while her caller is held, want on-call", s)
		}
	})
	x.at(25*time.Second, "unhold", nil, unhold("alice"))
	x.check(26*time.Second, func() {
		ch, _ := x.r.Switch.Channel(x.caller)
		if ch.OnHold || ch.Bridge == "" {
			t.Errorf("caller taken off hold: music %v, bridge %q; want no music, bridged", ch.OnHold, ch.Bridge)
		}
	})
	rec := x.record(time.Minute)
	if !near(rec.Hold, 15*time.Second) {
		t.Errorf("hold = %v, want 15s", rec.Hold)
	}
	// Answered at about 2 s, caller gone at about 41 s: 39 s, 15 of them held.
	if !near(rec.Talk, 24*time.Second) {
		t.Errorf("talk = %v, want about 24s (39s less the 15s hold)", rec.Talk)
	}
	if rec.Transfers != 0 || len(rec.Legs) != 0 {
		t.Errorf("transfers %d legs %s; want none", rec.Transfers, legsText(rec))
	}
	for _, a := range x.r.Core.Status(x.r.Clock.Now()).Agents {
		// alice: one call, about 24 s talk, 15 s hold and 5 s wrap-up.
		if a.ID == "alice" && !near(a.AHT, 44*time.Second) {
			t.Errorf("alice's AHT = %v, want about 44s (talk + hold + wrap-up)", a.AHT)
		}
	}
	if !hasStep(rec, "hold", "") || !hasStep(rec, "unhold", "held=15") {
		t.Errorf("timeline lacks hold/unhold: %v", rec.Timeline)
	}
}

// TestBlindTransferToQueue: alice sends the caller (priority 5) to billing
// at 10 s; she goes to wrap-up at once, the caller waits in billing with
// its priority and bob answers. One call, two legs.
func TestBlindTransferToQueue(t *testing.T) {
	x := newXferRun(t, "100", map[string]string{pbx.VarPriority: "5"}, 30*time.Second, nil)
	x.at(10*time.Second, "transfer to a queue that does not exist", ErrUnknownQueue, transfer("alice", TransferTo{Queue: "sales"}, false))
	x.at(10*time.Second, "attended transfer to a queue", ErrBadTransfer, transfer("alice", TransferTo{Queue: "billing"}, true))
	x.at(10*time.Second, "transfer", nil, transfer("alice", TransferTo{Queue: "billing"}, false))
	x.at(10*time.Second, "priority kept", nil, func(c *Core, now time.Time) error {
		for _, cl := range c.calls {
			if cl.priority != 5 || cl.queue.name != "billing" || cl.phase != acd.CallOffering {
				t.Errorf("after the transfer: priority %d queue %s phase %s; want 5, billing, offering", cl.priority, cl.queue.name, cl.phase)
			}
		}
		if s := c.agentIdx["alice"].state; s != acd.WrapUp {
			t.Errorf("alice is %s after transferring, want wrap-up", s)
		}
		return nil
	})
	// Alice has no call now: a target that never is one is named as such.
	x.at(10*time.Second, "transfer to a queue that does not exist, with no call", ErrUnknownQueue, transfer("alice", TransferTo{Queue: "sales"}, false))
	x.at(10*time.Second, "transfer to a queue, with no call", ErrNoCall, transfer("alice", TransferTo{Queue: "support"}, false))
	rec := x.record(time.Minute)
	if rec.Transfers != 1 || len(rec.Legs) != 2 {
		t.Fatalf("transfers %d, legs %s; want 1 transfer, 2 legs", rec.Transfers, legsText(rec))
	}
	a, b := rec.Legs[0], rec.Legs[1]
	if a.Agent != "alice" || a.Queue != "support" || !near(a.Talk, 8*time.Second) || a.WrapUp != 5*time.Second {
		t.Errorf("first leg %+v; want alice in support, 8s talk, 5s wrap-up", a)
	}
	if b.Start.Sub(a.End) < time.Second { // bob rang a second
		t.Errorf("bob's leg starts %v after alice's ended, want the ring's second at least", b.Start.Sub(a.End))
	}
	if b.Agent != "bob" || b.Queue != "billing" || b.Via != acd.TransferBlind || b.From != "alice" {
		t.Errorf("second leg %+v; want bob in billing, blind from alice", b)
	}
	if rec.Agent != "bob" || rec.Queue != "billing" || rec.Outcome != acd.OutcomeAnswered {
		t.Errorf("record agent %s queue %s outcome %s; want bob, billing, answered", rec.Agent, rec.Queue, rec.Outcome)
	}
	if rec.Talk != a.Talk+b.Talk || rec.WrapUp != a.WrapUp+b.WrapUp {
		t.Errorf("talk %v wrap-up %v; want the legs' sums %v, %v", rec.Talk, rec.WrapUp, a.Talk+b.Talk, a.WrapUp+b.WrapUp)
	}
}

// TestBlindTransferToAgent: alice sends the caller to carol, who belongs
// to no queue; the caller hears music while carol rings.
func TestBlindTransferToAgent(t *testing.T) {
	x := newXferRun(t, "100", nil, 30*time.Second, nil)
	x.at(10*time.Second, "transfer to oneself", ErrBadTransfer, transfer("alice", TransferTo{Agent: "alice"}, false))
	x.at(10*time.Second, "transfer to two targets", ErrBadTransfer, transfer("alice", TransferTo{Agent: "carol", Queue: "billing"}, false))
	x.at(10*time.Second, "transfer", nil, transfer("alice", TransferTo{Agent: "carol"}, false))
	x.check(10500*time.Millisecond, func() {
		ch, _ := x.r.Switch.Channel(x.caller)
		if !ch.OnHold || x.phase() != acd.CallTransferring {
			t.Errorf("while carol rings: caller music %v, phase %s; want music, transferring", ch.OnHold, x.phase())
		}
	})
	rec := x.record(time.Minute)
	if len(rec.Legs) != 2 || rec.Legs[1].Agent != "carol" || rec.Legs[1].Via != acd.TransferBlind || rec.Agent != "carol" {
		t.Fatalf("legs %s agent %s; want alice then carol (blind)", legsText(rec), rec.Agent)
	}
	// carol answered about 1 s after the transfer: the caller held meanwhile.
	if !near(rec.Hold, time.Second+40*time.Millisecond) || rec.Legs[1].Hold != 0 {
		t.Errorf("hold %v (carol's leg %v); want about 1s of the call's, none of carol's leg", rec.Hold, rec.Legs[1].Hold)
	}
}

// TestTransferToNumber: alice sends the caller to an outside number that
// answers and later hangs up; a busy number sends the caller back to its
// queue.
func TestTransferToNumber(t *testing.T) {
	t.Run("answered", func(t *testing.T) {
		x := newXferRun(t, "100", nil, 0, map[string]farend.Phone{"sim/ext-5551234": answers(2*time.Second, 20*time.Second)})
		x.at(10*time.Second, "transfer to a bad number", ErrBadTransfer, transfer("alice", TransferTo{Number: "555;1"}, false))
		x.at(10*time.Second, "transfer", nil, transfer("alice", TransferTo{Number: "5551234"}, false))
		x.check(20*time.Second, func() {
			if p := x.phase(); p != acd.CallExternal {
				t.Errorf("phase %s, want external", p)
			}
		})
		rec := x.record(time.Minute)
		if len(rec.Legs) != 2 || rec.Legs[1].Number != "5551234" || !near(rec.Legs[1].Talk, 20*time.Second) {
			t.Fatalf("legs %s; want alice, then 5551234 for 20s", legsText(rec))
		}
		if rec.Outcome != acd.OutcomeAnswered || rec.HangupBy != acd.HangupAgent || rec.Agent != "alice" {
			t.Errorf("outcome %s hangup by %s agent %s; want answered, agent side, alice", rec.Outcome, rec.HangupBy, rec.Agent)
		}
	})
	t.Run("busy", func(t *testing.T) {
		x := newXferRun(t, "100", nil, 40*time.Second, map[string]farend.Phone{"sim/ext-5550000": {Mode: farend.PhoneBusy}})
		x.at(10*time.Second, "transfer", nil, transfer("alice", TransferTo{Number: "5550000"}, false))
		rec := x.record(time.Minute)
		if !hasStep(rec, "transfer-failed", "busy") || rec.Queue != "support" || rec.Agent != "alice" || len(rec.Legs) != 2 {
			t.Errorf("queue %s agent %s legs %s; want the failed transfer back in support, alice again", rec.Queue, rec.Agent, legsText(rec))
		}
	})
	t.Run("from a menu", func(t *testing.T) {
		x := newXferRun(t, "200", nil, 0, map[string]farend.Phone{"sim/ext-5551234": answers(time.Second, 10*time.Second)})
		x.at(3*time.Second, "transfer caller to a number", nil, func(c *Core, now time.Time) error {
			for _, cl := range c.calls {
				return c.transferCallerToNumber(now, cl, "5551234")
			}
			return errors.New("no call")
		})
		rec := x.record(time.Minute)
		if rec.Outcome != acd.OutcomeTransferred || len(rec.Legs) != 1 || rec.Legs[0].Number != "5551234" || !near(rec.Talk, 10*time.Second) {
			t.Errorf("outcome %s legs %s talk %v; want transferred, one leg to 5551234, 10s", rec.Outcome, legsText(rec), rec.Talk)
		}
	})
}

// TestAttendedTransfer: alice consults carol with the caller held, then
// completes (the caller talks to carol, alice wraps up) or cancels (carol
// is let go, the caller is back with alice).
func TestAttendedTransfer(t *testing.T) {
	t.Run("complete", func(t *testing.T) {
		x := newXferRun(t, "100", nil, 40*time.Second, nil)
		x.at(10*time.Second, "consult", nil, transfer("alice", TransferTo{Agent: "carol"}, true))
		x.at(10500*time.Millisecond, "complete before carol answers", ErrCallState, func(c *Core, now time.Time) error {
			_, err := c.CompleteTransfer(now, "alice")
			return err
		})
		x.check(15*time.Second, func() {
			ch, _ := x.r.Switch.Channel(x.caller)
			if !ch.OnHold || x.phase() != acd.CallConsulting || x.agentState("carol") != acd.OnCall {
				t.Errorf("consulting: caller music %v, phase %s, carol %s", ch.OnHold, x.phase(), x.agentState("carol"))
			}
		})
		x.at(20*time.Second, "complete", nil, func(c *Core, now time.Time) error {
			_, err := c.CompleteTransfer(now, "alice")
			return err
		})
		x.check(21*time.Second, func() {
			if x.agentState("alice") != acd.WrapUp || x.phase() != acd.CallBridged {
				t.Errorf("after completing: alice %s, phase %s", x.agentState("alice"), x.phase())
			}
		})
		rec := x.record(time.Minute)
		if len(rec.Legs) != 2 || rec.Legs[1].Agent != "carol" || rec.Legs[1].Via != acd.TransferAttended {
			t.Fatalf("legs %s; want alice then carol (attended)", legsText(rec))
		}
		if !near(rec.Legs[0].Hold, 10*time.Second) || !near(rec.Hold, 10*time.Second) {
			t.Errorf("hold %v, alice's leg %v; want the 10s consult", rec.Hold, rec.Legs[0].Hold)
		}
	})
	t.Run("cancel", func(t *testing.T) {
		x := newXferRun(t, "100", nil, 40*time.Second, nil)
		x.at(10*time.Second, "consult", nil, transfer("alice", TransferTo{Agent: "carol"}, true))
		x.at(20*time.Second, "cancel", nil, func(c *Core, now time.Time) error {
			_, err := c.CancelTransfer(now, "alice")
			return err
		})
		x.check(21*time.Second, func() {
			ch, _ := x.r.Switch.Channel(x.caller)
			if ch.OnHold || ch.Bridge == "" || x.phase() != acd.CallBridged || x.agentState("carol") != acd.Available {
				t.Errorf("after cancelling: caller music %v bridge %q, phase %s, carol %s", ch.OnHold, ch.Bridge, x.phase(), x.agentState("carol"))
			}
		})
		rec := x.record(time.Minute)
		if rec.Transfers != 0 || len(rec.Legs) != 0 || rec.Agent != "alice" || !near(rec.Hold, 10*time.Second) {
			t.Errorf("transfers %d legs %s agent %s hold %v; want none, alice, 10s hold", rec.Transfers, legsText(rec), rec.Agent, rec.Hold)
		}
		if !hasStep(rec, "consult", "agent carol") || !hasStep(rec, "consult-cancel", "") {
			t.Errorf("timeline lacks the consult: %v", rec.Timeline)
		}
	})
}

// TestRestartWhileHeld: the daemon dies with the caller on hold; the
// restored call is held, alice still on it, and she takes the caller back.
func TestRestartWhileHeld(t *testing.T) {
	st := newMemStore()
	r := newRestartableRun(t, restartConfig, st)
	callAlice(t, r, farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: time.Second})
	r.RunUntil(epoch.Add(5 * time.Second))
	if err := r.Do(hold("alice")); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(epoch.Add(6 * time.Second))
	kill(t, r)
	restart(t, r, st, "run2", nil)
	r.RunUntil(epoch.Add(8 * time.Second))
	s := r.Core.Status(r.Clock.Now())
	if len(s.Calls) != 1 || s.Calls[0].Agent != "alice" || s.Calls[0].Phase != acd.CallHeld.String() {
		t.Fatalf("live calls = %+v, want the caller held for alice", s.Calls)
	}
	if err := r.Do(unhold("alice")); err != nil {
		t.Fatalf("unhold after the restart: %v", err)
	}
	r.RunUntil(epoch.Add(9 * time.Second))
	cl := s.Calls[0]
	rec := st.calls[cl.ID]
	ch, _ := r.Switch.Channel(pbx.ChannelID(rec.Channel))
	if ch.OnHold || ch.Bridge == "" {
		t.Errorf("caller after unhold: music %v bridge %q; want back in the bridge", ch.OnHold, ch.Bridge)
	}
	if w := r.Core.Warnings(); w["illegal-transition"] != 0 || w["command-failed"] != 0 {
		t.Errorf("warnings = %v", w)
	}
}

// TestTargetGoneDuringLinkGap: carol's phone rings for a blind transfer
// when the link to the switch drops; back, the switch no longer lists her
// leg. The transfer failed: the caller goes back to support, where alice,
// her wrap-up over, takes it again.
func TestTargetGoneDuringLinkGap(t *testing.T) {
	x := newXferRun(t, "100", nil, 40*time.Second, map[string]farend.Phone{"sim/carol": {Mode: farend.PhoneNoAnswer}})
	x.at(10*time.Second, "transfer", nil, transfer("alice", TransferTo{Agent: "carol"}, false))
	x.at(11*time.Second, "link back without carol's leg", nil, func(c *Core, now time.Time) error {
		snap, err := x.r.Switch.Snapshot(context.Background())
		if err != nil {
			return err
		}
		snap.Channels = slices.DeleteFunc(snap.Channels, func(ch pbx.ChannelInfo) bool { return ch.Vars[pbx.VarAgent] == "carol" })
		c.Handle(now, pbx.Disconnected{Base: pbx.Base{At: now}, Err: errors.New("cut")})
		c.Handle(now, pbx.Synced{Base: pbx.Base{At: now}, Snapshot: snap, Reconnect: true})
		if s := c.agentIdx["carol"].state; s != acd.Available {
			t.Errorf("carol is %s after her leg vanished, want available", s)
		}
		return nil
	})
	rec := x.record(time.Minute)
	if !hasStep(rec, "transfer-failed", "cancelled") || rec.Agent != "alice" || len(rec.Legs) != 2 || rec.Legs[1].Agent != "alice" {
		t.Errorf("agent %s legs %s; want the failed transfer back to alice: %v", rec.Agent, legsText(rec), rec.Timeline)
	}
}
