package engine

import (
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
)

// A caller whose number is withheld (or not a number) who presses the
// callback key cannot be called back: they keep their place in line and
// are answered, rather than being hung up on. A caller with a number
// leaves with a callback as before.
func TestCallbackKeyWithheldNumberKeepsWaiting(t *testing.T) {
	sc := scenario{
		config: `
entries:
  - {number: "100", queue: sales}
queues:
  - name: sales
    callback_key: "5"
    callback: {endpoint: "sim/customer-{number}", timeout: 20s, max_attempts: 1, retry_after: 1m}
    announce: {interval: 0s}
agents:
  - {id: ann, endpoint: sim/ann, queues: [{queue: sales}]}
`,
		phones: map[string]farend.Phone{
			"sim/ann":              answers(time.Second, 40*time.Second),
			"sim/customer-5550002": answers(2*time.Second, 10*time.Second),
		},
		login: []string{"ann"},
		events: []scheduled{
			{at: time.Second, call: &farend.CallScript{From: "5550009", To: "100", HangupAfter: 45 * time.Second}}, // keeps ann busy
			{at: 2 * time.Second, call: &farend.CallScript{From: "", To: "100", DTMF: "5", DTMFDelay: 3 * time.Second}},
			{at: 3 * time.Second, call: &farend.CallScript{From: "anonymous", To: "100", DTMF: "5", DTMFDelay: 3 * time.Second}},
			{at: 4 * time.Second, call: &farend.CallScript{From: "5550002", To: "100", DTMF: "5", DTMFDelay: 3 * time.Second}},
		},
		until: 5 * time.Minute,
		check: func(t *testing.T, st *memStore, r *SimRun) {
			byCaller := map[string]acd.Outcome{}
			for _, rec := range records(st) {
				if rec.Direction == acd.DirectionInbound {
					byCaller[rec.Caller] = rec.Outcome
				}
			}
			for _, who := range []string{"", "anonymous"} {
				if got := byCaller[who]; got != acd.OutcomeAnswered {
					t.Errorf("caller %q pressed the callback key: outcome %q, want answered after waiting", who, got)
				}
			}
			if got := byCaller["5550002"]; got != acd.OutcomeCallback {
				t.Errorf("caller with a number: outcome %q, want callback", got)
			}
			if n := r.Core.Warnings()["callback-impossible"]; n != 2 {
				t.Errorf("callback-impossible warnings = %d, want 2", n)
			}
		},
	}
	_, st, r := runScenario(t, sc)
	sc.check(t, st, r)
}
