package engine

import (
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/sim"
	"github.com/hotline-cc/hotline/store"
)

// TestTalkStartsWhenBothAreBridged: the agent answers at 2 s; the switch
// puts each party into the bridge when it can (a caller still hearing an
// announcement joins when it ends). Talk counts from the moment both are
// in, and the record keeps the agent's answer as its own time.
func TestTalkStartsWhenBothAreBridged(t *testing.T) {
	const caller = pbx.ChannelID("ch-1")
	type join struct {
		at     time.Duration
		ch     string // "caller", "agent" or a channel id
		bridge string // "" is the call's bridge
	}
	for _, tc := range []struct {
		name        string
		joins       []join
		hangup      time.Duration
		wantTalk    time.Duration
		wantBridged time.Duration // 0: never both bridged
	}{
		{"bridged at once", []join{{2020 * time.Millisecond, "agent", ""}, {2020 * time.Millisecond, "caller", ""}},
			12 * time.Second, 9980 * time.Millisecond, 2020 * time.Millisecond},
		{"announcement delays the caller", []join{{2020 * time.Millisecond, "agent", ""}, {4500 * time.Millisecond, "caller", ""}},
			12 * time.Second, 7500 * time.Millisecond, 4500 * time.Millisecond},
		{"slow bridge, caller first", []join{{3 * time.Second, "caller", ""}, {5 * time.Second, "agent", ""}},
			12 * time.Second, 7 * time.Second, 5 * time.Second},
		{"caller gone before joining", []join{{2020 * time.Millisecond, "agent", ""}},
			4 * time.Second, 0, 0},
		{"other bridge and a listener do not count", []join{{2020 * time.Millisecond, "agent", ""},
			{2500 * time.Millisecond, "caller", "b-other"}, {3 * time.Second, "ch-supervisor", ""}, {6 * time.Second, "caller", ""}},
			12 * time.Second, 6 * time.Second, 6 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := newMemStore()
			var cmds []Command
			c, err := NewCore(Options{Config: parseConfig(t, basicConfig), Out: recordOutputs{&cmds}, Store: st}, epoch)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Login(epoch, "alice"); err != nil {
				t.Fatal(err)
			}
			c.Handle(epoch, pbx.CallArrived{Base: pbx.Base{Channel: caller, At: epoch}, Caller: "555", Called: "100"})
			leg := cmds[len(cmds)-1].Originate.ChannelID
			answered := epoch.Add(2 * time.Second)
			c.Handle(answered, pbx.Answered{Base: pbx.Base{Channel: leg, At: answered}})
			var bridge pbx.BridgeID
			for _, cmd := range cmds {
				if cmd.Op == OpBridge {
					bridge = cmd.Bridge
				}
			}
			if bridge == "" {
				t.Fatal("no bridge command after the answer")
			}
			for _, j := range tc.joins {
				ch, br := pbx.ChannelID(j.ch), bridge
				switch j.ch {
				case "caller":
					ch = caller
				case "agent":
					ch = leg
				}
				if j.bridge != "" {
					br = pbx.BridgeID(j.bridge)
				}
				at := epoch.Add(j.at)
				c.Handle(at, pbx.BridgeJoined{Base: pbx.Base{Channel: ch, At: at}, Bridge: br})
				if live := c.Status(at).Calls; len(live) == 1 && tc.wantBridged != 0 && j.at < tc.wantBridged && live[0].Talk != 0 {
					t.Errorf("at %v, before both are bridged, live talk = %v; want 0", j.at, live[0].Talk)
				}
			}
			end := epoch.Add(tc.hangup)
			c.Handle(end, pbx.HungUp{Base: pbx.Base{Channel: caller, At: end}, Cause: pbx.CauseNormal})
			rec := st.calls[st.finished[0]]
			if rec.Outcome != acd.OutcomeAnswered || !rec.Answered.Equal(answered) {
				t.Errorf("outcome %s answered %v; want answered at %v (the agent's answer)", rec.Outcome, rec.Answered, answered)
			}
			if rec.Talk != tc.wantTalk {
				t.Errorf("talk = %v, want %v", rec.Talk, tc.wantTalk)
			}
			var wantBridged time.Time
			if tc.wantBridged != 0 {
				wantBridged = epoch.Add(tc.wantBridged)
			}
			if !rec.Bridged.Equal(wantBridged) {
				t.Errorf("bridged at %v, want %v", rec.Bridged, wantBridged)
			}
			if got := hasStep(rec, "bridged", ""); got != (tc.wantBridged != 0) {
				t.Errorf("timeline has a bridged step: %v, want %v", got, tc.wantBridged != 0)
			}
			for _, a := range c.Status(end).Agents {
				if a.ID == "alice" && a.Talk != tc.wantTalk {
					t.Errorf("alice's talk = %v, want %v", a.Talk, tc.wantTalk)
				}
			}
		})
	}
}

// confirmBridge tells c that the switch put the channels of its last bridge
// command into the bridge at at, as a switch does once it has bridged them.
func confirmBridge(c *Core, cmds []Command, at time.Time) {
	for i := len(cmds) - 1; i >= 0; i-- {
		if cmds[i].Op == OpBridge {
			for _, ch := range cmds[i].Chans {
				c.Handle(at, pbx.BridgeJoined{Base: pbx.Base{Channel: ch, At: at}, Bridge: cmds[i].Bridge})
			}
			return
		}
	}
}

// TestSlowSwitchBridgeIsNotTalk: on a simulated switch that carries out
// every command 1.5 s late, the parties are in the bridge 1.5 s after the
// agent answered; the record says so and its talk leaves those 1.5 s out.
func TestSlowSwitchBridgeIsNotTalk(t *testing.T) {
	const latency = 1500 * time.Millisecond
	st := newMemStore()
	r, err := NewSimRun(SimOptions{Core: Options{Config: parseConfig(t, basicConfig), Store: st, Seed: 5},
		Start: epoch, Sim: sim.Options{Seed: 5, Latency: latency}})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Switch.SetPhone("sim/alice", answers(2*time.Second, 30*time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := r.Login("alice"); err != nil {
		t.Fatal(err)
	}
	r.Clock.Schedule(epoch.Add(time.Second), func() {
		if _, err := r.Switch.PlaceCall(farend.CallScript{From: "555", To: "100"}); err != nil {
			t.Error(err)
		}
	})
	r.RunUntil(epoch.Add(2 * time.Minute))
	if len(st.finished) != 1 {
		t.Fatalf("%d calls finished, want 1", len(st.finished))
	}
	rec := st.calls[st.finished[0]]
	if rec.Answered.IsZero() || rec.Bridged.Sub(rec.Answered) != latency {
		t.Fatalf("answered %v bridged %v; want bridged %v after the answer", rec.Answered, rec.Bridged, latency)
	}
	if want := rec.Ended.Sub(rec.Bridged); rec.Talk != want {
		t.Errorf("talk = %v, want %v (end − bridged, not %v from the answer)", rec.Talk, want, rec.Ended.Sub(rec.Answered))
	}
}

// TestRestoredCallTalksFromItsBridge: a conversation restored after a
// restart keeps talking from the bridge time its record holds; a record
// written before bridges were confirmed talks from its answer.
func TestRestoredCallTalksFromItsBridge(t *testing.T) {
	answered := epoch.Add(-40 * time.Second)
	for _, tc := range []struct {
		name     string
		bridged  time.Time
		wantTalk time.Duration
	}{
		{"bridge in the record", answered.Add(3 * time.Second), 37 * time.Second},
		{"record without a bridge time", time.Time{}, 40 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := newMemStore()
			c, err := NewCore(Options{Config: parseConfig(t, basicConfig), Out: recordOutputs{new([]Command)}, Store: st}, epoch)
			if err != nil {
				t.Fatal(err)
			}
			c.Restore(epoch, Saved{
				Agents: []store.AgentState{{ID: "alice", State: acd.OnCall}},
				Active: []store.ActiveCall{{CallID: "b1", Channel: "ch-talk", Queue: "support", Enqueued: answered.Add(-5 * time.Second),
					State: acd.CallBridged, Agent: "alice", AgentChannel: "ch-alice", Bridge: "b-b1", Since: answered}},
				Records: map[string]*store.CallRecord{"b1": {ID: "b1", Direction: acd.DirectionInbound, Caller: "555",
					Entered: answered.Add(-5 * time.Second), Queue: "support", Agent: "alice", Answered: answered,
					Bridged: tc.bridged, Outcome: acd.OutcomeInProgress}},
			})
			c.Handle(epoch, pbx.Synced{Snapshot: pbx.Snapshot{
				Channels: []pbx.ChannelInfo{{ID: "ch-talk", Answered: true, Bridge: "b-b1"}, {ID: "ch-alice", Answered: true, Bridge: "b-b1"}},
				Bridges:  []pbx.BridgeInfo{{ID: "b-b1", Channels: []pbx.ChannelID{"ch-talk", "ch-alice"}}}}})
			c.Handle(epoch, pbx.HungUp{Base: pbx.Base{Channel: "ch-talk", At: epoch}, Cause: pbx.CauseNormal})
			rec := st.calls["b1"]
			if rec.Outcome != acd.OutcomeAnswered || rec.Talk != tc.wantTalk {
				t.Errorf("outcome %s talk %v; want answered, talk %v", rec.Outcome, rec.Talk, tc.wantTalk)
			}
		})
	}
}
