package engine

import (
	"testing"

	"github.com/hotline-cc/hotline/acd/pbx"
)

// The dialplan's HOTLINE_PRIORITY sets a caller's priority; a value that is
// not an integer is warned about and ignored.
func TestPriorityFromChannelVariable(t *testing.T) {
	var cmds []Command
	c, err := NewCore(Options{Config: parseConfig(t, basicConfig), Out: recordOutputs{&cmds}, Store: newMemStore()}, epoch)
	if err != nil {
		t.Fatal(err)
	}
	for ch, v := range map[pbx.ChannelID]string{"ch-vip": "5", "ch-odd": "high", "ch-none": ""} {
		vars := map[string]string{pbx.VarPriority: v}
		if v == "" {
			vars = nil
		}
		c.Handle(epoch, pbx.CallArrived{Base: pbx.Base{Channel: ch, At: epoch}, Caller: "555", Called: "100", Vars: vars})
	}
	for ch, want := range map[pbx.ChannelID]int{"ch-vip": 5, "ch-odd": 0, "ch-none": 0} {
		if got := c.chans[ch].call.priority; got != want {
			t.Errorf("%s: priority %d, want %d", ch, got, want)
		}
	}
	if n := c.Warnings()["bad-priority"]; n != 1 {
		t.Errorf("bad-priority warnings = %d, want 1 (for %q)", n, "high")
	}
}
