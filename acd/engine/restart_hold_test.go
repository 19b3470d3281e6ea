package engine

import (
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/store"
)

// The daemon dies while alice holds her caller (held at 10 s, killed at
// 30 s, back at 35 s, taken back at 40 s). The record's hold, and the
// agent's, count from the hold, not from the restart: 30 s, not 5 s.
func TestRestartKeepsHoldTime(t *testing.T) {
	st := newMemStore()
	r := newRestartableRun(t, restartConfig, st)
	callAlice(t, r, farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: time.Second, HangupAfter: time.Minute})
	r.RunUntil(epoch.Add(10 * time.Second))
	do(t, r, "hold", func(c *Core, now time.Time) error { _, err := c.Hold(now, "alice"); return err })
	rec := downAndBack(t, r, st, "unhold", func(c *Core, now time.Time) error { _, err := c.Unhold(now, "alice"); return err })
	near := func(d time.Duration) bool { return d > 29*time.Second && d < 31*time.Second }
	if !near(rec.Hold) {
		t.Errorf("record hold %v, want about 30s (held 10 s to 40 s across the restart); timeline %s", rec.Hold, timelineKinds(rec))
	}
	if h := r.Core.agentIdx["alice"].stats.Hold; !near(h) {
		t.Errorf("alice's hold %v, want about 30s", h)
	}
}

// The same across a consult: alice consults bob from 10 s, the daemon is
// down from 30 s to 35 s, alice cancels at 40 s and takes her caller back:
// the caller was held 30 s.
func TestRestartKeepsConsultHoldTime(t *testing.T) {
	st := newMemStore()
	cfg := restartConfig + "  - {id: bob, endpoint: sim/bob, queues: [{queue: support}]}\n"
	r := newRestartableRun(t, cfg, st)
	if err := r.Switch.SetPhone("sim/bob", farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: time.Second}); err != nil {
		t.Fatal(err)
	}
	if err := r.Login("bob"); err != nil {
		t.Fatal(err)
	}
	do(t, r, "pause bob", func(c *Core, now time.Time) error { return c.Pause(now, "bob", "") })
	callAlice(t, r, farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: time.Second, HangupAfter: time.Minute})
	r.RunUntil(epoch.Add(9 * time.Second))
	do(t, r, "bob ready", func(c *Core, now time.Time) error { return c.Ready(now, "bob") })
	do(t, r, "consult bob", func(c *Core, now time.Time) error {
		_, err := c.Transfer(now, "alice", TransferTo{Agent: "bob"}, true)
		return err
	})
	rec := downAndBack(t, r, st, "cancel", func(c *Core, now time.Time) error { _, err := c.CancelTransfer(now, "alice"); return err })
	if h := rec.Hold; h < 29*time.Second || h > 31*time.Second {
		t.Errorf("record hold %v, want about 30s (consult 10 s to 40 s across the restart); timeline %s", h, timelineKinds(rec))
	}
}

// downAndBack kills the daemon at 30 s, restarts it at 35 s, has alice do
// what at 40 s, and returns the call's record once alice's caller hangs up
// (about 61 s).
func downAndBack(t *testing.T, r *SimRun, st *memStore, what string, fn func(c *Core, now time.Time) error) store.CallRecord {
	t.Helper()
	r.RunUntil(epoch.Add(30 * time.Second))
	kill(t, r)
	r.RunUntil(epoch.Add(35 * time.Second))
	restart(t, r, st, "run2", nil)
	r.RunUntil(epoch.Add(40 * time.Second))
	do(t, r, what, fn)
	r.RunUntil(epoch.Add(2 * time.Minute))
	recs := records(st)
	if len(recs) != 1 {
		t.Fatalf("records %+v", recs)
	}
	return recs[0]
}
