package engine

import (
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
)

const basicConfig = `
entries:
  - {number: "100", queue: support}
queues:
  - name: support
    strategy: longest-idle
    ring_timeout: 10s
    wrap_up: 5s
    service_level: 20s
    max_no_answer: 2
agents:
  - {id: alice, endpoint: sim/alice, queues: [{queue: support}]}
  - {id: bob, endpoint: sim/bob, queues: [{queue: support}]}
`

func placeCall(at time.Duration, from, to string, hangupAfter time.Duration) scheduled {
	return scheduled{at: at, call: &farend.CallScript{From: from, To: to, HangupAfter: hangupAfter}}
}

func TestGoldenTraces(t *testing.T) {
	scenarios := []scenario{
		{
			name:   "answered",
			config: basicConfig,
			phones: map[string]farend.Phone{
				"sim/alice": {Mode: farend.PhoneAnswer, AnswerDelay: 2 * time.Second, HangupAfter: 30 * time.Second},
				"sim/bob":   {Mode: farend.PhoneAnswer, AnswerDelay: 3 * time.Second, HangupAfter: 30 * time.Second},
			},
			login:  []string{"alice", "bob"},
			events: []scheduled{placeCall(time.Second, "5550001", "100", 0)},
			until:  time.Minute,
			check: func(t *testing.T, st *memStore, r *SimRun) {
				if len(st.finished) != 1 {
					t.Fatalf("finished calls = %d, want 1", len(st.finished))
				}
				rec := st.calls[st.finished[0]]
				if rec.Outcome != acd.OutcomeAnswered || rec.Agent == "" || rec.HangupBy != acd.HangupAgent {
					t.Errorf("record = %+v", rec)
				}
				if rec.Talk < 29*time.Second || rec.Talk > 31*time.Second {
					t.Errorf("talk = %v, want about 30s", rec.Talk)
				}
				if rec.WrapUp != 5*time.Second {
					t.Errorf("wrap-up = %v, want 5s", rec.WrapUp)
				}
			},
		},
		{
			name:   "no-answer-then-next",
			config: basicConfig,
			phones: map[string]farend.Phone{
				"sim/alice": {Mode: farend.PhoneNoAnswer},
				"sim/bob":   {Mode: farend.PhoneAnswer, AnswerDelay: time.Second, HangupAfter: 20 * time.Second},
			},
			login: []string{"alice", "bob"},
			events: []scheduled{
				placeCall(time.Second, "5550001", "100", 0),
				placeCall(40*time.Second, "5550002", "100", 0),
			},
			until: 3 * time.Minute,
			check: func(t *testing.T, st *memStore, r *SimRun) {
				s := r.Core.Status(r.Clock.Now())
				for _, a := range s.Agents {
					if a.ID == "alice" && (a.State != "paused" || a.Reason != "no-answer") {
						t.Errorf("alice = %s (%s), want paused (no-answer) after 2 unanswered offers", a.State, a.Reason)
					}
				}
				for _, id := range st.finished {
					if rec := st.calls[id]; rec.Outcome != acd.OutcomeAnswered || rec.Agent != "bob" {
						t.Errorf("call %s: outcome %s agent %s, want answered by bob", id, rec.Outcome, rec.Agent)
					}
				}
			},
		},
		{
			name:   "abandon",
			config: basicConfig,
			phones: map[string]farend.Phone{},
			login:  nil,
			events: []scheduled{placeCall(time.Second, "5550001", "100", 25*time.Second)},
			until:  time.Minute,
			check: func(t *testing.T, st *memStore, r *SimRun) {
				if len(st.finished) != 1 {
					t.Fatalf("finished = %d", len(st.finished))
				}
				rec := st.calls[st.finished[0]]
				if rec.Outcome != acd.OutcomeAbandoned || rec.Wait < 24*time.Second {
					t.Errorf("record = %s wait %v, want abandoned after ~25s", rec.Outcome, rec.Wait)
				}
			},
		},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			trace, st, r := runScenario(t, sc)
			checkGolden(t, sc.name, trace)
			if sc.check != nil {
				sc.check(t, st, r)
			}
		})
	}
}
