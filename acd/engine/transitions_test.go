package engine

import (
	"errors"
	"testing"

	"github.com/hotline-cc/hotline/acd"
)

// An illegal call transition is refused (the call keeps its phase) and
// counted, as an agent's is.
func TestIllegalCallTransitionRefused(t *testing.T) {
	c := newTestCore(t)
	cl := &call{id: "c1", phase: acd.CallEnded}
	err := c.setPhase(epoch, cl, acd.CallQueued)
	if !errors.Is(err, acd.ErrIllegalTransition) {
		t.Fatalf("setPhase(ended → queued) = %v, want ErrIllegalTransition", err)
	}
	if cl.phase != acd.CallEnded {
		t.Errorf("phase = %v after a refused transition, want ended", cl.phase)
	}
	if n := c.Warnings()["illegal-transition"]; n != 1 {
		t.Errorf("illegal-transition counted %d times, want 1", n)
	}
	if err := c.setPhase(epoch, &call{id: "c2", phase: acd.CallQueued}, acd.CallOffering); err != nil {
		t.Errorf("queued → offering refused: %v", err)
	}
}

// A callback request moves by its table; an illegal move is not saved.
func TestIllegalCallbackTransitionRefused(t *testing.T) {
	c := newTestCore(t)
	q := c.queues[0]
	cb := &callbackReq{id: "cb1", queue: q}
	c.saveCallback(epoch, cb, acd.CallbackPending)
	c.saveCallback(epoch, cb, acd.CallbackDone) // pending → done skips dialing
	if cb.state != acd.CallbackPending {
		t.Errorf("state = %q, want pending", cb.state)
	}
	if n := c.Warnings()["illegal-transition"]; n != 1 {
		t.Errorf("illegal-transition counted %d times, want 1", n)
	}
}

func newTestCore(t *testing.T) *Core {
	t.Helper()
	var cmds []Command
	c, err := NewCore(Options{Config: parseConfig(t, basicConfig), Out: recordOutputs{cmds: &cmds}, Store: newMemStore()}, epoch)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Two callback requests equal in priority and place in line go to a free
// agent in the same order every run, not in map order.
func TestCallbackTieIsDeterministic(t *testing.T) {
	for run := range 30 {
		c := newTestCore(t)
		q := c.queues[0]
		for _, id := range []string{"cb-b", "cb-a", "cb-c"} {
			c.callbacks[id] = &callbackReq{id: id, state: acd.CallbackPending, queue: q, number: "555", enqueued: epoch}
		}
		if err := c.Login(epoch, "alice"); err != nil {
			t.Fatal(err)
		}
		var dialing []string
		for _, id := range []string{"cb-a", "cb-b", "cb-c"} {
			if c.callbacks[id].dialing != nil {
				dialing = append(dialing, id)
			}
		}
		if len(dialing) != 1 || dialing[0] != "cb-a" {
			t.Fatalf("run %d: dialing %v, want cb-a (the first by id)", run, dialing)
		}
	}
}
