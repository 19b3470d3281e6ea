package engine

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/pbx/pbxtest"
	"github.com/hotline-cc/hotline/acd/sim"
	"github.com/hotline-cc/hotline/store"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

var epoch = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// memStore records what the engine persists, like the real store would.
type memStore struct {
	calls     map[string]store.CallRecord
	agents    map[string]store.AgentState
	active    map[string]store.ActiveCall
	callbacks map[string]store.Callback
	finished  []string
}

func newMemStore() *memStore {
	return &memStore{calls: map[string]store.CallRecord{}, agents: map[string]store.AgentState{},
		active: map[string]store.ActiveCall{}, callbacks: map[string]store.Callback{}}
}

func (m *memStore) FinishCall(c *store.CallRecord, a *store.AgentState) error {
	m.calls[c.ID] = *c
	delete(m.active, c.ID)
	if a != nil {
		m.agents[a.ID] = *a
	}
	m.finished = append(m.finished, c.ID)
	return nil
}
func (m *memStore) SaveCall(c *store.CallRecord) error { m.calls[c.ID] = *c; return nil }
func (m *memStore) Call(id string) (*store.CallRecord, error) {
	c, ok := m.calls[id]
	if !ok {
		return nil, store.ErrNotFound
	}
	return &c, nil
}
func (m *memStore) SaveAgent(a *store.AgentState) error { m.agents[a.ID] = *a; return nil }
func (m *memStore) SaveProgress(ac *store.ActiveCall, c *store.CallRecord) error {
	m.active[ac.CallID] = *ac
	m.calls[c.ID] = *c
	return nil
}
func (m *memStore) DeleteActive(id string) error          { delete(m.active, id); return nil }
func (m *memStore) SaveCallback(cb *store.Callback) error { m.callbacks[cb.ID] = *cb; return nil }
func (m *memStore) DeleteCallback(id string) error        { delete(m.callbacks, id); return nil }

type scheduled struct {
	at   time.Duration
	call *pbxtest.CallScript
	do   func(c *Core, now time.Time) error
}

type scenario struct {
	name   string
	config string
	phones map[string]pbxtest.Phone
	login  []string
	events []scheduled
	until  time.Duration
	check  func(t *testing.T, st *memStore, r *SimRun)
}

func parseConfig(t testing.TB, y string) config.Config {
	t.Helper()
	cfg, err := config.Parse([]byte(y), "test.yaml")
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("config: %v", err)
	}
	return cfg
}

func runScenario(t *testing.T, sc scenario) (string, *memStore, *SimRun) {
	t.Helper()
	var trace strings.Builder
	st := newMemStore()
	cfg := parseConfig(t, sc.config)
	var clock *sim.Clock
	r, err := NewSimRun(SimOptions{
		Core: Options{Config: cfg, Store: st, Seed: 7, Trace: func(now time.Time, line string) {
			if now.IsZero() && clock != nil {
				now = clock.Now()
			}
			fmt.Fprintf(&trace, "%8s %s\n", now.Sub(epoch).Round(time.Millisecond), line)
		}},
		Start: epoch,
		Sim:   sim.Options{Seed: 7, Latency: 20 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	clock = r.Clock
	for ep, p := range sc.phones {
		if err := r.Switch.SetPhone(ep, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Login(sc.login...); err != nil {
		t.Fatal(err)
	}
	for _, ev := range sc.events {
		ev := ev
		r.Clock.Schedule(epoch.Add(ev.at), func() {
			if ev.call != nil {
				if _, err := r.Switch.PlaceCall(*ev.call); err != nil {
					t.Errorf("place call: %v", err)
				}
			}
			if ev.do != nil {
				if err := r.Do(ev.do); err != nil {
					fmt.Fprintf(&trace, "%8s admin error: %v\n", r.Clock.Now().Sub(epoch), err)
				}
			}
		})
	}
	r.RunUntil(epoch.Add(sc.until))
	return trace.String(), st, r
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if string(want) != got {
		t.Errorf("trace differs from %s (run with -update after checking):\n%s", path, diffLines(string(want), got))
	}
}

func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return fmt.Sprintf("first difference at line %d:\nwant: %s\n got: %s", i+1, a, b)
		}
	}
	return ""
}
