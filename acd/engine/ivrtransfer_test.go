package engine

import (
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/sim"
)

const flowTransferConfig = `
pbx:
  outside: "sim/ext-{number}"
entries:
  - {number: "100", flow: main}
flows:
  main:
    start: ask
    nodes:
      ask: {kind: collect, prompt: ["sound:which-office"], var: office, length: 1, timeout: 3s, retries: 0, next: office, fallback: bye}
      office: {kind: transfer, number: "555010{office}"}
      bye: {kind: hangup}
queues:
  - name: support
agents:
  - {id: alice, endpoint: sim/alice, queues: [{queue: support}]}
`

// A flow's transfer node sends the caller to an outside number (with the
// flow's variables in it): the caller talks to whoever answers there.
func TestFlowTransferToNumber(t *testing.T) {
	st := newMemStore()
	r, err := NewSimRun(SimOptions{Core: Options{Config: parseConfig(t, flowTransferConfig), Store: st}, Start: epoch,
		Sim: sim.Options{PromptLength: 2 * time.Second, Latency: 20 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Switch.SetPhone("sim/ext-5550102", answers(time.Second, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Switch.PlaceCall(farend.CallScript{From: "555", To: "100", DTMF: "2", DTMFDelay: 3 * time.Second}); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(epoch.Add(time.Minute))
	recs := records(st)
	if len(recs) != 1 {
		t.Fatalf("records %+v", recs)
	}
	rec := recs[0]
	if rec.Outcome != acd.OutcomeTransferred || len(rec.Legs) != 1 || rec.Legs[0].Number != "5550102" || !near(rec.Talk, 10*time.Second) {
		t.Errorf("outcome %s legs %s talk %v; want transferred to 5550102 for 10s (%s)", rec.Outcome, legsText(rec), rec.Talk, timelineKinds(rec))
	}
	if !strings.Contains(timelineKinds(rec), "transfer") {
		t.Errorf("timeline %s", timelineKinds(rec))
	}
	if w := r.Core.Warnings(); len(w) != 0 {
		t.Errorf("warnings %v", w)
	}
}
