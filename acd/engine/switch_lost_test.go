package engine

import (
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx"
)

// TestWaitingCallerLostWithSwitch: callers waiting when the link to the
// switch drops. When the switch comes back holding none of Hotline's
// channels (it crashed or restarted), the callers it lost were ended by
// the switch, not abandoned: the queue's abandonment is not inflated.
// When the switch still holds another caller, the one gone hung up.
func TestWaitingCallerLostWithSwitch(t *testing.T) {
	for _, tc := range []struct {
		name      string
		kept      bool // ch-2 is still up when the link returns
		by        acd.HangupBy
		cause     string
		outcome   acd.Outcome
		abandoned int
	}{
		{"switch lost every channel", false, acd.HangupSystem, causeSwitchLost, acd.OutcomeFailed, 0},
		{"the switch kept another caller", true, acd.HangupCaller, "normal", acd.OutcomeAbandoned, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := newMemStore()
			c, err := NewCore(Options{Config: parseConfig(t, basicConfig), Out: recordOutputs{new([]Command)}, Store: st}, epoch)
			if err != nil {
				t.Fatal(err)
			}
			c.Handle(epoch, pbx.CallArrived{Base: pbx.Base{Channel: "ch-1", At: epoch}, Caller: "555", Called: "100"})
			c.Handle(epoch, pbx.CallArrived{Base: pbx.Base{Channel: "ch-2", At: epoch}, Caller: "556", Called: "100"})
			down, back := epoch.Add(10*time.Second), epoch.Add(30*time.Second)
			c.Handle(down, pbx.Disconnected{Base: pbx.Base{At: down}})
			var snap pbx.Snapshot
			if tc.kept {
				snap.Channels = append(snap.Channels, pbx.ChannelInfo{ID: "ch-2", Answered: true})
			}
			c.Handle(back, pbx.Synced{Reconnect: true, Snapshot: snap})

			found := false
			for _, r := range records(st) {
				if r.Channel != "ch-1" {
					continue
				}
				found = true
				if r.HangupBy != tc.by || r.Cause != tc.cause || r.Outcome != tc.outcome {
					t.Errorf("ch-1 record: by %s cause %q outcome %s; want %s %q %s (timeline %s)", r.HangupBy, r.Cause, r.Outcome, tc.by, tc.cause, tc.outcome, timelineKinds(r))
				}
			}
			if !found {
				t.Fatalf("no record of ch-1: %+v", records(st))
			}
			if q := c.Status(back).Queues[0]; q.Abandoned != tc.abandoned {
				t.Errorf("queue abandoned %d, want %d", q.Abandoned, tc.abandoned)
			}
		})
	}
}
