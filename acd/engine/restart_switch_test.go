package engine

import (
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
)

// TestSwitchRestartedWhileHotlineDown: Hotline dies while 555 talks to
// alice and 556 waits; while it is down the switch restarts too, dropping
// both. When the restarted Hotline finds the switch started after it last
// saw the calls, the switch ended them: by the system, cause
// switch-shutdown, the waiting caller not counted as abandoning the queue.
// A switch that ran all along (or one that cannot tell when it started)
// leaves the calls to the usual rule: the waiting caller hung up.
func TestSwitchRestartedWhileHotlineDown(t *testing.T) {
	for _, tc := range []struct {
		name      string
		started   time.Duration // since epoch; 0: unknown
		by        acd.HangupBy
		waitOut   acd.Outcome
		abandoned int
	}{
		{"switch restarted during the gap", 70 * time.Second, acd.HangupSystem, acd.OutcomeFailed, 0},
		{"switch up all along", -time.Hour, acd.HangupCaller, acd.OutcomeAbandoned, 1},
		{"start unknown", 0, acd.HangupCaller, acd.OutcomeAbandoned, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := newMemStore()
			r := newRestartableRun(t, restartConfig, st)
			callAlice(t, r, farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: time.Second, HangupAfter: 10 * time.Minute})
			r.RunUntil(epoch.Add(5 * time.Second))
			if _, err := r.Switch.PlaceCall(farend.CallScript{From: "556", To: "100"}); err != nil {
				t.Fatal(err)
			}
			r.RunUntil(epoch.Add(50 * time.Second))
			if s := r.Core.Status(r.Clock.Now()); len(s.Calls) != 2 {
				t.Fatalf("calls before the kill: %+v", s.Calls)
			}
			kill(t, r)
			r.RunUntil(epoch.Add(60 * time.Second))
			hangUpAll(t, r, pbx.CauseSwitchShutdown)
			r.RunUntil(epoch.Add(90 * time.Second))
			restartSnap(t, r, st, "run2", time.Time{}, func(s *pbx.Snapshot) {
				s.Started = time.Time{}
				if tc.started != 0 {
					s.Started = epoch.Add(tc.started)
				}
			})
			r.RunUntil(epoch.Add(2 * time.Minute))

			for _, rec := range records(st) {
				talked := !rec.Answered.IsZero()
				want := tc.waitOut
				if talked {
					want = acd.OutcomeAnswered
				}
				if rec.Outcome != want || rec.HangupBy != tc.by && (tc.by == acd.HangupSystem || !talked) {
					t.Errorf("%s: outcome %s by %s cause %q (timeline %s); want %s by %s", rec.Caller, rec.Outcome, rec.HangupBy, rec.Cause, timelineKinds(rec), want, tc.by)
				}
				if tc.by == acd.HangupSystem && (rec.Cause != causeSwitchShutdown || !hasStepKind(&rec, "switch-shutdown")) {
					t.Errorf("%s: cause %q, timeline %s; want %s and its step", rec.Caller, rec.Cause, timelineKinds(rec), causeSwitchShutdown)
				}
			}
			if n := len(records(st)); n != 2 {
				t.Errorf("%d records, want 2", n)
			}
			s := r.Core.Status(r.Clock.Now())
			if q := s.Queues[0]; q.Abandoned != tc.abandoned {
				t.Errorf("queue counts %d abandoned, want %d", q.Abandoned, tc.abandoned)
			}
			if len(s.Calls) != 0 {
				t.Errorf("calls left: %+v", s.Calls)
			}
		})
	}
}

// TestOnCallSinceKeptAcrossRestart: alice talks when Hotline is killed;
// after the restart her conversation goes on, and so does her time on
// call: the wallboard shows her on call since the call began, not since
// the restart (her log has no change at the restart either).
func TestOnCallSinceKeptAcrossRestart(t *testing.T) {
	st := newMemStore()
	r := newRestartableRun(t, restartConfig, st)
	callAlice(t, r, farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: time.Second, HangupAfter: 10 * time.Minute})
	r.RunUntil(epoch.Add(30 * time.Second))
	before := agentNow(r, "alice")
	if before.State != acd.OnCall.String() || before.Since.IsZero() {
		t.Fatalf("alice before the kill: %+v", before)
	}
	kill(t, r)
	r.RunUntil(epoch.Add(45 * time.Second))
	restartCounting(t, r, st, "run2", nil, epoch) // as the daemon does: the day's log
	r.RunUntil(epoch.Add(50 * time.Second))
	after := agentNow(r, "alice")
	if after.State != acd.OnCall.String() || !after.Since.Equal(before.Since) {
		t.Errorf("alice after the restart: %s since %v; want on-call since %v", after.State, after.Since.Sub(epoch), before.Since.Sub(epoch))
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, ch := range st.changes {
		if ch.At.After(epoch.Add(30 * time.Second)) {
			t.Errorf("change logged at the restart: %+v", ch)
		}
	}
}

// TestRestartRebridgesLegsHeldApart: Hotline restarts while alice talks,
// and finds both legs up but out of their bridge (FreeSWITCH in socket
// mode parks the caller when Hotline's socket to it closes). It joins them
// again, and says so in the timeline; legs found still joined are left as
// they are.
func TestRestartRebridgesLegsHeldApart(t *testing.T) {
	for _, apart := range []bool{true, false} {
		st := newMemStore()
		r := newRestartableRun(t, restartConfig, st)
		callAlice(t, r, farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: time.Second, HangupAfter: time.Minute})
		r.RunUntil(epoch.Add(20 * time.Second))
		kill(t, r)
		r.RunUntil(epoch.Add(25 * time.Second))
		restartSnap(t, r, st, "run2", epoch, func(s *pbx.Snapshot) {
			if apart {
				for i := range s.Channels {
					s.Channels[i].Bridge = ""
				}
				s.Bridges = nil
			}
		})
		r.RunUntil(epoch.Add(2 * time.Minute))
		recs := records(st)
		if len(recs) != 1 {
			t.Fatalf("apart=%v: records %+v", apart, recs)
		}
		rec := recs[0]
		if got := hasStepKind(&rec, "rebridged"); got != apart {
			t.Errorf("apart=%v: rebridged step %v (timeline %s)", apart, got, timelineKinds(rec))
		}
		if rec.Outcome != acd.OutcomeAnswered || rec.Talk < 55*time.Second {
			t.Errorf("apart=%v: outcome %s talk %v, want the whole minute answered", apart, rec.Outcome, rec.Talk)
		}
	}
}
