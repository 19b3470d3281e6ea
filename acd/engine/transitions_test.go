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
