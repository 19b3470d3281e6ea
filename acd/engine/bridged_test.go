package engine

import (
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx"
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
