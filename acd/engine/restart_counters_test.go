package engine

import (
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/kpi"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
)

// TestRestartCountsLiveCallsOnce: Hotline dies while alice talks to one
// caller and a second waits. After the restart the live counters (status,
// wallboard) still count both callers, each offered once and answered once,
// and agree with the figures the stored records give.
func TestRestartCountsLiveCallsOnce(t *testing.T) {
	st := newMemStore()
	r := newRestartableRun(t, restartConfig, st)
	callAlice(t, r, answers(time.Second, 40*time.Second))
	if _, err := r.Switch.PlaceCall(farend.CallScript{From: "556", To: "100"}); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(epoch.Add(10 * time.Second))
	if s := r.Core.Status(r.Clock.Now()); s.Queues[0].Waiting != 1 || s.Agents[0].State != "on-call" {
		t.Fatalf("at 10 s: %d waiting, alice %s; want one waiting while alice talks", s.Queues[0].Waiting, s.Agents[0].State)
	}
	restartCounting(t, r, st, "run2", nil, epoch)
	r.RunUntil(epoch.Add(3 * time.Minute))

	recs := records(st)
	if len(recs) != 2 {
		t.Fatalf("%d records, want 2", len(recs))
	}
	s := r.Core.Status(r.Clock.Now())
	q, a := s.Queues[0], s.Agents[0]
	if q.Offered != 2 || q.Answered != 2 || q.Abandoned != 0 {
		t.Errorf("queue after restart: offered %d answered %d abandoned %d, want 2 2 0", q.Offered, q.Answered, q.Abandoned)
	}
	if a.Offered != 2 || a.Answered != 2 {
		t.Errorf("alice after restart: offered %d answered %d, want 2 2", a.Offered, a.Answered)
	}
	tally := kpi.TallyRecords(recs, func(string) time.Duration { return 20 * time.Second })
	if tq := tally.Queues["support"]; tq == nil || tq.Offered != 2 || tq.Answered != 2 {
		t.Errorf("records count the queue %+v, want offered 2 answered 2", tq)
	}
	if ta := tally.Agents["alice"]; ta == nil || ta.Offered != 2 || ta.Answered != 2 {
		t.Errorf("records count alice %+v, want offered 2 answered 2", ta)
	}
}

// TestRestartPauseCountedOnce: alice pauses for lunch, Hotline dies and
// comes back. Her pause goes on from when it began, with its reason, and
// the time before the restart is counted once in her paused and logged-in
// time, in the status and after she is ready again.
func TestRestartPauseCountedOnce(t *testing.T) {
	st := newMemStore()
	r := newRestartableRun(t, restartConfig, st)
	if err := r.Login("alice"); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(epoch.Add(10 * time.Second))
	do(t, r, "pause", pause("lunch"))
	r.RunUntil(epoch.Add(70 * time.Second))
	kill(t, r)
	r.RunUntil(epoch.Add(80 * time.Second))
	restartCounting(t, r, st, "run2", nil, epoch)
	r.RunUntil(epoch.Add(100 * time.Second))

	a := agentNow(r, "alice")
	if a.State != "paused" || a.Reason != "lunch" || !a.Since.Equal(epoch.Add(10*time.Second)) {
		t.Errorf("alice after restart: %s (%s) since %v, want paused (lunch) since 10 s", a.State, a.Reason, a.Since.Sub(epoch))
	}
	if a.Paused != 90*time.Second || a.LoggedIn != 100*time.Second {
		t.Errorf("alice at 100 s: paused %v, logged in %v; want 1m30s and 1m40s", a.Paused, a.LoggedIn)
	}
	do(t, r, "ready", ready)
	r.RunUntil(epoch.Add(110 * time.Second))
	if a := agentNow(r, "alice"); a.Paused != 90*time.Second || a.LoggedIn != 110*time.Second {
		t.Errorf("alice ready at 110 s: paused %v, logged in %v; want 1m30s and 1m50s", a.Paused, a.LoggedIn)
	}
}

// aliceInWrapUp is a restartable run at 32 s, alice in the 5 s wrap-up
// after a 30 s call, whose id it returns.
func aliceInWrapUp(t *testing.T) (*SimRun, *memStore, string) {
	t.Helper()
	st := newMemStore()
	r := newRestartableRun(t, restartConfig, st)
	callAlice(t, r, answers(time.Second, 30*time.Second))
	r.RunUntil(epoch.Add(32 * time.Second))
	a := agentNow(r, "alice")
	if a.State != "wrap-up" {
		t.Fatalf("alice is %s at 32 s, want wrap-up", a.State)
	}
	return r, st, a.Call
}

// TestDispositionInWrapUpSurvivesKill: alice files her disposition during
// the wrap-up after a call, and Hotline dies before the wrap-up ends. The
// disposition was on disk when it was answered, and the restarted daemon
// has it.
func TestDispositionInWrapUpSurvivesKill(t *testing.T) {
	r, st, id := aliceInWrapUp(t)
	do(t, r, "disposition", func(c *Core, now time.Time) error { return c.Disposition(now, id, "resolved", "refund sent") })
	do(t, r, "reason", func(c *Core, now time.Time) error { return c.SetReason(now, id, "billing") })
	kill(t, r)
	if rec := st.calls[id]; rec.Disposition != "resolved" || rec.Notes != "refund sent" || rec.Reason != "billing" {
		t.Errorf("stored record at the kill: disposition %q notes %q reason %q, want what alice filed", rec.Disposition, rec.Notes, rec.Reason)
	}
	r.RunUntil(epoch.Add(33 * time.Second))
	restart(t, r, st, "run2", nil)
	r.RunUntil(epoch.Add(time.Minute))
	if rec := st.calls[id]; rec.Disposition != "resolved" || rec.Reason != "billing" {
		t.Errorf("record after the restart: disposition %q reason %q, want resolved, billing", rec.Disposition, rec.Reason)
	}
}

// TestRestartInWrapUpKeepsRecord: Hotline dies during alice's wrap-up
// after a call. The wrap-up the restarted daemon finishes is written to
// the call's record, as it is without a restart; so is one that ended
// while Hotline was down, at the end it had.
func TestRestartInWrapUpKeepsRecord(t *testing.T) {
	for _, tc := range []struct {
		name string
		down time.Duration // from the kill, 1 s into the 5 s wrap-up
	}{
		{"wrap-up goes on", time.Second},
		{"wrap-up ended while down", 10 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, st, id := aliceInWrapUp(t)
			kill(t, r)
			r.RunUntil(epoch.Add(32*time.Second + tc.down))
			restartCounting(t, r, st, "run2", nil, epoch)
			r.RunUntil(epoch.Add(time.Minute))

			if a := agentNow(r, "alice"); a.State != "available" || a.WrapUp != 5*time.Second {
				t.Errorf("alice at 60 s: %s, wrap-up %v; want available after 5 s of wrap-up", a.State, a.WrapUp)
			}
			if rec := st.calls[id]; rec.WrapUp != 5*time.Second {
				t.Errorf("record after the wrap-up: wrap-up %v, want 5s", rec.WrapUp)
			}
		})
	}
}

// TestRestartCountsStateFromBeforeThePeriod: alice paused before the
// counting period began (the day, for the daemon) and made no change in it.
// After a restart her status counts the whole period paused and logged in,
// as the agents report does, not nothing.
func TestRestartCountsStateFromBeforeThePeriod(t *testing.T) {
	st := newMemStore()
	r := newRestartableRun(t, restartConfig, st)
	if err := r.Login("alice"); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(epoch.Add(10 * time.Second))
	do(t, r, "pause", pause("training"))
	r.RunUntil(epoch.Add(time.Hour))
	restartCounting(t, r, st, "run2", nil, epoch.Add(30*time.Minute))
	r.RunUntil(epoch.Add(time.Hour + 10*time.Second))
	a := agentNow(r, "alice")
	if want := 30*time.Minute + 10*time.Second; a.State != "paused" || a.Paused != want || a.LoggedIn != want {
		t.Errorf("alice after the restart: %s, paused %v, logged in %v; want paused, both %v", a.State, a.Paused, a.LoggedIn, want)
	}
}

// TestCountersStartAgainAtMidnight: the status counts today, as it does
// after a restart: at midnight the queues' and agents' counters start
// again, an agent's logged-in time from midnight, and a call after it
// counts in the new day.
func TestCountersStartAgainAtMidnight(t *testing.T) {
	st := newMemStore()
	r := newRestartableRun(t, restartConfig, st)
	r.RunUntil(epoch.Add(time.Second))
	day := time.Date(epoch.Year(), epoch.Month(), epoch.Day(), 0, 0, 0, 0, epoch.Location())
	restartCounting(t, r, st, "run2", nil, day)
	callAlice(t, r, farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: time.Second, HangupAfter: time.Minute})
	offered := func() (n int) {
		for _, q := range r.Core.Status(r.Clock.Now()).Queues {
			n += q.Offered
		}
		return n
	}
	midnight := day.Add(24 * time.Hour)
	r.RunUntil(midnight.Add(-time.Second))
	if n, a := offered(), agentNow(r, "alice"); n != 1 || a.Answered != 1 || a.LoggedIn < 14*time.Hour {
		t.Fatalf("before midnight: offered %d, alice answered %d, logged in %v; want 1, 1 and about 15 h", n, a.Answered, a.LoggedIn)
	}
	r.RunUntil(midnight.Add(10 * time.Second))
	if n, a := offered(), agentNow(r, "alice"); n != 0 || a.Answered != 0 || a.Offered != 0 || a.LoggedIn != 10*time.Second {
		t.Errorf("after midnight: offered %d, alice offered %d answered %d, logged in %v; want 0, 0, 0 and 10s", n, a.Offered, a.Answered, a.LoggedIn)
	}
	if _, err := r.Switch.PlaceCall(farend.CallScript{From: "556", To: "100"}); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(midnight.Add(5 * time.Minute))
	if n, a := offered(), agentNow(r, "alice"); n != 1 || a.Answered != 1 {
		t.Errorf("a call after midnight: offered %d, alice answered %d; want 1 and 1", n, a.Answered)
	}
}

// TestRestartTwiceAfterWrapUpEndedWhileDown: alice's wrap-up ends while
// Hotline is down; it is restarted, killed again before alice changes
// state, and restarted again. The wrap-up is written into the record once,
// not once per restart.
func TestRestartTwiceAfterWrapUpEndedWhileDown(t *testing.T) {
	r, st, id := aliceInWrapUp(t)
	kill(t, r)
	r.RunUntil(epoch.Add(42 * time.Second))
	restartCounting(t, r, st, "run2", nil, epoch)
	r.RunUntil(epoch.Add(45 * time.Second))
	kill(t, r)
	r.RunUntil(epoch.Add(50 * time.Second))
	restartCounting(t, r, st, "run3", nil, epoch)
	r.RunUntil(epoch.Add(time.Minute))
	rec := st.calls[id]
	var legs time.Duration
	for _, l := range rec.Legs {
		legs += l.WrapUp
	}
	if rec.WrapUp != 5*time.Second || legs > 5*time.Second {
		t.Errorf("record after two restarts: wrap-up %v, legs' %v; want 5s, and no more on the legs", rec.WrapUp, legs)
	}
}

// TestRestartTwiceInWrapUp: Hotline dies in alice's wrap-up, comes back
// with her still wrapping up, saves her again (she asks for a pause) and
// dies once more before the wrap-up ends. The second restart keeps the
// wrap-up to its end too: the record saved after the first had lost when
// it ends, so the pause applied at once.
func TestRestartTwiceInWrapUp(t *testing.T) {
	r, st, _ := aliceInWrapUp(t) // wrap-up from ~31 s to ~36 s
	kill(t, r)
	r.RunUntil(epoch.Add(32500 * time.Millisecond))
	restart(t, r, st, "run2", nil)
	r.RunUntil(epoch.Add(33 * time.Second))
	do(t, r, "pause", pause("lunch")) // pending until the wrap-up ends; saves alice
	kill(t, r)
	r.RunUntil(epoch.Add(33500 * time.Millisecond))
	restart(t, r, st, "run3", nil)
	r.RunUntil(epoch.Add(34500 * time.Millisecond))
	if a := agentNow(r, "alice"); a.State != "wrap-up" {
		t.Errorf("alice at 34.5 s, after a second restart: %s; want still in wrap-up", a.State)
	}
	r.RunUntil(epoch.Add(40 * time.Second))
	if a := agentNow(r, "alice"); a.State != "paused" || a.Reason != "lunch" {
		t.Errorf("alice at 40 s: %s (%s); want paused for lunch after her wrap-up", a.State, a.Reason)
	}
}

// TestRestartKeepsStateStartAndIdle: after a restart, an available or
// logged-out agent's state began when it did before (the wallboard's time
// in state), not at the restart, and the longest idle agent is still the
// one whose last call ended longest ago: bob, idle since his login, not
// alice, idle since her call ended at about 10 s. Without the idle times
// kept both would be idle since the restart and alice, first in the
// config, would be rung.
func TestRestartKeepsStateStartAndIdle(t *testing.T) {
	st := newMemStore()
	cfg := restartConfig + "  - {id: bob, endpoint: sim/bob, queues: [{queue: support}]}\n  - {id: dave, endpoint: sim/dave, queues: [{queue: support}]}\n"
	r := newRestartableRun(t, cfg, st)
	for _, ep := range []string{"sim/alice", "sim/bob"} {
		if err := r.Switch.SetPhone(ep, answers(time.Second, 0)); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Login("alice", "bob", "dave"); err != nil {
		t.Fatal(err)
	}
	do(t, r, "dave logs out", func(c *Core, now time.Time) error { return c.Logout(now, "dave") })
	if _, err := r.Switch.PlaceCall(farend.CallScript{From: "556", To: "100", HangupAfter: 10 * time.Second}); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(epoch.Add(time.Second))
	do(t, r, "dave logs in", func(c *Core, now time.Time) error { return c.Login(now, "dave") })
	r.RunUntil(epoch.Add(3 * time.Second))
	do(t, r, "dave logs out", func(c *Core, now time.Time) error { return c.Logout(now, "dave") })
	r.RunUntil(epoch.Add(30 * time.Second))
	before := map[string]AgentStatus{}
	for _, id := range []string{"alice", "bob", "dave"} {
		before[id] = agentNow(r, id)
	}
	if a := before["alice"]; a.State != "available" || a.Answered != 1 || a.Since.Before(epoch.Add(15*time.Second)) {
		t.Fatalf("alice at 30 s: %s since %v, %d answered; want available since her wrap-up ended, one call taken", a.State, a.Since.Sub(epoch), a.Answered)
	}
	kill(t, r)
	restart(t, r, st, "run2", nil)
	for id, b := range before {
		if a := agentNow(r, id); a.State != b.State || !a.Since.Equal(b.Since) {
			t.Errorf("%s after the restart: %s since %v; want %s since %v", id, a.State, a.Since.Sub(epoch), b.State, b.Since.Sub(epoch))
		}
	}
	if _, err := r.Switch.PlaceCall(farend.CallScript{From: "557", To: "100", HangupAfter: 10 * time.Second}); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(epoch.Add(time.Minute))
	var took []string
	for _, rec := range records(st) {
		took = append(took, rec.Agent)
	}
	if len(took) != 2 || took[1] != "bob" {
		t.Errorf("the callers were taken by %v; want the second by bob, idle longest", took)
	}
}
