package engine

import (
	"fmt"
	"github.com/hotline-cc/hotline/internal/golden"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
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
	changes   []store.AgentChange
	finished  []string
	alive     time.Time // the last heartbeat
}

func newMemStore() *memStore {
	return &memStore{calls: map[string]store.CallRecord{}, agents: map[string]store.AgentState{},
		active: map[string]store.ActiveCall{}, callbacks: map[string]store.Callback{}}
}

// Write applies ops like the real store: in order, all of them. A call
// record saved with its active state deleted in one write is a finished
// call (the engine's end of a call; the writer may have dropped the save
// in favour of a later one in the same write).
func (m *memStore) Write(ops []store.Op) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	var saved []string
	for _, op := range ops {
		if r, ok := op.Saves().(*store.CallRecord); ok {
			saved = append(saved, r.ID)
		}
	}
	for _, op := range ops {
		switch r := op.Saves().(type) {
		case *store.CallRecord:
			m.calls[r.ID] = *r
		case *store.AgentState:
			m.agents[r.ID] = *r
		case *store.ActiveCall:
			m.active[r.CallID] = *r
		case *store.Callback:
			m.callbacks[r.ID] = *r
		case *time.Time:
			m.alive = *r
		case *store.AgentChange:
			if !slices.Contains(acd.AgentCauses(), r.Cause) {
				// Every engine test that stores guards this: a change
				// the log cannot explain is a bug wherever it comes from.
				panic(fmt.Sprintf("agent change without a known cause: %+v", *r))
			}
			m.changes = append(m.changes, *r)
		case nil:
			bucket, id, _ := op.Deletes()
			if bucket == "callbacks" {
				delete(m.callbacks, id)
				continue
			}
			delete(m.active, id)
			if slices.Contains(saved, id) {
				m.finished = append(m.finished, id)
			}
		}
	}
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
