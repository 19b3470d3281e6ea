package engine

import (
	"fmt"
	"github.com/hotline-cc/hotline/internal/golden"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/sim"
	"github.com/hotline-cc/hotline/store"
)

var epoch = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// memStore records what the engine persists, like the real store would.
type memStore struct {
	mu        sync.Mutex // guards everything below: the runtime test reads while the engine writes
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
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls[c.ID] = *c
	delete(m.active, c.ID)
	if a != nil {
		m.agents[a.ID] = *a
	}
	m.finished = append(m.finished, c.ID)
	return nil
}
func (m *memStore) SaveCall(c *store.CallRecord) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls[c.ID] = *c
	return nil
}
func (m *memStore) Call(id string) (*store.CallRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.calls[id]
	if !ok {
		return nil, store.ErrNotFound
	}
	return &c, nil
}
func (m *memStore) SaveAgent(a *store.AgentState) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.agents[a.ID] = *a
	return nil
}
func (m *memStore) SaveProgress(ac *store.ActiveCall, c *store.CallRecord) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.active[ac.CallID] = *ac
	m.calls[c.ID] = *c
	return nil
}
func (m *memStore) DeleteActive(id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.active, id)
	return nil
}
func (m *memStore) SaveCallback(cb *store.Callback) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.callbacks[cb.ID] = *cb
	return nil
}
func (m *memStore) DeleteCallback(id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.callbacks, id)
	return nil
}

type scheduled struct {
	at   time.Duration
	call *farend.CallScript
	do   func(c *Core, now time.Time) error
}

type scenario struct {
	name   string
	config string
	phones map[string]farend.Phone
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

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name+".golden"), []byte(got))
}
