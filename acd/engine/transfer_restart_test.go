package engine

import (
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/store"
)

// transferThenRun is a restartable run in which alice (and carol) take a
// caller who talks a minute; at 5 s alice transfers it to to, whose phone
// (endpoint) behaves as target.
func transferThenRun(t *testing.T, st *memStore, endpoint string, target farend.Phone, to TransferTo, attended bool) (*SimRun, pbx.ChannelID) {
	t.Helper()
	r := newRestartableRun(t, transferConfig, st)
	for ep, p := range map[string]farend.Phone{"sim/alice": answers(time.Second, 0), endpoint: target} {
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
	if err := r.Do(transfer("alice", to, attended)); err != nil {
		t.Fatal(err)
	}
	return r, caller
}

// restartIn kills the run's daemon and restarts it; its one call must be
// in phase.
func restartIn(t *testing.T, r *SimRun, st *memStore, phase acd.CallPhase) {
	t.Helper()
	kill(t, r)
	restart(t, r, st, "run2", nil)
	if s := r.Core.Status(r.Clock.Now()); len(s.Calls) != 1 || s.Calls[0].Phase != phase.String() {
		t.Fatalf("live calls after the restart = %+v, want one %s", s.Calls, phase)
	}
}

// onlyRecord runs until d and returns the one finished record.
func onlyRecord(t *testing.T, r *SimRun, st *memStore, d time.Duration) store.CallRecord {
	t.Helper()
	r.RunUntil(epoch.Add(d))
	recs := records(st)
	if len(recs) != 1 {
		t.Fatalf("%d records, want 1", len(recs))
	}
	return recs[0]
}

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
			r, caller := transferThenRun(t, st, "sim/carol", answers(tc.carolAnswer, 0), TransferTo{Agent: "carol"}, true)
			r.RunUntil(epoch.Add(7 * time.Second))
			restartIn(t, r, st, acd.CallConsulting)
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
			rec := onlyRecord(t, r, st, 2*time.Minute)
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

// TestRestartDuringBlindTransfer: the daemon dies while a blind transfer
// to an outside number rings, or once the caller talks to that number, and
// comes back at once. The restored call knows the transfer: the caller is
// not queued again, the number's leg is not taken for a new caller, the
// caller ends up talking to the number until hanging up; one record with
// alice's leg and the number's.
func TestRestartDuringBlindTransfer(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer time.Duration // the number answers after
		phase  acd.CallPhase // right after the restart
	}{
		{"ringing", 5 * time.Second, acd.CallTransferring},
		{"talking", time.Second, acd.CallExternal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := newMemStore()
			r, _ := transferThenRun(t, st, "sim/ext-5551234", answers(tc.answer, 0), TransferTo{Number: "5551234"}, false)
			r.RunUntil(epoch.Add(8 * time.Second))
			restartIn(t, r, st, tc.phase)
			rec := onlyRecord(t, r, st, 2*time.Minute)
			if len(rec.Legs) != 2 || rec.Legs[0].Agent != "alice" || rec.Legs[1].Number != "5551234" || rec.Legs[1].Talk < 45*time.Second {
				t.Errorf("legs %s; want alice, then 5551234 talking until the caller hangs up", legsText(rec))
			}
			if rec.Outcome != acd.OutcomeAnswered || rec.HangupBy != acd.HangupCaller || rec.Transfers != 1 || !hasStep(rec, "transfer-restored", "5551234") {
				t.Errorf("outcome %s by %s transfers %d timeline %s", rec.Outcome, rec.HangupBy, rec.Transfers, timelineKinds(rec))
			}
			if w := r.Core.Warnings(); w["unknown-entry"] != 0 || w["stranded-leg"] != 0 || w["illegal-transition"] != 0 || w["command-failed"] != 0 {
				t.Errorf("warnings = %v", w)
			}
		})
	}
}
