package engine

import (
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/store"
)

const startLoginConfig = `
entries:
  - {number: "100", queue: support}
queues:
  - name: support
agents:
  - {id: alice, endpoint: sim/alice, logged_in: true, queues: [{queue: support}]}
  - {id: bob, endpoint: sim/bob, queues: [{queue: support}]}
`

// An agent the config logs in has its login logged when Hotline starts, so
// the log (and a report built from it) knows when it began to work; a
// restart that restores it logs no second login.
func TestConfigLoginIsLogged(t *testing.T) {
	st := newMemStore()
	r := newRestartableRun(t, startLoginConfig, st)
	logins := func() []store.AgentChange {
		st.mu.Lock()
		defer st.mu.Unlock()
		var out []store.AgentChange
		for _, ch := range st.changes {
			if ch.To == acd.Available && ch.From == acd.LoggedOut {
				out = append(out, ch)
			}
		}
		return out
	}
	got := logins()
	if len(got) != 1 || got[0].Agent != "alice" || got[0].Cause != acd.CauseLogin || !got[0].At.Equal(epoch) {
		t.Fatalf("logins logged at start: %+v; want alice's, at %s, cause login", got, epoch)
	}
	st.mu.Lock()
	saved := st.agents["alice"]
	st.mu.Unlock()
	if saved.State != acd.Available {
		t.Errorf("alice's saved state %v, want available", saved.State)
	}
	r.RunUntil(epoch.Add(time.Minute))
	restart(t, r, st, "run2", nil)
	if got := logins(); len(got) != 1 {
		t.Errorf("%d logins after a restart, want alice's first only: %+v", len(got), got)
	}
}
