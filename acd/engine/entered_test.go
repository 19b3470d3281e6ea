package engine

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/store"
)

// An agent who stops taking calls after the call (a pause asked for during
// it) leaves a leave_empty queue with no one to serve its waiting caller,
// as a pause asked for between calls does: the caller is sent on at once.
func TestPendingPauseLeavesEmptyQueue(t *testing.T) {
	_, st, r := runScenario(t, scenario{
		config: `
entries:
  - {number: "100", queue: support}
queues:
  - {name: support, wrap_up: 0s, leave_empty: true}
agents:
  - {id: alice, endpoint: sim/alice, queues: [{queue: support}]}
`,
		phones: map[string]farend.Phone{"sim/alice": answers(time.Second, 20*time.Second)},
		login:  []string{"alice"},
		events: []scheduled{
			{at: 0, call: &farend.CallScript{From: "1", To: "100"}},
			{at: 5 * time.Second, call: &farend.CallScript{From: "2", To: "100"}},
			submitAt(t, 10*time.Second, Pause{Agent: "alice", Reason: "lunch"}),
		},
		until: 40 * time.Second,
	})
	if a := r.Core.agentNamed("alice"); a.pauseReason != "lunch" {
		t.Fatalf("alice is %s (%q) after her call, want paused for lunch", a.state, a.pauseReason)
	}
	recs := records(st)
	i := slices.IndexFunc(recs, func(rec store.CallRecord) bool { return rec.Caller == "2" })
	if i < 0 {
		t.Fatalf("the second caller is still waiting after alice paused; records %+v", recs)
	}
	var steps []string
	for _, s := range recs[i].Timeline {
		steps = append(steps, s.Kind+" "+s.Detail)
	}
	if got := strings.Join(steps, ", "); !strings.Contains(got, "overflow queue-empty") {
		t.Errorf("second caller's timeline: %s; want it sent on as the queue emptied", got)
	}
}
