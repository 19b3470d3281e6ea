package engine

import (
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/sim"
)

const selfServiceConfig = `
entries:
  - {number: "100", menu: main}
menus:
  - name: main
    prompt: ["sound:welcome"]
    timeout: 4s
    retries: 0
    options:
      "1": {queue: support}
      "9": {message: ["sound:opening-hours"], hangup: true}
    default: {queue: support}
queues:
  - name: support
agents:
  - {id: alice, endpoint: sim/alice, queues: [{queue: support}]}
`

// TestMessageThenHangupIsSelfService: a menu option that plays a message
// and hangs up is a completed self-service exit, not a failure; a caller who
// hangs up during that message is recorded as having hung up.
func TestMessageThenHangupIsSelfService(t *testing.T) {
	for _, tc := range []struct {
		name   string
		hangup time.Duration // caller hangs up this long after being answered; 0 = never
		by     acd.HangupBy
	}{
		{"message played out", 0, acd.HangupSystem},
		{"caller hangs up during the message", 3 * time.Second, acd.HangupCaller},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := newMemStore()
			r, err := NewSimRun(SimOptions{Core: Options{Config: parseConfig(t, selfServiceConfig), Store: st}, Start: epoch,
				Sim: sim.Options{PromptLength: 5 * time.Second}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := r.Switch.PlaceCall(farend.CallScript{From: "555", To: "100", DTMF: "9", DTMFDelay: time.Second, HangupAfter: tc.hangup}); err != nil {
				t.Fatal(err)
			}
			r.RunUntil(epoch.Add(time.Minute))
			recs := records(st)
			if len(recs) != 1 {
				t.Fatalf("records = %+v", recs)
			}
			rec := recs[0]
			if rec.Outcome != acd.OutcomeSelfService || rec.HangupBy != tc.by {
				t.Errorf("record: outcome %s hung up by %s, want %s by %s (timeline %s)",
					rec.Outcome, rec.HangupBy, acd.OutcomeSelfService, tc.by, timelineKinds(rec))
			}
			if w := r.Core.Warnings(); len(w) != 0 {
				t.Errorf("warnings = %v", w)
			}
		})
	}
}
