package engine

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/contact"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/sim"
	"github.com/hotline-cc/hotline/store"
)

// A caller waiting for their preferred agent when the daemon restarts
// still waits for them, up to the queue's contact wait counted from when
// they queued, and keeps their contact's tags.
func TestRestartKeepsCallerContact(t *testing.T) {
	vip := contact.OnCall{ID: 7, Known: true, Tags: []string{"vip"}, PreferredAgent: "bob"}
	match := func(_ context.Context, _, number string, _ time.Time) (contact.OnCall, error) {
		if number == "+12125550101" {
			return vip, nil
		}
		return contact.OnCall{}, nil
	}
	st := newMemStore()
	r, err := NewSimRun(SimOptions{Core: Options{Config: parseConfig(t, contactRoutingConfig), Store: st, IDPrefix: "run1",
		MatchCaller: match}, Start: epoch, Sim: sim.Options{Seed: 3}})
	if err != nil {
		t.Fatal(err)
	}
	first := r.Core
	r.Core.out = runOutputs{r: r, core: &first}
	// alice's calls last 5 s (then 5 s of wrap-up), bob's 2 min.
	_ = r.Switch.SetPhone("sim/alice", answers(0, 5*time.Second))
	_ = r.Switch.SetPhone("sim/bob", answers(0, 2*time.Minute))
	if err := r.Login("alice", "bob"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		at   time.Duration
		from string
	}{{0, "555"}, {0, "555"}, {5 * time.Second, "+12125550101"}} {
		r.RunUntil(epoch.Add(c.at))
		if _, err := r.Switch.PlaceCall(farend.CallScript{From: c.from, To: "100", HangupAfter: 10 * time.Minute}); err != nil {
			t.Fatal(err)
		}
	}
	// Restarted at 8 s: alice is free, the caller waits for bob (busy)
	// until 25 s.
	r.RunUntil(epoch.Add(8 * time.Second))
	restart(t, r, st, "run2", nil)
	var waiting *call
	for _, cl := range r.Core.calls {
		if cl.rec.Caller == "+12125550101" {
			waiting = cl
		}
	}
	if waiting == nil {
		t.Fatal("the caller is not a live call after the restart")
	}
	if !slices.Equal(waiting.contact.Tags, vip.Tags) || waiting.contact.PreferredAgent != "bob" {
		t.Errorf("contact after the restart %+v, want %+v", waiting.contact, vip)
	}
	r.RunUntil(epoch.Add(15 * time.Minute))
	for _, rec := range records(st) {
		if rec.Caller != "+12125550101" {
			continue
		}
		if len(rec.Attempts) == 0 {
			t.Fatalf("never rung: %+v", rec)
		}
		first := rec.Attempts[0]
		if after := first.At.Sub(rec.Entered).Round(time.Second); first.Agent != "alice" || after != 20*time.Second {
			t.Errorf("first rang %s after %v, want alice after the contact wait of 20s (bob busy)", first.Agent, after)
		}
		return
	}
	t.Fatal("no record of the caller")
}

// A caller cut by a restart before its contact was matched is matched when
// it is routed again, as at arrival.
func TestRestartMatchesCallerCutBeforeMatch(t *testing.T) {
	vip := contact.OnCall{ID: 7, Known: true, Tags: []string{"vip"}, PreferredAgent: "bob"}
	var asked []string
	match := func(_ context.Context, _, number string, _ time.Time) (contact.OnCall, error) {
		asked = append(asked, number)
		return vip, nil
	}
	var cmds []Command
	c, err := NewCore(Options{Config: parseConfig(t, contactRoutingConfig), Out: recordOutputs{&cmds}, Store: newMemStore(),
		MatchCaller: match}, epoch)
	if err != nil {
		t.Fatal(err)
	}
	arrived := epoch.Add(-2 * time.Second)
	c.Restore(epoch, Saved{
		Agents: []store.AgentState{{ID: "alice", State: acd.Available}},
		Active: []store.ActiveCall{{CallID: "n1", Channel: "ch-new", State: acd.CallNew, Direction: acd.DirectionInbound, Since: arrived}},
		Records: map[string]*store.CallRecord{"n1": {ID: "n1", Direction: acd.DirectionInbound, Caller: "+12125550101", Called: "100",
			Entered: arrived, Outcome: acd.OutcomeInProgress}},
	})
	c.Handle(epoch, pbx.Synced{Snapshot: pbx.Snapshot{Channels: []pbx.ChannelInfo{{ID: "ch-new", Answered: true, Called: "100"}}}})
	cl := c.calls["n1"]
	if cl == nil || len(asked) != 1 || asked[0] != "+12125550101" {
		t.Fatalf("matcher asked for %v; call %v", asked, cl)
	}
	if cl.rec.Contact != vip.ID || !slices.Equal(cl.contact.Tags, vip.Tags) || cl.queue == nil || cl.priority != 10 {
		t.Errorf("call after the restart: contact %d %+v, phase %v, priority %d; want contact 7 with tag vip, in support at priority 10",
			cl.rec.Contact, cl.contact, cl.phase, cl.priority)
	}
}
