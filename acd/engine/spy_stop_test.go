package engine

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
)

// A supervisor stops the whisper they started: the status lists the
// monitor (who, on whom, how) until then; the supervisor's leg is hung up,
// the caller and alice talk on, the record says who stopped it, and the
// leg's hang-up raises no warning. Stopping it again, or a phone that is
// not in the call, is ErrNoMonitor.
func TestSpyStop(t *testing.T) {
	r, st, sup := whisperToAlice(t, "sue")
	r.RunUntil(epoch.Add(15 * time.Second))
	mons := r.Core.Status(r.Clock.Now()).Monitors
	if len(mons) != 1 || mons[0].Agent != "alice" || mons[0].Endpoint != "sim/sup" || mons[0].Mode != "whisper" || mons[0].By != "sue" || mons[0].Channel != sup {
		t.Fatalf("monitors %+v; want sue whispering to alice from sim/sup on %s", mons, sup)
	}
	do(t, r, "stop", func(c *Core, now time.Time) error {
		m, err := c.SpyStop(now, "alice", "sim/sup", "sue")
		if err == nil && m.Channel != sup {
			t.Errorf("stopped %+v, want %s", m, sup)
		}
		return err
	})
	r.RunUntil(epoch.Add(16 * time.Second))
	if _, up := r.Switch.Channel(pbx.ChannelID(sup)); up {
		t.Errorf("the supervisor's leg %s is still up", sup)
	}
	if mons := r.Core.Status(r.Clock.Now()).Monitors; len(mons) != 0 {
		t.Errorf("monitors after the stop %+v", mons)
	}
	if a := r.Core.agentIdx["alice"]; a.call == nil || !a.call.phase.Connected() {
		t.Errorf("alice's call ended with the whisper")
	}
	do(t, r, "stop again", func(c *Core, now time.Time) error {
		if _, err := c.SpyStop(now, "alice", "sim/sup", "sue"); !errors.Is(err, ErrNoMonitor) {
			t.Errorf("stopping again: %v, want ErrNoMonitor", err)
		}
		if _, err := c.SpyStop(now, "ghost", "sim/sup", "sue"); !errors.Is(err, ErrUnknownAgent) {
			t.Errorf("stopping on an unknown agent: %v, want ErrUnknownAgent", err)
		}
		return nil
	})
	r.RunUntil(epoch.Add(2 * time.Minute))
	recs := records(st)
	if len(recs) != 1 || !hasStep(recs[0], "spy-stopped", "whisper "+sup+" by sue") {
		t.Errorf("no spy-stopped step: %+v", recs)
	}
	if w := r.Core.Warnings(); len(w) != 0 {
		t.Errorf("warnings %v", w)
	}
}

// A whisper the restarted daemon kept is in its status and can be
// stopped: its leg is hung up, no warning.
func TestSpyStopAfterRestart(t *testing.T) {
	var sup pbx.ChannelID
	r, rec := spyThenRestart(t, 30*time.Second, func(r *SimRun, ch pbx.ChannelID) {
		sup = ch
		if mons := r.Core.Status(r.Clock.Now()).Monitors; len(mons) != 1 || mons[0].Channel != string(ch) || mons[0].Mode != "whisper" {
			t.Errorf("monitors after the restart %+v; want the kept whisper", mons)
		}
		do(t, r, "stop", func(c *Core, now time.Time) error {
			_, err := c.SpyStop(now, "alice", "sim/sup", "sue")
			return err
		})
		r.RunUntil(r.Clock.Now().Add(time.Second))
		if _, up := r.Switch.Channel(ch); up {
			t.Errorf("the kept leg %s is still up after the stop", ch)
		}
	})
	if !hasStep(rec, "spy-kept-after-restart", "whisper "+string(sup)) || !hasStep(rec, "spy-stopped", string(sup)) {
		t.Errorf("timeline %s", timelineKinds(rec))
	}
	if w := r.Core.Warnings(); w["stranded-leg"] != 0 || w["unknown-channel"] != 0 {
		t.Errorf("warnings %v", w)
	}
}

// A supervisor whispers to alice, who transfers the caller to the sales
// queue, where bob takes it: the whisper was on alice's leg, so it ends
// with it (the supervisor's leg hung up, a spy-ended step, no monitor
// listed). Before, it stayed listed on the call under alice, who had left,
// and no spy-stop could reach it.
func TestSpyEndsWhenTheAgentTransfers(t *testing.T) {
	st := newMemStore()
	r := newRestartableRun(t, spyTwoQueues, st)
	for _, p := range []string{"sim/sup", "sim/bob"} {
		if err := r.Switch.SetPhone(p, answers(500*time.Millisecond, 10*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Login("bob"); err != nil {
		t.Fatal(err)
	}
	callAlice(t, r, farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: time.Second, HangupAfter: time.Hour})
	r.RunUntil(epoch.Add(10 * time.Second))
	var sup string
	do(t, r, "whisper", func(c *Core, now time.Time) (err error) {
		sup, err = c.Spy(now, "alice", pbx.SpyWhisper, "sim/sup", "sue")
		return err
	})
	r.RunUntil(epoch.Add(15 * time.Second))
	if mons := r.Core.Status(r.Clock.Now()).Monitors; len(mons) != 1 {
		t.Fatalf("monitors before the transfer %+v", mons)
	}
	do(t, r, "transfer", func(c *Core, now time.Time) error {
		_, err := c.Transfer(now, "alice", TransferTo{Queue: "sales"}, false)
		return err
	})
	r.RunUntil(epoch.Add(30 * time.Second))
	if _, up := r.Switch.Channel(pbx.ChannelID(sup)); up {
		t.Errorf("the supervisor's leg %s is still up after alice left the call", sup)
	}
	if mons := r.Core.Status(r.Clock.Now()).Monitors; len(mons) != 0 {
		t.Errorf("monitors after alice left the call %+v", mons)
	}
	if b := r.Core.agentIdx["bob"]; b.call == nil || !b.call.phase.Connected() {
		t.Fatalf("bob did not take the transferred caller")
	}
	do(t, r, "stop", func(c *Core, now time.Time) error {
		if _, err := c.SpyStop(now, "bob", "sim/sup", "sue"); !errors.Is(err, ErrNoMonitor) {
			t.Errorf("stop on bob's call: %v, want ErrNoMonitor", err)
		}
		return nil
	})
	r.Switch.Hangup(context.Background(), r.Core.agentIdx["bob"].call.agentCh, pbx.CauseNormal)
	r.RunUntil(epoch.Add(time.Minute))
	recs := records(st)
	if len(recs) != 1 || !hasStep(recs[0], "spy-ended", "whisper "+sup+": the agent left the call") {
		t.Errorf("no spy-ended step: %+v", recs)
	}
	if w := r.Core.Warnings(); len(w) != 0 {
		t.Errorf("warnings %v", w)
	}
}

// spyTwoQueues: alice answers support (100), bob sales (200).
const spyTwoQueues = `
entries:
  - {number: "100", queue: support}
  - {number: "200", queue: sales}
queues:
  - {name: support, ring_timeout: 20s, wrap_up: 5s}
  - {name: sales, ring_timeout: 20s, wrap_up: 5s}
agents:
  - {id: alice, endpoint: sim/alice, queues: [{queue: support}]}
  - {id: bob, endpoint: sim/bob, queues: [{queue: sales}]}
`

// A supervisor's phone is refused when it cannot listen in: not a dial
// string, the agent's own, or another agent's while it rings or is on a
// call (it would pull that agent into this call); and a spy on an agent
// with no call, or whose caller is on hold, is told why, not "unknown call".
func TestSpyRefusesPhonesAndStates(t *testing.T) {
	st := newMemStore()
	r := newRestartableRun(t, spyTwoQueues, st)
	for _, p := range []string{"sim/bob", "sim/sup"} {
		if err := r.Switch.SetPhone(p, answers(500*time.Millisecond, 10*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Login("bob"); err != nil {
		t.Fatal(err)
	}
	callAlice(t, r, farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: time.Second, HangupAfter: time.Hour})
	r.RunUntil(epoch.Add(5 * time.Second))
	spy := func(agent, endpoint string) error {
		var err error
		do(t, r, "spy", func(c *Core, now time.Time) error {
			_, err = c.Spy(now, agent, pbx.SpyListen, endpoint, "sue")
			return nil
		})
		return err
	}
	for _, tc := range []struct {
		agent, endpoint string
		want            error
	}{
		{"alice", "bogus", ErrBadSpy},
		{"alice", "sim/", ErrBadSpy},
		{"alice", "sim/a b", ErrBadSpy},
		{"alice", "sim/alice", ErrBadSpy},
		// More than one phone, or options: each could ring bob into the call.
		{"alice", "sim/sup&sim/bob", ErrBadSpy},
		{"alice", "sim/sup,sim/bob", ErrBadSpy},
		{"alice", "sim/sup|sim/bob", ErrBadSpy},
		{"alice", "sim/sup,,tT", ErrBadSpy},
		{"alice", "{x=1}sim/sup", ErrBadSpy},
		{"alice", "sim//bob", ErrBadSpy},
		{"bob", "sim/sup", ErrNoCall}, // bob is free
		// Bob is available: a caller would be offered to his phone while
		// it listens to alice's call.
		{"alice", "sim/bob", ErrPhoneBusy},
		{"alice", "SIM/Bob", ErrPhoneBusy},
		// A phone that is never one is named so, whatever bob is doing.
		{"bob", "sim/sup&sim/alice", ErrBadSpy},
		{"nobody", "sim/sup&sim/alice", ErrUnknownAgent},
	} {
		if err := spy(tc.agent, tc.endpoint); !errors.Is(err, tc.want) {
			t.Errorf("spy on %s from %q: %v, want %v", tc.agent, tc.endpoint, err, tc.want)
		}
	}
	if _, err := r.Switch.PlaceCall(farend.CallScript{From: "556", To: "200"}); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(epoch.Add(10 * time.Second))
	if err := spy("alice", "sim/bob"); !errors.Is(err, ErrPhoneBusy) {
		t.Errorf("spy on alice from bob's phone, bob on a call: %v, want ErrPhoneBusy", err)
	}
	do(t, r, "hold", func(c *Core, now time.Time) error { _, err := c.Hold(now, "alice"); return err })
	r.RunUntil(epoch.Add(11 * time.Second))
	if err := spy("alice", "sim/sup"); !errors.Is(err, ErrCallState) {
		t.Errorf("spy on alice holding her caller: %v, want ErrCallState", err)
	}
	do(t, r, "unhold", func(c *Core, now time.Time) error { _, err := c.Unhold(now, "alice"); return err })
	r.RunUntil(epoch.Add(12 * time.Second))
	if err := spy("alice", "sim/sup"); err != nil {
		t.Errorf("spy on alice from the supervisor's phone: %v", err)
	}
}

// With privacy.spy_phones set only the phones it lists may be rung into a
// call: an outside number is refused (a supervisor's token cannot make a
// customer's call heard elsewhere); a reload that empties the list lets
// any one phone again, at once.
func TestSpyOnlyFromListedPhones(t *testing.T) {
	st := newMemStore()
	listed := spyTwoQueues + "privacy:\n  spy_phones: [sim/sup*, sim/1100]\n"
	r := newRestartableRun(t, listed, st)
	for _, p := range []string{"sim/sup2", "sim/outside"} {
		if err := r.Switch.SetPhone(p, answers(500*time.Millisecond, 10*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	callAlice(t, r, farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: time.Second, HangupAfter: time.Hour})
	r.RunUntil(epoch.Add(5 * time.Second))
	spy := func(endpoint string) error {
		var err error
		do(t, r, "spy "+endpoint, func(c *Core, now time.Time) error {
			_, err = c.Spy(now, "alice", pbx.SpyListen, endpoint, "sue")
			return nil
		})
		return err
	}
	if err := spy("sim/outside"); !errors.Is(err, ErrBadSpy) || !strings.Contains(err.Error(), "privacy.spy_phones") {
		t.Errorf("spy from a phone not listed: %v, want ErrBadSpy naming privacy.spy_phones", err)
	}
	if err := spy("sim/sup2"); err != nil {
		t.Errorf("spy from a listed phone: %v", err)
	}
	do(t, r, "reload", func(c *Core, now time.Time) error {
		rep, err := c.Reconfigure(now, parseConfig(t, spyTwoQueues))
		if err == nil && !slices.Contains(rep.Applied, "privacy.spy_phones") {
			t.Errorf("reload report %+v: want privacy.spy_phones applied", rep)
		}
		return err
	})
	if err := spy("sim/outside"); err != nil {
		t.Errorf("spy from any phone once the list is gone: %v", err)
	}
}
