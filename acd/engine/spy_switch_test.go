package engine

import (
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
)

// A supervisor already in a call who asks for another mode with the same
// phone (listening, then barging in) has the old leg hung up and the phone
// rung once more in the new mode: the phone was rung a second time while
// still on the first leg, and the call kept both. Another phone joins
// beside.
func TestSpyAgainWithTheSamePhoneSwitchesMode(t *testing.T) {
	c, _, cmds, _ := connectRecorded(t)
	now := epoch.Add(5 * time.Second)
	first, err := c.Spy(now, "alice", pbx.SpyListen, "sim/sup", "")
	if err != nil {
		t.Fatal(err)
	}
	other, err := c.Spy(now, "alice", pbx.SpyListen, "sim/coach", "")
	if err != nil {
		t.Fatal(err)
	}
	*cmds = nil
	second, err := c.Spy(now.Add(time.Second), "alice", pbx.SpyBarge, "sim/sup", "")
	if err != nil {
		t.Fatal(err)
	}
	hung := map[pbx.ChannelID]bool{}
	for _, cmd := range *cmds {
		if cmd.Op == OpHangup {
			hung[cmd.Channel] = true
		}
	}
	if !hung[pbx.ChannelID(first)] || hung[pbx.ChannelID(other)] || len(hung) != 1 {
		t.Errorf("hung up %v, want %s (the phone's listening leg) only", hung, first)
	}
	cl := c.calls[c.agentIdx["alice"].call.id]
	var got []string
	for _, sp := range cl.spies {
		got = append(got, sp.Channel+" "+sp.Endpoint+" "+sp.Mode.String())
	}
	want := other + " sim/coach listen|" + second + " sim/sup barge"
	if len(got) != 2 || got[0]+"|"+got[1] != want {
		t.Errorf("spies %q, want %q", got, want)
	}
	// The old leg's hang-up is expected: no warning.
	c.Handle(now.Add(2*time.Second), pbx.HungUp{Base: pbx.Base{Channel: pbx.ChannelID(first)}, Cause: pbx.CauseNormal})
	if w := c.Warnings(); w["unknown-channel"] != 0 {
		t.Errorf("warnings %v", w)
	}
}
