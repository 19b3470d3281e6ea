package engine

import (
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/store"
)

// TestEndWhileDownIsAWindow: a conversation that ends while Hotline is down
// is recorded as ending somewhere between the last time it was seen up and
// the time the restarted daemon found it gone; talk counts only what was
// seen, never the downtime.
func TestEndWhileDownIsAWindow(t *testing.T) {
	st := newMemStore()
	var cmds []Command
	c, err := NewCore(Options{Config: parseConfig(t, basicConfig), Out: recordOutputs{&cmds}, Store: st}, epoch)
	if err != nil {
		t.Fatal(err)
	}
	enq, answered, lastStep := epoch.Add(-50*time.Second), epoch.Add(-40*time.Second), epoch.Add(-30*time.Second)
	c.Restore(epoch, Saved{
		Agents: []store.AgentState{{ID: "alice", State: acd.OnCall}},
		Active: []store.ActiveCall{{CallID: "b1", Channel: "ch-talk", Queue: "support", Enqueued: enq, State: acd.CallBridged,
			Agent: "alice", AgentChannel: "ch-alice", Bridge: "b-b1", Since: answered}},
		Records: map[string]*store.CallRecord{"b1": {ID: "b1", Direction: acd.DirectionInbound, Caller: "555",
			Entered: enq, Queue: "support", Agent: "alice", Answered: answered, Outcome: acd.OutcomeInProgress,
			Timeline: []store.Step{{At: answered, Kind: "connect", Agent: "alice"}, {At: lastStep, Kind: "spy-listen", Agent: "alice"}}}},
	})
	found := epoch.Add(time.Second)
	c.Handle(found, pbx.Synced{}) // the switch holds nothing any more
	rec := st.calls["b1"]
	if rec.Outcome != acd.OutcomeAnswered || !rec.Ended.Equal(found) || !rec.EndEarliest.Equal(lastStep) {
		t.Errorf("record: outcome %s, end in [%v, %v]; want answered, end in [%v, %v]",
			rec.Outcome, rec.EndEarliest, rec.Ended, lastStep, found)
	}
	if rec.Talk != 10*time.Second {
		t.Errorf("talk = %v, want the 10 s seen (not %v with the downtime)", rec.Talk, found.Sub(answered))
	}
	if a := c.Status(found).Agents[0]; a.Talk != 10*time.Second {
		t.Errorf("alice's talk = %v, want 10 s", a.Talk)
	}
}

// TestEndDuringLinkGapIsAWindow: with the daemon up but its link to the
// switch down, a caller who hangs up during the gap is recorded as ending
// between the moment the link went down and the moment it came back.
func TestEndDuringLinkGapIsAWindow(t *testing.T) {
	for _, tc := range []struct {
		name     string
		answer   bool
		wantTalk time.Duration
		wantWait time.Duration
	}{
		{"talking", true, 8 * time.Second, 2 * time.Second},
		{"waiting", false, 0, 10 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := newMemStore()
			var cmds []Command
			c, err := NewCore(Options{Config: parseConfig(t, basicConfig), Out: recordOutputs{&cmds}, Store: st}, epoch)
			if err != nil {
				t.Fatal(err)
			}
			if tc.answer {
				if err := c.Login(epoch, "alice"); err != nil {
					t.Fatal(err)
				}
			}
			c.Handle(epoch, pbx.CallArrived{Base: pbx.Base{Channel: "ch-1", At: epoch}, Caller: "555", Called: "100"})
			if tc.answer {
				var leg pbx.ChannelID
				for _, cmd := range cmds {
					if cmd.Op == OpOriginate {
						leg = cmd.Originate.ChannelID
					}
				}
				at := epoch.Add(2 * time.Second)
				c.Handle(at, pbx.Answered{Base: pbx.Base{Channel: leg, At: at}})
				confirmBridge(c, cmds, at)
			}
			down, back := epoch.Add(10*time.Second), epoch.Add(30*time.Second)
			c.Handle(down, pbx.Disconnected{Base: pbx.Base{At: down}})
			c.Handle(back, pbx.Synced{Reconnect: true})
			var rec store.CallRecord
			for _, r := range st.calls {
				rec = r
			}
			if rec.Ended.IsZero() || !rec.Ended.Equal(back) || !rec.EndEarliest.Equal(down) {
				t.Errorf("record ends in [%v, %v], want [%v, %v]", rec.EndEarliest, rec.Ended, down, back)
			}
			if rec.Talk != tc.wantTalk || rec.Wait != tc.wantWait {
				t.Errorf("talk %v wait %v, want %v and %v", rec.Talk, rec.Wait, tc.wantTalk, tc.wantWait)
			}
		})
	}
}

// TestLateHangupUsesSwitchTime: a hang-up that reaches the engine well
// after the switch stamped it ends the call at the switch's time.
func TestLateHangupUsesSwitchTime(t *testing.T) {
	c, st, _ := talking(t, epoch.Add(2*time.Second))
	hungUp, learned := epoch.Add(6*time.Second), epoch.Add(12*time.Second)
	c.Handle(learned, pbx.HungUp{Base: pbx.Base{Channel: "ch-1", At: hungUp}, Cause: pbx.CauseNormal})
	var rec store.CallRecord
	for _, r := range st.calls {
		rec = r
	}
	if !rec.Ended.Equal(hungUp) || rec.Talk != 4*time.Second || !rec.EndEarliest.IsZero() {
		t.Errorf("record: ended %v talk %v end_earliest %v; want ended %v (switch time), talk 4s, exact", rec.Ended, rec.Talk, rec.EndEarliest, hungUp)
	}
}
