package engine

import (
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/store"
)

const restartCallbackConfig = `
entries:
  - {number: "100", queue: back}
queues:
  - name: back
    max_wait: 5s
    overflow: {action: callback}
    callback: {endpoint: "sim/customer-{number}", timeout: 20s, max_attempts: 2, retry_after: 1m}
    announce: {interval: 0s}
    wrap_up: 5s
agents:
  - {id: ann, endpoint: sim/ann, queues: [{queue: back}]}
`

// TestRestartDuringCallback: a caller who left a callback request is called
// back (ann first, then the customer), and Hotline dies. A conversation
// under way goes on, as an inbound one does: neither side is hung up, the
// customer is not called again, the record is completed and the request is
// done. An attempt cut while the customer's phone rang is closed (failed,
// cause restart) and the request is tried again.
func TestRestartDuringCallback(t *testing.T) {
	for _, tc := range []struct {
		name      string
		customer  time.Duration // the customer's answer delay
		restartAt time.Duration // ann answers at ~16 s
		calls     int           // callback calls: 1, or the cut one and the retry
	}{
		{"talking", 2 * time.Second, 30 * time.Second, 1},
		{"customer ringing", 8 * time.Second, 20 * time.Second, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := newMemStore()
			r := newRestartableRun(t, restartCallbackConfig, st)
			if err := r.Switch.SetPhone("sim/ann", answers(time.Second, 300*time.Second)); err != nil {
				t.Fatal(err)
			}
			if err := r.Switch.SetPhone("sim/customer-5550001", answers(tc.customer, 40*time.Second)); err != nil {
				t.Fatal(err)
			}
			if _, err := r.Switch.PlaceCall(farend.CallScript{From: "5550001", To: "100"}); err != nil {
				t.Fatal(err)
			}
			r.RunUntil(epoch.Add(15 * time.Second))
			do(t, r, "login", func(c *Core, now time.Time) error { return c.Login(now, "ann") })
			r.RunUntil(epoch.Add(tc.restartAt))
			if a := agentNow(r, "ann"); a.State != "on-call" {
				t.Fatalf("ann is %s at %v, want on-call for the callback", a.State, tc.restartAt)
			}
			restart(t, r, st, "run2", nil)
			r.RunUntil(epoch.Add(3 * time.Minute))

			var cbs []store.CallRecord
			for _, rec := range st.calls {
				if rec.Direction == acd.DirectionCallback {
					cbs = append(cbs, rec)
				}
				if rec.Outcome == acd.OutcomeInProgress {
					t.Errorf("record %s left in progress: %s", rec.ID, timelineKinds(rec))
				}
			}
			answered := 0
			for _, rec := range cbs {
				switch rec.Outcome {
				case acd.OutcomeAnswered:
					answered++
					if rec.Agent != "ann" || rec.Talk < 35*time.Second {
						t.Errorf("callback %s answered by %q, talk %v; want ann talking the customer's 40 s", rec.ID, rec.Agent, rec.Talk)
					}
				case acd.OutcomeFailed:
					if rec.Cause != causeRestart || !strings.Contains(timelineKinds(rec), "closed-at-restart") {
						t.Errorf("cut callback %s: cause %q, %s; want closed at restart", rec.ID, rec.Cause, timelineKinds(rec))
					}
				}
			}
			if len(cbs) != tc.calls || answered != 1 {
				t.Errorf("%d callback calls, %d answered; want %d, one answered", len(cbs), answered, tc.calls)
			}
			if len(st.callbacks) != 0 {
				t.Errorf("callback requests left: %+v", st.callbacks)
			}
			if w := r.Core.Warnings(); tc.calls == 1 && w["stranded-leg"] != 0 {
				t.Errorf("warnings %v: the conversation's legs were hung up", w)
			}
		})
	}
}

// TestCallbackAgentNoAnswerClosesAttempt: ann does not answer the callback
// calls she is rung for. Each attempt's record is closed (failed, with the
// ring's result), none is left in progress for good, and the request waits
// for the next agent.
func TestCallbackAgentNoAnswerClosesAttempt(t *testing.T) {
	st := newMemStore()
	r := newRestartableRun(t, restartCallbackConfig, st)
	if err := r.Switch.SetPhone("sim/ann", farend.Phone{Mode: farend.PhoneNoAnswer}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Switch.PlaceCall(farend.CallScript{From: "5550001", To: "100"}); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(epoch.Add(15 * time.Second))
	do(t, r, "login", func(c *Core, now time.Time) error { return c.Login(now, "ann") })
	r.RunUntil(epoch.Add(2 * time.Minute))

	attempts := 0
	for _, rec := range st.calls {
		if rec.Direction != acd.DirectionCallback || r.Core.calls[rec.ID] != nil {
			continue
		}
		attempts++
		if rec.Outcome != acd.OutcomeFailed || rec.Ended.IsZero() || rec.Cause != string(acd.AttemptNoAnswer) {
			t.Errorf("callback attempt %s: %s, cause %q, ended %v; want failed, no-answer, ended (%s)",
				rec.ID, rec.Outcome, rec.Cause, rec.Ended, timelineKinds(rec))
		}
		if _, active := st.active[rec.ID]; active {
			t.Errorf("callback attempt %s still has a live state", rec.ID)
		}
	}
	if attempts == 0 {
		t.Fatal("ann was never rung for the callback")
	}
	if len(st.callbacks) != 1 {
		t.Errorf("callback requests %+v, want the one still waiting", st.callbacks)
	}
}
