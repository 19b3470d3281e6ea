package engine

import (
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/sim"
)

// TestManagerHangupIsNotTheCaller: an administrator kills channels from the
// switch's console (FreeSWITCH uuid_kill: cause MANAGER_REQUEST) while ch-1
// talks to alice and ch-2 waits. Neither caller hung up: both records say
// the system did, ch-2 is not counted abandoned (its queue counts none) and
// ends failed, ch-1 ends answered with alice in wrap-up. A caller who hangs
// up (ch-3) is still abandoned.
func TestManagerHangupIsNotTheCaller(t *testing.T) {
	c, st, _ := talking(t, epoch.Add(2*time.Second))
	at := epoch.Add(4 * time.Second)
	c.Handle(at, pbx.CallArrived{Base: pbx.Base{Channel: "ch-2", At: at}, Caller: "556", Called: "100"})
	c.Handle(at, pbx.CallArrived{Base: pbx.Base{Channel: "ch-3", At: at}, Caller: "557", Called: "100"})
	kill := epoch.Add(10 * time.Second)
	for _, ch := range []pbx.ChannelID{"ch-2", "ch-1"} {
		c.Handle(kill, pbx.HungUp{Base: pbx.Base{Channel: ch, At: kill}, Cause: pbx.CauseManagerRequest})
	}
	c.Handle(kill, pbx.HungUp{Base: pbx.Base{Channel: "ch-3", At: kill}, Cause: pbx.CauseNormal})

	want := map[string]struct {
		by      acd.HangupBy
		outcome acd.Outcome
	}{
		"ch-1": {acd.HangupSystem, acd.OutcomeAnswered},
		"ch-2": {acd.HangupSystem, acd.OutcomeFailed},
		"ch-3": {acd.HangupCaller, acd.OutcomeAbandoned},
	}
	for _, r := range records(st) {
		w, ok := want[r.Channel]
		if !ok {
			continue
		}
		delete(want, r.Channel)
		if r.HangupBy != w.by || r.Outcome != w.outcome {
			t.Errorf("%s: hung up by %s, outcome %s (timeline %s); want %s, %s", r.Channel, r.HangupBy, r.Outcome, timelineKinds(r), w.by, w.outcome)
		}
		if w.by == acd.HangupSystem && (r.Cause != "manager-request" || !hasStepKind(&r, "switch-hangup")) {
			t.Errorf("%s: cause %q, timeline %s; want manager-request and a switch-hangup step", r.Channel, r.Cause, timelineKinds(r))
		}
	}
	if len(want) > 0 {
		t.Errorf("no record of %v", want)
	}
	s := c.Status(kill)
	if q := s.Queues[0]; q.Abandoned != 1 {
		t.Errorf("queue abandoned %d, want 1 (ch-3 alone)", q.Abandoned)
	}
	for _, a := range s.Agents {
		if a.ID == "alice" && a.State != acd.WrapUp.String() {
			t.Errorf("alice: %s; want in wrap-up after her call", a.State)
		}
	}
}

// TestManagerHangupKeepsVoicemail: a caller leaving a voicemail is killed
// from the switch's console: the message is kept and becomes the queue's
// callback task, as when the caller hangs up, and the record says the
// system hung up.
func TestManagerHangupKeepsVoicemail(t *testing.T) {
	night := time.Date(2026, 1, 5, 20, 0, 0, 0, time.UTC) // a Monday, after 17:00
	st := newMemStore()
	r, err := NewSimRun(SimOptions{Core: Options{Config: parseConfig(t, voicemailConfig), Store: st}, Start: night,
		Sim: sim.Options{PromptLength: 2 * time.Second, Latency: 20 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Switch.PlaceCall(farend.CallScript{From: "5550001", To: "100", HangupAfter: time.Minute}); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(night.Add(12 * time.Second))
	if err := r.Do(func(c *Core, now time.Time) error {
		for _, cl := range c.calls {
			c.Handle(now, pbx.HungUp{Base: pbx.Base{Channel: cl.ch, At: now}, Cause: pbx.CauseManagerRequest})
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(night.Add(2 * time.Minute))
	recs := records(st)
	if len(recs) != 1 {
		t.Fatalf("records %+v", recs)
	}
	rec := recs[0]
	if rec.Outcome != acd.OutcomeCallback || rec.HangupBy != acd.HangupSystem || !hasStepKind(&rec, "switch-hangup") {
		t.Errorf("record: outcome %s, hung up by %s, timeline %s; want callback, by the system", rec.Outcome, rec.HangupBy, timelineKinds(rec))
	}
	st.mu.Lock()
	_, ok := st.callbacks["cb-"+rec.ID]
	st.mu.Unlock()
	if !ok {
		t.Errorf("no callback task for the voicemail left")
	}
}

// TestManagerHangupOfAgentIsNotTheAgent: hupall takes a conversation down
// and the agent's channel's hang-up comes first: the record says the
// system ended it (cause manager-request, a switch-hangup step), not the
// agent; it ends answered and alice goes to wrap-up as after any call. An
// agent who hangs up herself is still the one who did.
func TestManagerHangupOfAgentIsNotTheAgent(t *testing.T) {
	for _, tc := range []struct {
		cause pbx.Cause
		by    acd.HangupBy
	}{{pbx.CauseManagerRequest, acd.HangupSystem}, {pbx.CauseNormal, acd.HangupAgent}} {
		c, st, leg := talking(t, epoch.Add(2*time.Second))
		kill := epoch.Add(10 * time.Second)
		c.Handle(kill, pbx.HungUp{Base: pbx.Base{Channel: leg, At: kill}, Cause: tc.cause})
		c.Handle(kill, pbx.HungUp{Base: pbx.Base{Channel: "ch-1", At: kill}, Cause: tc.cause})
		recs := records(st)
		if len(recs) != 1 {
			t.Fatalf("%s: records %+v", tc.cause, recs)
		}
		r := recs[0]
		if r.HangupBy != tc.by || r.Outcome != acd.OutcomeAnswered || r.Cause != tc.cause.String() {
			t.Errorf("%s: hung up by %s, outcome %s, cause %q (timeline %s); want %s, answered, %s", tc.cause, r.HangupBy, r.Outcome, r.Cause, timelineKinds(r), tc.by, tc.cause)
		}
		if got := hasStepKind(&r, "switch-hangup"); got != (tc.by == acd.HangupSystem) {
			t.Errorf("%s: switch-hangup step %v (timeline %s)", tc.cause, got, timelineKinds(r))
		}
		for _, a := range c.Status(kill).Agents {
			if a.ID == "alice" && a.State != acd.WrapUp.String() {
				t.Errorf("%s: alice %s; want in wrap-up", tc.cause, a.State)
			}
		}
	}
}

// TestHupallOffersNoOneItEnds: hupall ends alice's conversation (ch-1) and
// the caller waiting behind it (ch-2), whose hang-ups come one after the
// other. Freed by the first, alice (no wrap-up) is not offered ch-2, which
// the second ends: no originate goes out between them. A caller who comes
// during the hold (ch-3) is offered to her once it is over.
func TestHupallOffersNoOneItEnds(t *testing.T) {
	var cmds []Command
	var timers []Timer
	cfg := parseConfig(t, `
entries: [{number: "100", queue: support}]
queues: [{name: support, strategy: longest-idle, ring_timeout: 10s, wrap_up: 0s}]
agents: [{id: alice, endpoint: sim/alice, queues: [{queue: support}]}]
`)
	c, leg := ringingAlice(t, Options{Config: cfg, Out: timedOutputs{recordOutputs{&cmds}, &timers, map[Timer]time.Time{}}, Store: newMemStore()}, &cmds)
	at := epoch.Add(2 * time.Second)
	c.Handle(at, pbx.Answered{Base: pbx.Base{Channel: leg, At: at}})
	confirmBridge(c, cmds, at)
	at = epoch.Add(4 * time.Second)
	c.Handle(at, pbx.CallArrived{Base: pbx.Base{Channel: "ch-2", At: at}, Caller: "556", Called: "100"})

	originates := func() int {
		n := 0
		for _, cmd := range cmds {
			if cmd.Op == OpOriginate {
				n++
			}
		}
		return n
	}
	before := originates()
	kill := epoch.Add(10 * time.Second)
	for _, ch := range []pbx.ChannelID{"ch-1", leg, "ch-2"} {
		c.Handle(kill, pbx.HungUp{Base: pbx.Base{Channel: ch, At: kill}, Cause: pbx.CauseManagerRequest})
	}
	if n := originates() - before; n != 0 {
		t.Fatalf("%d originates during the hupall; want none (alice offered a caller it ends)", n)
	}
	during := kill.Add(100 * time.Millisecond)
	c.Handle(during, pbx.CallArrived{Base: pbx.Base{Channel: "ch-3", At: during}, Caller: "557", Called: "100"})
	if n := originates() - before; n != 0 {
		t.Fatalf("ch-3 offered during the hold")
	}
	var end time.Time
	for _, tm := range timers {
		if at := c.out.(timedOutputs).due[tm]; tm.Kind == TimerOffersHeld && at.After(end) {
			end = at
		}
	}
	if end.IsZero() || end.Sub(kill) > time.Second {
		t.Fatalf("hold ends at %v; want a timer within a second of the hupall", end)
	}
	c.Fire(end, Timer{Kind: TimerOffersHeld})
	if n := originates() - before; n != 1 {
		t.Fatalf("%d originates after the hold; want ch-3 offered to alice", n)
	}
	if last := cmds[len(cmds)-1]; last.Op != OpOriginate || last.Originate.Endpoint != "sim/alice" || len(c.Status(end).Calls) != 1 {
		t.Errorf("last command %s, calls %+v; want ch-3 offered to alice", last, c.Status(end).Calls)
	}
}

// TestManagerHangupOfRingingLeg: alice's phone is hung up through the
// switch's API while it rings (hupall): no fault of her phone, so the ring
// ends cancelled, not unreachable (which warns of her phone and holds her
// back), whether the switch says so with a failed originate or a hang-up.
func TestManagerHangupOfRingingLeg(t *testing.T) {
	for _, failed := range []bool{true, false} {
		var cmds []Command
		st := newMemStore()
		c, leg := ringingAlice(t, Options{Config: parseConfig(t, basicConfig), Out: recordOutputs{&cmds}, Store: st}, &cmds)
		kill := epoch.Add(3 * time.Second)
		if failed {
			c.Handle(kill, pbx.OriginateFailed{Base: pbx.Base{Channel: leg, At: kill}, Reason: pbx.FailUnreachable, Cause: pbx.CauseManagerRequest})
		}
		c.Handle(kill, pbx.HungUp{Base: pbx.Base{Channel: leg, At: kill}, Cause: pbx.CauseManagerRequest})
		c.Handle(kill, pbx.HungUp{Base: pbx.Base{Channel: "ch-1", At: kill}, Cause: pbx.CauseManagerRequest})
		recs := records(st)
		if len(recs) != 1 {
			t.Fatalf("records %+v", recs)
		}
		var got []string
		for _, s := range recs[0].Timeline {
			if s.Kind == "no-connect" {
				got = append(got, s.Detail)
			}
		}
		if len(got) != 1 || got[0] != string(pbx.FailCancelled) {
			t.Errorf("failed originate %v: no-connect steps %v (timeline %+v); want one, cancelled", failed, got, recs[0].Timeline)
		}
		if n := c.warnings["agent-unreachable"]; n != 0 {
			t.Errorf("failed originate %v: %d unreachable warnings", failed, n)
		}
	}
}

// ringingAlice is a core made with opts (whose Out records into cmds) in
// which alice, logged in, is rung for caller ch-1; it returns her leg.
func ringingAlice(t *testing.T, opts Options, cmds *[]Command) (*Core, pbx.ChannelID) {
	t.Helper()
	c, err := NewCore(opts, epoch)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Login(epoch, "alice"); err != nil {
		t.Fatal(err)
	}
	c.Handle(epoch, pbx.CallArrived{Base: pbx.Base{Channel: "ch-1", At: epoch}, Caller: "555", Called: "100"})
	return c, (*cmds)[len(*cmds)-1].Originate.ChannelID
}
