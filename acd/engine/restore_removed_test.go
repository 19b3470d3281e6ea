package engine

import (
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/store"
)

// A conversation in a queue a reload removed (the queue kept it, draining)
// goes on after a restart whose config no longer has that queue, and its
// record is completed when it ends. It was skipped: the caller and the
// agent were hung up as strays, the record stayed in progress and its
// live state was read again at every start.
func TestRestoreConversationOfRemovedQueue(t *testing.T) {
	cfg := parseConfig(t, basicConfig) // support only: "gone" was removed
	var cmds []Command
	st := newMemStore()
	c, err := NewCore(Options{Config: cfg, Out: recordOutputs{&cmds}, Store: st}, epoch)
	if err != nil {
		t.Fatal(err)
	}
	enq := epoch.Add(-40 * time.Second)
	c.Restore(epoch, Saved{
		Agents: []store.AgentState{{ID: "alice", State: acd.OnCall}},
		Active: []store.ActiveCall{{CallID: "b1", Channel: "ch-talk", Queue: "gone", Enqueued: enq, State: acd.CallBridged,
			Agent: "alice", AgentChannel: "ch-alice", Bridge: "b-b1", Since: epoch.Add(-20 * time.Second)}},
		Records: map[string]*store.CallRecord{"b1": {ID: "b1", Direction: acd.DirectionInbound, Caller: "555",
			Entered: enq, Queue: "gone", Outcome: acd.OutcomeInProgress}},
	})
	now := epoch.Add(time.Second)
	c.Handle(now, pbx.Synced{Snapshot: pbx.Snapshot{Channels: []pbx.ChannelInfo{
		{ID: "ch-talk", Answered: true, Bridge: "b-b1"},
		{ID: "ch-alice", Answered: true, Bridge: "b-b1", Vars: map[string]string{pbx.VarRole: "agent", pbx.VarCallID: "b1"}},
	}}})
	for _, cmd := range cmds {
		if cmd.Op == OpHangup {
			t.Errorf("a leg of the conversation was hung up: %+v", cmd)
		}
	}
	if s := c.Status(now); s.Agents[0].State != "on-call" || s.Agents[0].Call != "b1" {
		t.Errorf("alice = %+v, want on-call with b1", s.Agents[0])
	}
	c.Handle(now.Add(time.Minute), pbx.HungUp{Base: pbx.Base{Channel: "ch-talk"}, Cause: pbx.CauseNormal})
	if rec := st.calls["b1"]; rec.Outcome != acd.OutcomeAnswered || rec.Agent != "alice" || rec.Ended.IsZero() {
		t.Errorf("b1 record = %+v, want answered by alice, ended", rec)
	}
}

// So does a conversation of an agent a reload removed: the agent finishes
// it (and its wrap-up), then is logged out, as the running daemon would
// have done.
func TestRestoreConversationOfRemovedAgent(t *testing.T) {
	cfg := parseConfig(t, basicConfig) // alice and bob: carol was removed
	var cmds []Command
	var timers []Timer
	st := newMemStore()
	c, err := NewCore(Options{Config: cfg, Out: timerOutputs{&cmds, &timers}, Store: st}, epoch)
	if err != nil {
		t.Fatal(err)
	}
	enq := epoch.Add(-40 * time.Second)
	c.Restore(epoch, Saved{
		Agents: []store.AgentState{{ID: "carol", State: acd.OnCall}},
		Active: []store.ActiveCall{{CallID: "b1", Channel: "ch-talk", Queue: "support", Enqueued: enq, State: acd.CallBridged,
			Agent: "carol", AgentChannel: "ch-carol", Bridge: "b-b1", Since: epoch.Add(-20 * time.Second)}},
		Records: map[string]*store.CallRecord{"b1": {ID: "b1", Direction: acd.DirectionInbound, Caller: "555",
			Entered: enq, Queue: "support", Outcome: acd.OutcomeInProgress}},
	})
	now := epoch.Add(time.Second)
	c.Handle(now, pbx.Synced{Snapshot: pbx.Snapshot{Channels: []pbx.ChannelInfo{
		{ID: "ch-talk", Answered: true, Bridge: "b-b1"},
		{ID: "ch-carol", Answered: true, Bridge: "b-b1", Vars: map[string]string{pbx.VarRole: "agent", pbx.VarCallID: "b1"}},
	}}})
	for _, cmd := range cmds {
		if cmd.Op == OpHangup {
			t.Errorf("a leg of the conversation was hung up: %+v", cmd)
		}
	}
	c.Handle(now.Add(time.Minute), pbx.HungUp{Base: pbx.Base{Channel: "ch-talk"}, Cause: pbx.CauseNormal})
	if rec := st.calls["b1"]; rec.Outcome != acd.OutcomeAnswered || rec.Agent != "carol" || rec.Ended.IsZero() {
		t.Errorf("b1 record = %+v, want answered by carol, ended", rec)
	}
	for _, tm := range timers {
		if tm.Kind == TimerWrapUp {
			c.Fire(now.Add(time.Hour), tm)
		}
	}
	for _, a := range c.Status(now.Add(time.Hour)).Agents {
		if a.ID == "carol" {
			t.Errorf("carol, removed, is still shown after her call: %+v", a)
		}
	}
}

// A callback request of a queue the config no longer has is failed at
// restart, with a warning naming it, its number kept: it was skipped and
// left pending in the store for good, read again at every start.
func TestRestoreCallbackOfRemovedQueue(t *testing.T) {
	cfg := parseConfig(t, basicConfig) // support only: "gone" was removed
	st := newMemStore()
	c, err := NewCore(Options{Config: cfg, Out: recordOutputs{new([]Command)}, Store: st}, epoch)
	if err != nil {
		t.Fatal(err)
	}
	c.Restore(epoch, Saved{Callbacks: []store.Callback{
		{ID: "cb1", Queue: "gone", Number: "+15550001", Requested: epoch.Add(-time.Hour), State: acd.CallbackPending},
		{ID: "cb2", Queue: "gone", Number: "+15550002", State: acd.CallbackDone},
	}})
	if got := st.callbacks["cb1"]; got.State != acd.CallbackFailed || got.Number != "+15550001" || !got.Requested.Equal(epoch.Add(-time.Hour)) {
		t.Errorf("cb1 saved as %+v, want failed with its number and request time", got)
	}
	if _, saved := st.callbacks["cb2"]; saved {
		t.Error("a request already done was saved again")
	}
	if n := c.Warnings()["callback-queue-removed"]; n != 1 {
		t.Errorf("%d callback-queue-removed warnings, want 1", n)
	}
}
