package engine

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/store"
)

// changeLine is a stored agent change as the tests below compare it.
func changeLine(ch store.AgentChange) string {
	s := fmt.Sprintf("%s %s→%s %s", ch.Agent, ch.From, ch.To, ch.Cause)
	if ch.Reason != "" {
		s += " (" + ch.Reason + ")"
	}
	if ch.By != "" {
		s += " by " + ch.By
	}
	return s
}

func changeLines(st *memStore, agent string) []string {
	st.mu.Lock()
	defer st.mu.Unlock()
	var out []string
	for _, ch := range st.changes {
		if ch.Agent == agent {
			out = append(out, changeLine(ch))
		}
	}
	return out
}

func submitAt(t *testing.T, at time.Duration, req Request) scheduled {
	return scheduled{at: at, do: func(c *Core, now time.Time) error {
		if _, err := req.apply(c, now); err != nil {
			t.Errorf("%T at %v: %v", req, at, err)
		}
		return nil
	}}
}

// Every agent change is stored with its cause, the pause reason or a
// detail, and who asked for it when someone did: an agent's own requests,
// a supervisor's, the engine's moves around a call, its no-answer pause.
func TestAgentChangesSayWhy(t *testing.T) {
	_, st, _ := runScenario(t, scenario{
		config: `
entries:
  - {number: "100", queue: support}
  - {number: "200", queue: sales}
queues:
  - {name: support, wrap_up: 5s}
  - {name: sales, ring_timeout: 5s, max_no_answer: 1}
agents:
  - {id: alice, endpoint: sim/alice, queues: [{queue: support}]}
  - {id: bob, endpoint: sim/bob, queues: [{queue: sales}]}
`,
		phones: map[string]farend.Phone{"sim/alice": answers(time.Second, 10*time.Second), "sim/bob": {Mode: farend.PhoneNoAnswer}},
		events: []scheduled{
			submitAt(t, 0, Login{Agent: "alice", By: "sue"}),
			submitAt(t, 0, Login{Agent: "bob", By: "bob"}),
			dialIn(time.Second, "100"),
			dialIn(time.Second, "200"),
			submitAt(t, 30*time.Second, Pause{Agent: "alice", Reason: "lunch", By: "sue"}),
			submitAt(t, 31*time.Second, Ready{Agent: "alice", By: "alice"}),
			submitAt(t, 32*time.Second, Logout{Agent: "bob", By: "sue"}),
		},
		until: 40 * time.Second,
	})
	for agent, want := range map[string][]string{
		"alice": {
			"alice logged-out→available login by sue",
			"alice available→ringing offer",
			"alice ringing→on-call answer",
			"alice on-call→wrap-up call-end",
			"alice wrap-up→available wrap-up-end",
			"alice available→paused pause (lunch) by sue",
			"alice paused→available ready by alice",
		},
		"bob": {
			"bob logged-out→available login by bob",
			"bob available→ringing offer",
			"bob ringing→paused no-answer (no-answer)",
			"bob paused→logged-out logout by sue",
		},
	} {
		if got := changeLines(st, agent); !slices.Equal(got, want) {
			t.Errorf("%s's stored changes:\n  %s\nwant\n  %s", agent, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}
	}
}

// A reload that adds an agent logged in, or removes one (after its call),
// says so; so does a restart that finds an agent's call gone.
func TestAgentChangesByReloadAndRestart(t *testing.T) {
	var rep ReconfigureReport
	_, st, _ := runScenario(t, scenario{
		config: reconfBefore,
		login:  []string{"alice"},
		events: []scheduled{
			reconfigureAt(t, time.Second, `
entries:
  - {number: "100", queue: support}
queues:
  - {name: support, wrap_up: 5s}
agents:
  - {id: carol, endpoint: sim/carol, logged_in: true, queues: [{queue: support}]}
`, &rep),
		},
		until: 2 * time.Second,
	})
	for agent, want := range map[string]string{
		"alice": "alice available→logged-out reload (removed from the config)",
		"carol": "carol logged-out→available reload (added to the config)",
	} {
		if got := changeLines(st, agent); len(got) == 0 || got[len(got)-1] != want {
			t.Errorf("%s's stored changes %q; want the last %q", agent, got, want)
		}
	}

	// The daemon dies during alice's wrap-up: restored, she finishes it (the
	// restart moves her nowhere) and the log says her wrap-up ended.
	st = newMemStore()
	r := newRestartableRun(t, restartConfig, st)
	callAlice(t, r, answers(time.Second, 3*time.Second))
	r.RunUntil(epoch.Add(6 * time.Second))
	if a := r.Core.agentNamed("alice"); a.state != acd.WrapUp {
		t.Fatalf("alice is %s at 6 s, want in wrap-up", a.state)
	}
	restart(t, r, st, "run2", nil)
	if a := r.Core.agentNamed("alice"); a.state != acd.WrapUp {
		t.Errorf("alice is %s after the restart, want still in wrap-up", a.state)
	}
	r.RunUntil(epoch.Add(15 * time.Second))
	got := changeLines(st, "alice")
	if want := "alice wrap-up→available wrap-up-end"; len(got) == 0 || got[len(got)-1] != want {
		t.Errorf("alice's stored changes %q; want the last %q", got, want)
	}
}
