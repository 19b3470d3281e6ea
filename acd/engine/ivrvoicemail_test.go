package engine

import (
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/sim"
)

const voicemailConfig = `
entries:
  - {number: "100", flow: main}
flows:
  main:
    start: hours
    nodes:
      hours:
        kind: hours
        week: {mon: "09:00-17:00"}
        open: agent
        closed: message
      agent: {kind: queue, queue: support}
      message:
        kind: voicemail
        queue: support
        prompt: ["sound:leave-a-message"]
        max: 30s
        thanks: ["sound:thank-you"]
queues:
  - name: support
    callback: {endpoint: "sim/cb-{number}"}
agents:
  - {id: alice, endpoint: sim/alice, queues: [{queue: support}]}
`

// After hours a caller leaves a message: it is recorded from the beep to #
// (or the caller's hang-up) and becomes a callback task for the queue with
// the recording.
func TestVoicemailBecomesCallbackTask(t *testing.T) {
	night := time.Date(2026, 1, 5, 20, 0, 0, 0, time.UTC) // a Monday, after 17:00
	for _, tc := range []struct {
		name   string
		script farend.CallScript
		how    string
	}{
		{"ends with #", farend.CallScript{From: "5550001", To: "100", DTMF: "#", DTMFDelay: 12 * time.Second}, "key #"},
		{"caller hangs up", farend.CallScript{From: "5550001", To: "100", HangupAfter: 12 * time.Second}, "hung up"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := newMemStore()
			r, err := NewSimRun(SimOptions{Core: Options{Config: parseConfig(t, voicemailConfig), Store: st}, Start: night,
				Sim: sim.Options{PromptLength: 2 * time.Second, Latency: 20 * time.Millisecond}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := r.Switch.PlaceCall(tc.script); err != nil {
				t.Fatal(err)
			}
			r.RunUntil(night.Add(time.Minute))
			recs := records(st)
			if len(recs) != 1 {
				t.Fatalf("records %+v", recs)
			}
			rec := recs[0]
			steps := timelineKinds(rec)
			if rec.Outcome != acd.OutcomeCallback || rec.Recording.Name != "voicemail-"+rec.ID || rec.Recording.Path == "" ||
				!strings.Contains(steps, "hours,voicemail,voicemail,voicemail-left") {
				t.Errorf("record: outcome %s, recording %+v, timeline %s", rec.Outcome, rec.Recording, steps)
			}
			st.mu.Lock()
			cb, ok := st.callbacks["cb-"+rec.ID]
			st.mu.Unlock()
			if !ok || cb.Queue != "support" || cb.Number != "5550001" || cb.Recording != rec.Recording.Name {
				t.Errorf("callback task %+v (%v), want one for support to 5550001 with the recording", cb, ok)
			}
			if !hasStep(rec, "voicemail-left", tc.how) {
				t.Errorf("timeline lacks voicemail-left %s: %s", tc.how, steps)
			}
			if w := r.Core.Warnings(); len(w) != 0 {
				t.Errorf("warnings %v", w)
			}
		})
	}
}
