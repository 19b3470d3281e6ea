package engine

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/store"
)

// pendingRun has alice take one call at ~1 s: she answers after 1 s and
// the caller hangs up after 60 s of talk, then 5 s of wrap-up (basicConfig).
func pendingRun(t *testing.T) (*SimRun, *memStore) {
	t.Helper()
	st := newMemStore()
	r, err := NewSimRun(SimOptions{Core: Options{Config: parseConfig(t, basicConfig), Store: st}, Start: epoch})
	if err != nil {
		t.Fatal(err)
	}
	callAlice(t, r, answers(time.Second, time.Minute))
	r.RunUntil(epoch.Add(10 * time.Second))
	if s := agentNow(r, "alice"); s.State != "on-call" {
		t.Fatalf("alice is %s at 10 s, want on-call", s.State)
	}
	return r, st
}

// callAlice gives alice a phone, logs her in and places one call from 555
// to entry 100.
func callAlice(t *testing.T, r *SimRun, phone farend.Phone) {
	t.Helper()
	if err := r.Switch.SetPhone("sim/alice", phone); err != nil {
		t.Fatal(err)
	}
	if err := r.Login("alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Switch.PlaceCall(farend.CallScript{From: "555", To: "100"}); err != nil {
		t.Fatal(err)
	}
}

func agentNow(r *SimRun, id string) AgentStatus {
	for _, a := range r.Core.Status(r.Clock.Now()).Agents {
		if a.ID == id {
			return a
		}
	}
	return AgentStatus{}
}

func do(t *testing.T, r *SimRun, what string, fn func(c *Core, now time.Time) error) {
	t.Helper()
	if err := r.Do(fn); err != nil {
		t.Fatalf("%s at %v: %v", what, r.Clock.Now().Sub(epoch), err)
	}
}

func pause(reason string) func(c *Core, now time.Time) error {
	return func(c *Core, now time.Time) error { return c.Pause(now, "alice", reason) }
}

func ready(c *Core, now time.Time) error  { return c.Ready(now, "alice") }
func logout(c *Core, now time.Time) error { return c.Logout(now, "alice") }

// TestPendingPauseShownAndCancelled: a pause asked for during a call shows
// as pending; ready during the call or during wrap-up cancels it, so the
// agent is available once the call and wrap-up are over.
func TestPendingPauseShownAndCancelled(t *testing.T) {
	for _, tc := range []struct {
		name    string
		readyAt time.Duration // during the call (talk ends ~62 s), or in wrap-up (62-67 s)
		ask     func(c *Core, now time.Time) error
		want    Pending
	}{
		{"pause, ready during call", 30 * time.Second, pause("coffee"), Pending{State: "paused", Reason: "coffee"}},
		{"pause, ready in wrap-up", 64 * time.Second, pause("coffee"), Pending{State: "paused", Reason: "coffee"}},
		{"logout, ready during call", 30 * time.Second, logout, Pending{State: "logged-out"}},
		{"logout, ready in wrap-up", 64 * time.Second, logout, Pending{State: "logged-out"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, st := pendingRun(t)
			do(t, r, "pause/logout", tc.ask)
			s := agentNow(r, "alice")
			if s.State != "on-call" || s.Pending == nil || *s.Pending != tc.want {
				t.Fatalf("after the request during the call: state %s pending %+v, want on-call pending %+v", s.State, s.Pending, tc.want)
			}
			js, err := json.Marshal(s) // the API's status and agent answers are this JSON
			if err != nil || !strings.Contains(string(js), `"pending":{"state":"`+tc.want.State+`"`) {
				t.Errorf("status JSON lacks the pending change: %s (%v)", js, err)
			}
			if saved := st.agents["alice"]; saved.PendingState == nil || saved.PendingState.String() != tc.want.State || saved.PendingReason != tc.want.Reason {
				t.Errorf("saved agent state %+v does not carry the pending %+v", saved, tc.want)
			}
			r.RunUntil(epoch.Add(tc.readyAt))
			if tc.readyAt > time.Minute {
				if s := agentNow(r, "alice"); s.State != "wrap-up" {
					t.Fatalf("alice is %s at %v, want wrap-up", s.State, tc.readyAt)
				}
			}
			do(t, r, "ready", ready)
			if s := agentNow(r, "alice"); s.Pending != nil {
				t.Errorf("pending %+v still shown after ready", s.Pending)
			}
			if saved := st.agents["alice"]; saved.PendingState != nil {
				t.Errorf("saved agent state still has pending %v after ready", *saved.PendingState)
			}
			r.RunUntil(epoch.Add(2 * time.Minute))
			if s := agentNow(r, "alice"); s.State != "available" || s.Pending != nil {
				t.Errorf("after the call: alice %s (%s) pending %+v, want available", s.State, s.Reason, s.Pending)
			}
		})
	}
}

// TestPendingPauseApplies: without ready, the pause asked for during the
// call applies after wrap-up, and is no longer pending.
func TestPendingPauseApplies(t *testing.T) {
	r, st := pendingRun(t)
	do(t, r, "pause", pause("coffee"))
	do(t, r, "pause", pause("lunch")) // the latest request wins
	r.RunUntil(epoch.Add(2 * time.Minute))
	s := agentNow(r, "alice")
	if s.State != "paused" || s.Reason != "lunch" || s.Pending != nil {
		t.Errorf("after the call: alice %s (%s) pending %+v, want paused (lunch), nothing pending", s.State, s.Reason, s.Pending)
	}
	if saved := st.agents["alice"]; saved.State != acd.Paused || saved.PendingState != nil {
		t.Errorf("saved agent state %+v, want paused with nothing pending", saved)
	}
}

// TestPendingPauseSurvivesRestart: the pending pause is saved with the
// agent; a daemon restarted during the call still shows it and applies it
// when the call ends, or at once when the call ended while it was down.
func TestPendingPauseSurvivesRestart(t *testing.T) {
	r, st := pendingRun(t)
	do(t, r, "pause", pause("coffee"))
	var saved Saved
	for _, a := range st.agents {
		saved.Agents = append(saved.Agents, a)
	}
	for _, ac := range st.active {
		saved.Active = append(saved.Active, ac)
	}
	if len(saved.Active) != 1 {
		t.Fatalf("active calls saved: %+v", saved.Active)
	}
	ac := saved.Active[0]

	t.Run("call still up", func(t *testing.T) {
		c, st2 := restarted(t, saved)
		now := epoch.Add(20 * time.Second)
		c.Handle(now, pbx.Synced{Snapshot: pbx.Snapshot{Channels: []pbx.ChannelInfo{
			{ID: pbx.ChannelID(ac.Channel), Answered: true, Bridge: pbx.BridgeID(ac.Bridge)},
			{ID: pbx.ChannelID(ac.AgentChannel), Answered: true, Bridge: pbx.BridgeID(ac.Bridge)},
		}}})
		a := c.Status(now).Agents[0]
		if a.State != "on-call" || a.Pending == nil || *a.Pending != (Pending{State: "paused", Reason: "coffee"}) {
			t.Fatalf("after restart: alice %s pending %+v, want on-call, pause (coffee) pending", a.State, a.Pending)
		}
		c.Handle(now.Add(time.Minute), pbx.HungUp{Base: pbx.Base{Channel: pbx.ChannelID(ac.Channel)}, Cause: pbx.CauseNormal})
		c.Fire(now.Add(time.Minute+5*time.Second), Timer{Kind: TimerWrapUp, Agent: 0, Call: ac.CallID, Gen: c.agents[0].gen[TimerWrapUp]})
		if a := c.Status(now).Agents[0]; a.State != "paused" || a.Reason != "coffee" {
			t.Errorf("after the call: alice %s (%s), want paused (coffee)", a.State, a.Reason)
		}
		if sa := st2.agents["alice"]; sa.State != acd.Paused || sa.PendingState != nil {
			t.Errorf("saved: %+v", sa)
		}
	})
	t.Run("call ended while down", func(t *testing.T) {
		c, _ := restarted(t, saved)
		now := epoch.Add(20 * time.Second)
		c.Handle(now, pbx.Synced{}) // the call is gone: alice wraps it up, then pauses
		c.Fire(now.Add(5*time.Second), Timer{Kind: TimerWrapUp, Agent: 0, Call: ac.CallID, Gen: c.agents[0].gen[TimerWrapUp]})
		if a := c.Status(now).Agents[0]; a.State != "paused" || a.Reason != "coffee" || a.Pending != nil {
			t.Errorf("after restart: alice %s (%s) pending %+v, want paused (coffee)", a.State, a.Reason, a.Pending)
		}
	})
	t.Run("restart in wrap-up", func(t *testing.T) {
		r.RunUntil(epoch.Add(64 * time.Second))
		if s := agentNow(r, "alice"); s.State != "wrap-up" {
			t.Fatalf("alice is %s, want wrap-up", s.State)
		}
		sa := st.agents["alice"]
		if sa.State != acd.WrapUp || sa.PendingState == nil || *sa.PendingState != acd.Paused {
			t.Fatalf("saved in wrap-up: %+v", sa)
		}
		now := epoch.Add(70 * time.Second) // after the wrap-up's end
		c, st2 := restartedAt(t, Saved{Agents: []store.AgentState{sa}}, now)
		c.Handle(now, pbx.Synced{})
		if a := c.Status(now).Agents[0]; a.State != "paused" || a.Reason != "coffee" {
			t.Errorf("after restart: alice %s (%s), want paused (coffee)", a.State, a.Reason)
		}
		// The pause began when the wrap-up ended, while Hotline was down:
		// shown, saved and logged from then (once), not from the restart.
		if a := c.Status(now).Agents[0]; !a.Since.Equal(sa.WrapUntil) {
			t.Errorf("paused since %v, want since the wrap-up's end %v", a.Since.Sub(epoch), sa.WrapUntil.Sub(epoch))
		}
		if saved := st2.agents["alice"]; saved.State != acd.Paused || !saved.Since.Equal(sa.WrapUntil) || saved.PendingState != nil {
			t.Errorf("saved %+v, want paused since the wrap-up's end, nothing pending", saved)
		}
		var pauses []store.AgentChange
		for _, ch := range st2.changes {
			if ch.To == acd.Paused {
				pauses = append(pauses, ch)
			}
		}
		if len(pauses) != 1 || !pauses[0].At.Equal(sa.WrapUntil) || pauses[0].From != acd.WrapUp || pauses[0].Reason != "coffee" {
			t.Errorf("pauses logged %+v, want one, from wrap-up at %v (coffee)", pauses, sa.WrapUntil.Sub(epoch))
		}
	})
}

func restarted(t *testing.T, s Saved) (*Core, *memStore) {
	t.Helper()
	return restartedAt(t, s, epoch.Add(15*time.Second))
}

func restartedAt(t *testing.T, s Saved, at time.Time) (*Core, *memStore) {
	t.Helper()
	var cmds []Command
	st := newMemStore()
	c, err := NewCore(Options{Config: parseConfig(t, basicConfig), Out: recordOutputs{&cmds}, Store: st}, epoch)
	if err != nil {
		t.Fatal(err)
	}
	c.Restore(at, s)
	return c, st
}

// TestReadyWithNothingPending: ready during a call with nothing to cancel
// is not an error, and changes nothing.
func TestReadyWithNothingPending(t *testing.T) {
	r, _ := pendingRun(t)
	do(t, r, "ready", ready)
	if s := agentNow(r, "alice"); s.State != "on-call" || s.Pending != nil {
		t.Errorf("alice %s pending %+v, want on-call", s.State, s.Pending)
	}
}

// TestPauseKeepsItsStartAcrossRestart: a pause restored after a restart
// shows the time it began; its paused time counts from the restart.
func TestPauseKeepsItsStartAcrossRestart(t *testing.T) {
	c, err := NewCore(Options{Config: parseConfig(t, basicConfig), Out: recordOutputs{new([]Command)}, Store: newMemStore()}, epoch)
	if err != nil {
		t.Fatal(err)
	}
	began, now := epoch.Add(10*time.Second), epoch.Add(time.Minute)
	c.Restore(now, Saved{Agents: []store.AgentState{{ID: "alice", State: acd.Paused, PauseReason: "lunch", Since: began}}})
	c.Handle(now, pbx.Synced{})
	if a := c.Status(now).Agents[0]; a.State != "paused" || !a.Since.Equal(began) {
		t.Fatalf("restored: alice %s since %v, want paused since %v", a.State, a.Since.Sub(epoch), began.Sub(epoch))
	}
	if err := c.Ready(now.Add(30*time.Second), "alice"); err != nil {
		t.Fatal(err)
	}
	if got := c.agentIdx["alice"].stats.Paused; got != 30*time.Second {
		t.Errorf("paused %v after the restart, want 30s", got)
	}
}

// TestWrapUpSurvivesRestart: an agent in wrap-up when the daemon restarts
// is still in wrap-up after it, until the end it had (not offered a call
// meanwhile); when that end passed while the daemon was down, she is ready
// at once.
func TestWrapUpSurvivesRestart(t *testing.T) {
	r, st := pendingRun(t)
	r.RunUntil(epoch.Add(62 * time.Second))
	if s := agentNow(r, "alice"); s.State != "wrap-up" {
		t.Fatalf("alice is %s at 62 s, want wrap-up", s.State)
	}
	sa := st.agents["alice"]
	if sa.State != acd.WrapUp || sa.WrapUntil.IsZero() {
		t.Fatalf("saved in wrap-up: %+v, want the wrap-up's end", sa)
	}
	restore := func(at time.Time) (*Core, timedOutputs) {
		return restoredCore(t, at, Saved{Agents: []store.AgentState{sa}})
	}
	now := epoch.Add(63 * time.Second)
	c, out := restore(now)
	if a := c.Status(now).Agents[0]; a.State != "wrap-up" {
		t.Fatalf("restarted at 63 s: alice %s, want wrap-up until %v", a.State, sa.WrapUntil.Sub(epoch))
	}
	// Her wrap-up still began when the call ended, on screen and in the
	// record the next restart reads.
	if a := c.Status(now).Agents[0]; sa.Since.IsZero() || !a.Since.Equal(sa.Since) {
		t.Errorf("restarted at 63 s: alice in wrap-up since %v, want since %v", a.Since.Sub(epoch), sa.Since.Sub(epoch))
	}
	if again := c.agentRecord(c.agentIdx["alice"]); !again.Since.Equal(sa.Since) {
		t.Errorf("saved again with since %v, want %v", again.Since.Sub(epoch), sa.Since.Sub(epoch))
	}
	var end *Timer
	for i, tm := range *out.timers {
		if tm.Kind == TimerWrapUp {
			end = &(*out.timers)[i]
		}
	}
	if end == nil || !out.due[*end].Equal(sa.WrapUntil) {
		t.Fatalf("wrap-up timers %+v, want one at %v", *out.timers, sa.WrapUntil.Sub(epoch))
	}
	c.Fire(sa.WrapUntil, *end)
	if a := c.Status(sa.WrapUntil).Agents[0]; a.State != "available" {
		t.Errorf("at the wrap-up's end: alice %s, want available", a.State)
	}
	// Her logged-in time counts from the restart: what came before is
	// counted from the stored changes (restoreCounters), not twice.
	if got, want := c.agentIdx["alice"].stats.LoggedIn, sa.WrapUntil.Sub(now); got != want {
		t.Errorf("logged in %v after the restart, want %v (the wrap-up's part after it)", got, want)
	}
	late := sa.WrapUntil.Add(time.Minute)
	if c, _ := restore(late); c.Status(late).Agents[0].State != "available" {
		t.Errorf("restarted after the wrap-up's end: alice %s, want available", c.Status(late).Agents[0].State)
	}
}

// TestPauseAgainKeepsThePause: asking a paused agent's pause again with the
// same reason changes nothing (its time in state goes on, no second pause
// is logged), spaces around it included; another reason is a new pause from
// then. A reason of spaces is no reason.
func TestPauseAgainKeepsThePause(t *testing.T) {
	r, err := NewSimRun(SimOptions{Core: Options{Config: parseConfig(t, basicConfig), Store: newMemStore()}, Start: epoch})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Login("alice"); err != nil {
		t.Fatal(err)
	}
	do(t, r, "pause", pause("lunch"))
	first := agentNow(r, "alice").Since
	r.RunUntil(epoch.Add(10 * time.Minute))
	do(t, r, "pause again", pause("lunch"))
	if s := agentNow(r, "alice"); s.State != "paused" || s.Reason != "lunch" || !s.Since.Equal(first) {
		t.Errorf("paused again for lunch: %s (%s) since %v, want paused (lunch) since %v", s.State, s.Reason, s.Since, first)
	}
	do(t, r, "pause again, spaced", pause(" lunch\t"))
	if s := agentNow(r, "alice"); s.Reason != "lunch" || !s.Since.Equal(first) {
		t.Errorf("paused again for %q: (%s) since %v, want the same pause for lunch since %v", " lunch\t", s.Reason, s.Since, first)
	}
	do(t, r, "pause for another reason", pause("training"))
	if s := agentNow(r, "alice"); s.Reason != "training" || !s.Since.Equal(epoch.Add(10*time.Minute)) {
		t.Errorf("paused for training: (%s) since %v, want since 10m", s.Reason, s.Since.Sub(epoch))
	}
	do(t, r, "pause with a blank reason", pause("  "))
	if s := agentNow(r, "alice"); s.Reason != "break" {
		t.Errorf("paused with a blank reason: (%s), want break, as with none", s.Reason)
	}
}

// TestWrapUpRebuiltFromChangesSurvivesRestart: an agent whose saved state
// was rebuilt from her last logged change (wrap-up after call c1, no end
// saved) stays in wrap-up until it began plus the queue's 5 s wrap-up, and
// is not offered a call meanwhile; one rebuilt after that end is ready.
func TestWrapUpRebuiltFromChangesSurvivesRestart(t *testing.T) {
	began := epoch.Add(time.Minute)
	ch := store.AgentChange{Agent: "alice", At: began, From: acd.OnCall, To: acd.WrapUp, Cause: acd.CauseCallEnd, Call: "c1"}
	rec := &store.CallRecord{ID: "c1", Queue: "support", Agent: "alice", Entered: epoch, Answered: epoch.Add(5 * time.Second), Ended: began, Outcome: acd.OutcomeAnswered}
	restore := func(at time.Time) (*Core, timedOutputs) {
		return restoredCore(t, at, Saved{Agents: []store.AgentState{ch.StateAfter()}, Records: map[string]*store.CallRecord{"c1": rec}})
	}
	now := began.Add(2 * time.Second)
	c, out := restore(now)
	if a := c.Status(now).Agents[0]; a.State != "wrap-up" || !a.Since.Equal(began) {
		t.Fatalf("restarted 2 s into the wrap-up: alice %s since %v, want wrap-up since %v", a.State, a.Since.Sub(epoch), began.Sub(epoch))
	}
	var end *Timer
	for i, tm := range *out.timers {
		if tm.Kind == TimerWrapUp {
			end = &(*out.timers)[i]
		}
	}
	if want := began.Add(5 * time.Second); end == nil || !out.due[*end].Equal(want) {
		t.Fatalf("wrap-up timers %+v, want one at %v", *out.timers, want.Sub(epoch))
	}
	late := began.Add(time.Minute)
	if c, _ := restore(late); c.Status(late).Agents[0].State != "available" {
		t.Errorf("restarted after the wrap-up's end: alice %s, want available", c.Status(late).Agents[0].State)
	}
}

// restoredCore is a core of basicConfig restarted at at with s, synced.
func restoredCore(t *testing.T, at time.Time, s Saved) (*Core, timedOutputs) {
	t.Helper()
	var cmds, timers = []Command{}, []Timer{}
	out := timedOutputs{recordOutputs{&cmds}, &timers, map[Timer]time.Time{}}
	c, err := NewCore(Options{Config: parseConfig(t, basicConfig), Out: out, Store: newMemStore()}, epoch)
	if err != nil {
		t.Fatal(err)
	}
	c.Restore(at, s)
	c.Handle(at, pbx.Synced{})
	return c, out
}
