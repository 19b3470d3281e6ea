package engine

import (
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/sim"
	"github.com/hotline-cc/hotline/store"
)

const skillFlowConfig = `
entries:
  - {number: "100", flow: main}
  - {number: "200", queue: support}
flows:
  main:
    start: lang
    nodes:
      lang:
        kind: language
        prompt: ["sound:choose-language"]
        timeout: 3s
        options:
          "1": {language: en}
          "2": {language: ru, skill: russian}
        default: en
        next: agent
      agent:
        kind: queue
        queue: support
        skills: {orders: 2}
queues:
  - name: support
    strategy: longest-idle
agents:
  - {id: alice, endpoint: sim/alice, queues: [{queue: support}]}
  - {id: bob, endpoint: sim/bob, skills: {orders: 2}, queues: [{queue: support}]}
  - {id: boris, endpoint: sim/boris, skills: {orders: 3, russian: 1}, queues: [{queue: support}]}
`

// The skills a flow's queue node and its language choice ask for are
// required of the agent: only agents who have them are offered the call,
// while a call straight to the queue goes to whoever idled longest.
func TestFlowSkillsRouteTheCall(t *testing.T) {
	for _, tc := range []struct {
		name, to, dtmf string
		want           string
	}{
		{"straight to the queue", "200", "", "alice"},
		{"flow asks for orders 2", "100", "1", "bob"},
		{"russian chosen", "100", "2", "boris"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := newMemStore()
			r, err := NewSimRun(SimOptions{Core: Options{Config: parseConfig(t, skillFlowConfig), Store: st}, Start: epoch,
				Sim: sim.Options{PromptLength: 2 * time.Second}})
			if err != nil {
				t.Fatal(err)
			}
			for _, ep := range []string{"sim/alice", "sim/bob", "sim/boris"} {
				if err := r.Switch.SetPhone(ep, answers(time.Second, 30*time.Second)); err != nil {
					t.Fatal(err)
				}
			}
			if err := r.Login("alice", "bob", "boris"); err != nil { // alice idles longest
				t.Fatal(err)
			}
			r.RunUntil(epoch.Add(time.Minute))
			if _, err := r.Switch.PlaceCall(farend.CallScript{From: "555", To: tc.to, DTMF: tc.dtmf, DTMFDelay: time.Second}); err != nil {
				t.Fatal(err)
			}
			r.RunUntil(epoch.Add(3 * time.Minute))
			recs := records(st)
			if len(recs) != 1 {
				t.Fatalf("records = %+v", recs)
			}
			if recs[0].Agent != tc.want {
				t.Errorf("taken by %q, want %q (timeline %s)", recs[0].Agent, tc.want, timelineKinds(recs[0]))
			}
		})
	}
}

// A flow's skills stay with a waiting caller across a restart.
func TestFlowSkillsSaved(t *testing.T) {
	st := newMemStore()
	r, err := NewSimRun(SimOptions{Core: Options{Config: parseConfig(t, skillFlowConfig), Store: st}, Start: epoch,
		Sim: sim.Options{PromptLength: 2 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Switch.PlaceCall(farend.CallScript{From: "555", To: "100", DTMF: "2", DTMFDelay: time.Second}); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(epoch.Add(30 * time.Second)) // nobody logged in: waiting
	st.mu.Lock()
	var saved []store.ActiveCall
	for _, ac := range st.active {
		saved = append(saved, ac)
	}
	st.mu.Unlock()
	if len(saved) != 1 || saved[0].Skills["russian"] != 1 || saved[0].Skills["orders"] != 2 {
		t.Fatalf("saved active calls %+v, want the flow's skills", saved)
	}
	if rec, err := st.Call(saved[0].CallID); err != nil || !strings.Contains(timelineKinds(*rec), "flow-skills") {
		t.Errorf("record %+v (%v) lacks flow-skills", rec, err)
	}
}
