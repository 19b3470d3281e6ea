package engine

import (
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/store"
)

// TestWhoHungUpDuringLinkGap: a conversation whose parties leave while the
// link to the switch is down is blamed on the side the switch no longer
// holds when the link comes back. With both gone, the switch has kept no
// word of who left first: the record says the side is unknown (link down)
// rather than blaming the caller.
func TestWhoHungUpDuringLinkGap(t *testing.T) {
	for _, tc := range []struct {
		name         string
		caller, agnt bool // still up when the link returns
		want         acd.HangupBy
		step         string
	}{
		{"caller left", false, true, acd.HangupCaller, "caller-hangup"},
		{"agent left", true, false, acd.HangupAgent, "agent-gone-during-gap"},
		{"both left", false, false, acd.HangupUnknown, "both-gone-during-gap"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, st, leg := talking(t, epoch.Add(2*time.Second))
			down, back := epoch.Add(10*time.Second), epoch.Add(30*time.Second)
			c.Handle(down, pbx.Disconnected{Base: pbx.Base{At: down}})
			var snap pbx.Snapshot
			if tc.caller {
				snap.Channels = append(snap.Channels, pbx.ChannelInfo{ID: "ch-1", Answered: true})
			}
			if tc.agnt {
				snap.Channels = append(snap.Channels, pbx.ChannelInfo{ID: leg, Answered: true,
					Vars: map[string]string{pbx.VarRole: "agent", pbx.VarAgent: "alice"}})
			}
			c.Handle(back, pbx.Synced{Reconnect: true, Snapshot: snap})
			var rec store.CallRecord
			for _, r := range st.calls {
				rec = r
			}
			if rec.HangupBy != tc.want || !hasStep(rec, tc.step, "") {
				t.Errorf("hangup_by %q, timeline %s; want %q and a %s step", rec.HangupBy, timelineKinds(rec), tc.want, tc.step)
			}
			if !rec.Ended.Equal(back) || !rec.EndEarliest.Equal(down) {
				t.Errorf("record ends in [%v, %v], want [%v, %v]", rec.EndEarliest, rec.Ended, down, back)
			}
			if err := rec.HangupBy.Valid(); err != nil {
				t.Error(err)
			}
		})
	}
}

// talking is a core on basicConfig whose caller ch-1 (arrived at epoch)
// talks to alice, who answered on leg at answered.
func talking(t *testing.T, answered time.Time) (c *Core, st *memStore, leg pbx.ChannelID) {
	t.Helper()
	st = newMemStore()
	var cmds []Command
	c, err := NewCore(Options{Config: parseConfig(t, basicConfig), Out: recordOutputs{&cmds}, Store: st}, epoch)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Login(epoch, "alice"); err != nil {
		t.Fatal(err)
	}
	c.Handle(epoch, pbx.CallArrived{Base: pbx.Base{Channel: "ch-1", At: epoch}, Caller: "555", Called: "100"})
	leg = cmds[len(cmds)-1].Originate.ChannelID
	c.Handle(answered, pbx.Answered{Base: pbx.Base{Channel: leg, At: answered}})
	confirmBridge(c, cmds, answered)
	return c, st, leg
}
