package engine

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/store"
)

// xferStep is what an agent does to a transferred call at a time.
type xferStep struct {
	at time.Duration
	fn func(c *Core, now time.Time) error
}

// xferScript is a caller's call through support that alice answers in
// 1 s and then transfers by steps; carol, bob and the outside number
// 5551234 answer after answer, and the caller hangs up after talk (a
// minute when zero).
type xferScript struct {
	answer, talk time.Duration
	steps        []xferStep
}

// transferredRecord runs sc; with restartAt set, the daemon is killed then
// and comes back at once. It returns the call's record once the caller and
// every wrap-up are done.
func transferredRecord(t *testing.T, restartAt time.Duration, sc xferScript) store.CallRecord {
	t.Helper()
	answer, steps := sc.answer, sc.steps
	if sc.talk == 0 {
		sc.talk = time.Minute
	}
	st := newMemStore()
	r := newRestartableRun(t, transferConfig, st)
	for ep, p := range map[string]farend.Phone{"sim/alice": answers(time.Second, 0), "sim/carol": answers(answer, 0),
		"sim/bob": answers(answer, 0), "sim/ext-5551234": answers(answer, 0)} {
		if err := r.Switch.SetPhone(ep, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Login("alice", "bob", "carol"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Switch.PlaceCall(farend.CallScript{From: "5550100", To: "100", HangupAfter: sc.talk}); err != nil {
		t.Fatal(err)
	}
	restarted := restartAt == 0
	for _, s := range steps {
		if !restarted && restartAt <= s.at {
			r.RunUntil(epoch.Add(restartAt))
			kill(t, r)
			restart(t, r, st, "run2", nil)
			restarted = true
		}
		r.RunUntil(epoch.Add(s.at))
		do(t, r, "step", s.fn)
	}
	if !restarted {
		r.RunUntil(epoch.Add(restartAt))
		kill(t, r)
		restart(t, r, st, "run2", nil)
	}
	rec := onlyRecord(t, r, st, 2*time.Minute)
	if w := r.Core.Warnings(); w["illegal-transition"] != 0 || w["command-failed"] != 0 || w["stranded-leg"] != 0 {
		t.Errorf("warnings = %v", w)
	}
	return rec
}

// legsDetail is a record's legs with their times from the start of the
// run, to the millisecond.
func legsDetail(rec store.CallRecord) string {
	var b strings.Builder
	ms := func(d time.Duration) string { return d.Round(time.Millisecond).String() }
	for _, l := range rec.Legs {
		fmt.Fprintf(&b, "\n  [%s%s via=%s from=%s start=%s end=%s talk=%s hold=%s wrap-up=%s]", l.Agent, l.Number, l.Via, l.From,
			ms(l.Start.Sub(epoch)), ms(l.End.Sub(epoch)), ms(l.Talk), ms(l.Hold), ms(l.WrapUp))
	}
	fmt.Fprintf(&b, "\n  talk=%s hold=%s wrap-up=%s", ms(rec.Talk), ms(rec.Hold), ms(rec.WrapUp))
	return b.String()
}

func consult(id string, to TransferTo) func(c *Core, now time.Time) error {
	return transfer(id, to, true)
}

func complete(id string) func(c *Core, now time.Time) error {
	return func(c *Core, now time.Time) error { _, err := c.CompleteTransfer(now, id); return err }
}

// TestRestartKeepsTransferredLegs: a caller alice transferred (blind or
// attended, to an agent, a queue or a number) is restarted across while
// the transfer rings, during a consult or a hold of the next party, or
// once the caller talks to it. The final record's legs (each party's
// start, end, talk, hold and wrap-up, how and from whom it came) and its
// talk are those of the same call with no restart: the talk of the legs
// before, and when the current leg began and its talk did, survive the
// restart.
func TestRestartKeepsTransferredLegs(t *testing.T) {
	carol, bob, number := TransferTo{Agent: "carol"}, TransferTo{Agent: "bob"}, TransferTo{Number: "5551234"}
	for _, tc := range []struct {
		name      string
		restartAt time.Duration
		script    xferScript
	}{
		// While a transfer rings, or during a consult or a hold.
		{"blind to carol, restart while she rings", 12 * time.Second,
			xferScript{answer: 8 * time.Second, steps: []xferStep{{5 * time.Second, transfer("alice", carol, false)}}}},
		{"blind to a number, restart while it rings", 12 * time.Second,
			xferScript{answer: 8 * time.Second, steps: []xferStep{{5 * time.Second, transfer("alice", number, false)}}}},
		{"carol consults bob after a blind transfer, restart in the consult", 20 * time.Second,
			xferScript{answer: time.Second, steps: []xferStep{{5 * time.Second, transfer("alice", carol, false)},
				{15 * time.Second, consult("carol", bob)}, {25 * time.Second, complete("carol")}}}},
		{"carol holds after a blind transfer, restart in the hold", 20 * time.Second,
			xferScript{answer: time.Second, steps: []xferStep{{5 * time.Second, transfer("alice", carol, false)},
				{15 * time.Second, hold("carol")}, {25 * time.Second, unhold("carol")}}}},
		// Once the caller talks to the next party.
		{"blind to carol, restart as they talk", 20 * time.Second,
			xferScript{answer: time.Second, steps: []xferStep{{5 * time.Second, transfer("alice", carol, false)}}}},
		{"attended to carol, restart as they talk", 20 * time.Second,
			xferScript{answer: time.Second, steps: []xferStep{{5 * time.Second, consult("alice", carol)}, {9 * time.Second, complete("alice")}}}},
		{"blind to a number, restart as they talk", 20 * time.Second,
			xferScript{answer: time.Second, steps: []xferStep{{5 * time.Second, transfer("alice", number, false)}}}},
		{"attended to a number, restart as they talk", 20 * time.Second,
			xferScript{answer: time.Second, steps: []xferStep{{5 * time.Second, consult("alice", number)}, {9 * time.Second, complete("alice")}}}},
		{"blind to billing, restart as bob talks", 20 * time.Second,
			xferScript{answer: time.Second, steps: []xferStep{{5 * time.Second, transfer("alice", TransferTo{Queue: "billing"}, false)}}}},
		{"blind to carol, restart as they talk, alice still wrapping up", 8 * time.Second,
			xferScript{answer: time.Second, steps: []xferStep{{5 * time.Second, transfer("alice", carol, false)}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := transferredRecord(t, 0, tc.script)
			got := transferredRecord(t, tc.restartAt, tc.script)
			if len(want.Legs) < 2 {
				t.Fatalf("with no restart, legs %s; want the call transferred", legsDetail(want))
			}
			if !slices.Equal(got.Legs, want.Legs) || got.Talk != want.Talk || got.Hold != want.Hold || got.WrapUp != want.WrapUp {
				t.Errorf("restarted at %v: %s\nwant, as with no restart: %s", tc.restartAt, legsDetail(got), legsDetail(want))
			}
		})
	}
}

// aliceIs is a step that checks alice's state.
func aliceIs(want acd.AgentState) func(c *Core, now time.Time) error {
	return func(c *Core, now time.Time) error {
		if a := c.agentIdx["alice"]; a.state != want {
			return fmt.Errorf("alice is %s, want %s", a.state, want)
		}
		return nil
	}
}

// TestRestartKeepsWrapUpAfterTransfer: alice, in her 5 s wrap-up after
// transferring a call that goes on with someone else, is still in it
// after a restart, until the end it had, then available (or paused, as
// she asked). Her wrap-up's end is hers, not the call's next party's.
func TestRestartKeepsWrapUpAfterTransfer(t *testing.T) {
	carol, number := TransferTo{Agent: "carol"}, TransferTo{Number: "5551234"}
	for _, tc := range []struct {
		name      string
		restartAt time.Duration
		script    xferScript
	}{
		{"blind to carol, restart as they talk", 7 * time.Second, xferScript{answer: time.Second, steps: []xferStep{
			{5 * time.Second, transfer("alice", carol, false)},
			{9900 * time.Millisecond, aliceIs(acd.WrapUp)}, {10100 * time.Millisecond, aliceIs(acd.Available)}}}},
		{"blind to a number, restart while it rings", 7 * time.Second, xferScript{answer: 8 * time.Second, steps: []xferStep{
			{5 * time.Second, transfer("alice", number, false)},
			{9900 * time.Millisecond, aliceIs(acd.WrapUp)}, {10100 * time.Millisecond, aliceIs(acd.Available)}}}},
		{"blind to billing, restart as bob talks", 7 * time.Second, xferScript{answer: time.Second, steps: []xferStep{
			{5 * time.Second, transfer("alice", TransferTo{Queue: "billing"}, false)},
			{9900 * time.Millisecond, aliceIs(acd.WrapUp)}, {10100 * time.Millisecond, aliceIs(acd.Available)}}}},
		{"attended to carol, restart as they talk", 10 * time.Second, xferScript{answer: time.Second, steps: []xferStep{
			{5 * time.Second, consult("alice", carol)}, {8 * time.Second, complete("alice")},
			{12900 * time.Millisecond, aliceIs(acd.WrapUp)}, {13100 * time.Millisecond, aliceIs(acd.Available)}}}},
		// The caller hangs up on carol at about 9 s: carol's wrap-up runs
		// to about 14 s, alice's still ends at 10 s.
		{"carol's call ends in alice's wrap-up, alice asks for a pause, restart", 9600 * time.Millisecond, xferScript{
			answer: time.Second, talk: 9 * time.Second, steps: []xferStep{
				{5 * time.Second, transfer("alice", carol, false)}, {9500 * time.Millisecond, pause("lunch")},
				{9900 * time.Millisecond, aliceIs(acd.WrapUp)}, {10100 * time.Millisecond, aliceIs(acd.Paused)}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := transferredRecord(t, 0, tc.script)
			got := transferredRecord(t, tc.restartAt, tc.script)
			if !slices.Equal(got.Legs, want.Legs) || got.WrapUp != want.WrapUp {
				t.Errorf("restarted at %v: %s\nwant, as with no restart: %s", tc.restartAt, legsDetail(got), legsDetail(want))
			}
		})
	}
}
