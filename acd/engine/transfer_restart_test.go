package engine

import (
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
)

// TestRestartDuringConsult: the daemon dies while alice consults carol and
// comes back at once. The restored call knows the consult: carol's leg is
// kept (not hung up as stranded), carol is on it (or still ringing, and
// answers into the consult), and alice completes the transfer: the caller
// talks to carol, one record with both legs.
func TestRestartDuringConsult(t *testing.T) {
	for _, tc := range []struct {
		name        string
		carolAnswer time.Duration
		want        acd.AgentState // carol's state right after the restart
	}{
		{"consult answered", time.Second, acd.OnCall},
		{"consult ringing", 4 * time.Second, acd.Ringing},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := newMemStore()
			r := newRestartableRun(t, transferConfig, st)
			for ep, p := range map[string]farend.Phone{"sim/alice": answers(time.Second, 0), "sim/carol": answers(tc.carolAnswer, 0)} {
				if err := r.Switch.SetPhone(ep, p); err != nil {
					t.Fatal(err)
				}
			}
			if err := r.Login("alice", "carol"); err != nil {
				t.Fatal(err)
			}
			caller, err := r.Switch.PlaceCall(farend.CallScript{From: "5550100", To: "100", HangupAfter: time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			r.RunUntil(epoch.Add(5 * time.Second))
			if err := r.Do(transfer("alice", TransferTo{Agent: "carol"}, true)); err != nil {
				t.Fatal(err)
			}
			r.RunUntil(epoch.Add(7 * time.Second))
			kill(t, r)
			restart(t, r, st, "run2", nil)
			if s := r.Core.Status(r.Clock.Now()); len(s.Calls) != 1 || s.Calls[0].Phase != acd.CallConsulting.String() {
				t.Fatalf("live calls after the restart = %+v, want one consulting", s.Calls)
			}
			if got := agentNow(r, "carol").State; got != tc.want.String() {
				t.Errorf("carol is %s after the restart, want %s", got, tc.want)
			}
			r.RunUntil(epoch.Add(12 * time.Second))
			if err := r.Do(func(c *Core, now time.Time) error { _, err := c.CompleteTransfer(now, "alice"); return err }); err != nil {
				t.Fatalf("complete after the restart: %v", err)
			}
			r.RunUntil(epoch.Add(20 * time.Second))
			if ch, _ := r.Switch.Channel(caller); ch.OnHold || ch.Bridge == "" {
				t.Errorf("caller after complete: music %v bridge %q; want bridged with carol", ch.OnHold, ch.Bridge)
			}
			r.RunUntil(epoch.Add(2 * time.Minute))
			recs := records(st)
			if len(recs) != 1 {
				t.Fatalf("%d records, want 1", len(recs))
			}
			rec := recs[0]
			if rec.Agent != "carol" || rec.Transfers != 1 || len(rec.Legs) != 2 || rec.Legs[1].Via != acd.TransferAttended || !near(rec.Legs[1].Talk, 48*time.Second) {
				t.Errorf("agent %s transfers %d legs %s; want carol by an attended transfer, talking to the end", rec.Agent, rec.Transfers, legsText(rec))
			}
			if !hasStep(rec, "consult-restored", "agent carol") || hasStep(rec, "ring-cut-by-restart", "") {
				t.Errorf("timeline %s; want the consult restored, no leg cut", timelineKinds(rec))
			}
			if w := r.Core.Warnings(); w["stranded-leg"] != 0 || w["illegal-transition"] != 0 || w["command-failed"] != 0 {
				t.Errorf("warnings = %v", w)
			}
		})
	}
}
