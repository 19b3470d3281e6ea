package engine

import (
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
)

const restartVoicemailConfig = `
entries:
  - {number: "100", flow: main}
flows:
  main:
    start: message
    nodes:
      message:
        kind: voicemail
        queue: support
        prompt: ["sound:leave-a-message"]
        max: 60s
queues:
  - name: support
    callback: {endpoint: "sim/cb-{number}"}
agents:
  - {id: alice, endpoint: sim/alice, queues: [{queue: support}]}
`

// TestRestartWhileVoicemailRecords: the daemon dies (kill -9) while a
// caller leaves a message and comes back at once. The message goes on
// being recorded: the greeting is not played again, no second recording
// starts on the same file, and the record keeps when the message began
// and when the caller ended it.
func TestRestartWhileVoicemailRecords(t *testing.T) {
	st := newMemStore()
	r := newRestartableRun(t, restartVoicemailConfig, st)
	if _, err := r.Switch.PlaceCall(farend.CallScript{From: "5550001", To: "100", DTMF: "#", DTMFDelay: 20 * time.Second}); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(epoch.Add(10 * time.Second)) // the greeting (about 4 s) is over: recording
	kill(t, r)
	r.RunUntil(epoch.Add(12 * time.Second))
	restart(t, r, st, "run2", nil)
	r.RunUntil(epoch.Add(time.Minute))

	recs := records(st)
	if len(recs) != 1 {
		t.Fatalf("records %+v", recs)
	}
	rec := recs[0]
	steps := timelineKinds(rec)
	if rec.Outcome != acd.OutcomeCallback || !hasStep(rec, "voicemail-left", "key #") {
		t.Errorf("record: outcome %s, timeline %s; want the message left with #", rec.Outcome, steps)
	}
	started := 0
	for _, s := range rec.Timeline {
		if s.Kind == "voicemail" && s.Detail == "recording" {
			started++
		}
	}
	if started != 1 {
		t.Errorf("message recording started %d times (greeting replayed?): %s", started, steps)
	}
	rs := rec.Recording
	if rs.Start.IsZero() || !rs.End.After(rs.Start) || rs.Start.After(epoch.Add(10*time.Second)) || rs.End.Before(epoch.Add(20*time.Second)) {
		t.Errorf("recording %+v (from %v to %v), want it from before the kill to the #", rs, rs.Start.Sub(epoch), rs.End.Sub(epoch))
	}
	if w := r.Core.Warnings(); len(w) != 0 {
		t.Errorf("warnings %v", w)
	}
}
