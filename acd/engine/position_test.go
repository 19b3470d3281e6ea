package engine

import (
	"fmt"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx/farend"
)

// The records keep each caller's place in the line on entering and on
// leaving it, which the queue_log reports: alice takes the first caller,
// three more queue behind in turn, and the second of them gives up once
// the one ahead of it has been served.
func TestRecordsKeepPlaceInLine(t *testing.T) {
	_, st, _ := runScenario(t, scenario{
		config: `
entries:
  - {number: "100", queue: support}
queues:
  - {name: support, wrap_up: 0s}
agents:
  - {id: alice, endpoint: sim/alice, queues: [{queue: support}]}
`,
		phones: map[string]farend.Phone{"sim/alice": answers(time.Second, 30*time.Second)},
		login:  []string{"alice"},
		events: []scheduled{
			{at: 0, call: &farend.CallScript{From: "1", To: "100"}},
			{at: 5 * time.Second, call: &farend.CallScript{From: "2", To: "100"}},
			{at: 6 * time.Second, call: &farend.CallScript{From: "3", To: "100", HangupAfter: 40 * time.Second}},
			{at: 7 * time.Second, call: &farend.CallScript{From: "4", To: "100"}},
		},
		until: 100 * time.Second,
	})
	places := map[string]string{}
	for _, rec := range records(st) {
		for _, s := range rec.Timeline {
			if s.Pos > 0 {
				places[rec.Caller] += fmt.Sprintf("%s %d;", s.Kind, s.Pos)
			}
		}
	}
	for caller, want := range map[string]string{"1": "enqueue 1;", "2": "enqueue 1;", "3": "enqueue 2;abandon 1;", "4": "enqueue 3;"} {
		if places[caller] != want {
			t.Errorf("caller %s: places %q, want %q (all: %q)", caller, places[caller], want, places)
		}
	}
}
