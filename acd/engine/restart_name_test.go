package engine

import (
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx/farend"
)

// TestRestartAdoptedCallerKeepsName: a caller who dials in while Hotline is
// down is taken over from the switch's snapshot after the restart with the
// name the switch shows, as a caller seen arriving would have it.
func TestRestartAdoptedCallerKeepsName(t *testing.T) {
	st := newMemStore()
	r := newRestartableRun(t, restartConfig, st)
	kill(t, r)
	if _, err := r.Switch.PlaceCall(farend.CallScript{From: "5550001", Name: "Ada Lovelace", To: "100", HangupAfter: 40 * time.Second}); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(epoch.Add(2 * time.Second))
	restart(t, r, st, "run2", nil)
	r.RunUntil(epoch.Add(time.Minute))

	recs := records(st)
	if len(recs) != 1 {
		t.Fatalf("records %+v", recs)
	}
	if rec := recs[0]; rec.Caller != "5550001" || rec.CallerName != "Ada Lovelace" {
		t.Errorf("caller %q name %q, want 5550001 \"Ada Lovelace\"; timeline %s", rec.Caller, rec.CallerName, timelineKinds(rec))
	}
}
