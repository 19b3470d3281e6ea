package engine

import (
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx/farend"
)

// A live call's wait stops when an agent answers; from then on its talk time
// counts, from the moment both parties are bridged. (It used to keep counting the wait through the conversation.)
func TestLiveCallWaitStopsAtAnswer(t *testing.T) {
	_, _, r := runScenario(t, scenario{
		config: basicConfig,
		phones: map[string]farend.Phone{"sim/alice": answers(3*time.Second, time.Hour)},
		login:  []string{"alice"},
		events: []scheduled{{at: 5 * time.Second, call: &farend.CallScript{From: "555", To: "100"}}},
		until:  30 * time.Second,
	})
	first := r.Core.Status(r.Clock.Now())
	r.RunUntil(epoch.Add(50 * time.Second))
	later := r.Core.Status(r.Clock.Now())
	if len(first.Calls) != 1 || len(later.Calls) != 1 {
		t.Fatalf("live calls: %+v then %+v, want one", first.Calls, later.Calls)
	}
	a, b := first.Calls[0], later.Calls[0]
	if a.Phase != "bridged" || a.Answered.IsZero() {
		t.Fatalf("call %+v, want bridged with an answer time", a)
	}
	if a.Waited < 3*time.Second || a.Waited > 4*time.Second || b.Waited != a.Waited {
		t.Errorf("waited %s then %s; want about 3 s (the ring), fixed once answered", a.Waited, b.Waited)
	}
	// The simulated switch bridges the parties its 20 ms latency after the answer.
	bridged := a.Answered.Add(20 * time.Millisecond)
	if b.Talk-a.Talk != 20*time.Second || a.Talk != r.Clock.Now().Add(-20*time.Second).Sub(bridged) {
		t.Errorf("talk %s then %s; want it to count from the bridge", a.Talk, b.Talk)
	}
}

// An agent whose endpoint cannot be rung is said once in the log (every
// failed ring is counted), so a wrong endpoint does not leave callers
// waiting with nothing to show why.
func TestUnreachableAgentIsWarnedOnce(t *testing.T) {
	trace, _, r := runScenario(t, scenario{
		config: `
entries: [{number: "100", queue: support}]
queues: [{name: support, busy_delay: 2s, retry_delay: 1s}]
agents: [{id: ghost, endpoint: PJSIP/9999, queues: [{queue: support}]}]
`,
		login:  []string{"ghost"},
		events: []scheduled{{at: time.Second, call: &farend.CallScript{From: "555", To: "100"}}},
		until:  20 * time.Second,
	})
	if n := strings.Count(trace, "warn agent-unreachable: agent ghost: endpoint PJSIP/9999 cannot be reached"); n != 1 {
		t.Errorf("%d warnings naming ghost's endpoint, want 1:\n%s", n, trace)
	}
	if n := r.Core.Warnings()["agent-unreachable"]; n < 3 {
		t.Errorf("agent-unreachable counted %d times in 20 s of retries, want every failure", n)
	}
}
