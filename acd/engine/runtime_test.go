package engine

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/pbxtest"
	"github.com/hotline-cc/hotline/acd/sim"
	"github.com/hotline-cc/hotline/store"
)

// lockedStore is memStore for the runtime, whose engine goroutine writes
// while the test reads.
type lockedStore struct {
	mu sync.Mutex // guards m
	m  *memStore
}

func (l *lockedStore) FinishCall(c *store.CallRecord, a *store.AgentState) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.m.FinishCall(c, a)
}
func (l *lockedStore) SaveCall(c *store.CallRecord) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.m.SaveCall(c)
}
func (l *lockedStore) Call(id string) (*store.CallRecord, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.m.Call(id)
}
func (l *lockedStore) SaveAgent(a *store.AgentState) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.m.SaveAgent(a)
}
func (l *lockedStore) SaveProgress(ac *store.ActiveCall, c *store.CallRecord) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.m.SaveProgress(ac, c)
}
func (l *lockedStore) DeleteActive(id string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.m.DeleteActive(id)
}
func (l *lockedStore) SaveCallback(cb *store.Callback) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.m.SaveCallback(cb)
}
func (l *lockedStore) DeleteCallback(id string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.m.DeleteCallback(id)
}

func (l *lockedStore) records() []store.CallRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	return records(l.m)
}

// TestRuntimeOnRealTimeSim runs the daemon's runtime (engine goroutine,
// command lanes, timer heap, admin requests) against the simulated switch
// in real time, sped up.
func TestRuntimeOnRealTimeSim(t *testing.T) {
	cfg := parseConfig(t, basicConfig)
	sw, err := sim.New(sim.Options{Seed: 1, Speed: 20, Latency: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer sw.Close()
	for _, ep := range []string{"sim/alice", "sim/bob"} {
		if err := sw.SetPhone(ep, answers(time.Second, 10*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	st := &lockedStore{m: newMemStore()}
	rt, err := NewRuntime(RunOptions{Core: Options{Config: cfg, Store: st}, Switch: sw, Log: zerolog.Nop(), Now: sw.Now})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- rt.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	if err := sw.Start(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"alice", "bob"} {
		if err := rt.Do(ctx, func(c *Core, now time.Time) error { return c.Login(now, id) }); err != nil {
			t.Fatal(err)
		}
	}
	if err := rt.Do(ctx, func(c *Core, now time.Time) error { return c.Pause(now, "carol", "x") }); err == nil {
		t.Errorf("pausing an unknown agent through Do succeeded")
	}
	for i, from := range []string{"5550001", "5550002", "5550003"} {
		if _, err := sw.PlaceCall(pbxtest.CallScript{From: from, To: "100"}); err != nil {
			t.Fatal(err)
		}
		_ = i
	}
	deadline := time.Now().Add(15 * time.Second)
	for len(st.records()) < 3 {
		if time.Now().After(deadline) {
			s, _ := rt.Status(ctx)
			t.Fatalf("only %d of 3 calls finished; status %+v", len(st.records()), s)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, rec := range st.records() {
		if rec.Outcome != store.OutcomeAnswered || rec.Agent == "" {
			t.Errorf("record %s: %s by %q", rec.ID, rec.Outcome, rec.Agent)
		}
	}
	s, err := rt.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.Queues[0].Answered != 3 || len(s.Warnings) != 0 {
		t.Errorf("status: answered %d, warnings %v", s.Queues[0].Answered, s.Warnings)
	}
	var _ pbx.Switch = sw
}
