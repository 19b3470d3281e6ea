package engine

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/sim"
)

// A SimLive advanced in one goroutine takes requests from another and
// publishes what happens on its change stream: a subscriber sees the login
// it asked for, then the call the simulator places ringing that agent.
func TestSimLivePublishesChanges(t *testing.T) {
	r, err := NewSimRun(SimOptions{Core: Options{Config: parseConfig(t, basicConfig), Store: newMemStore(), Seed: 5},
		Start: epoch, Sim: sim.Options{Seed: 5}})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Switch.SetPhone("sim/alice", answers(2*time.Second, 30*time.Second)); err != nil {
		t.Fatal(err)
	}
	r.Clock.Schedule(epoch.Add(5*time.Second), func() {
		if _, err := r.Switch.PlaceCall(farend.CallScript{From: "555", To: "100"}); err != nil {
			t.Error(err)
		}
	})
	live := NewSimLive(r, time.Millisecond)
	defer live.Close()
	sub, snap, _ := live.Subscribe(0, 64)
	if snap == nil || len(snap.Agents) != 2 {
		t.Fatalf("first snapshot %+v", snap)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() { // the demo's loop
		defer wg.Done()
		now := epoch
		for {
			select {
			case <-stop:
				return
			default:
			}
			now = now.Add(100 * time.Millisecond)
			live.RunUntil(now)
			time.Sleep(time.Millisecond)
		}
	}()
	defer func() { close(stop); wg.Wait() }()
	if _, err := live.Submit(context.Background(), Login{Agent: "alice"}); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	timeout := time.After(60 * time.Second)
	for !seen["available"] || !seen["call"] || !seen["on-call"] {
		select {
		case c := <-sub.C:
			switch {
			case c.Kind == ChangeAgent && c.Agent.ID == "alice":
				seen[c.Agent.State] = true
			case c.Kind == ChangeCall:
				seen["call"] = true
			}
		case <-timeout:
			t.Fatalf("changes seen %v; want alice available, a call, alice on the call", seen)
		}
	}
	if s := live.Snapshot(); s.Seq == 0 || s.Now.Before(epoch.Add(5*time.Second)) {
		t.Errorf("snapshot seq %d at %v, want virtual time past the call", s.Seq, s.Now)
	}
}
