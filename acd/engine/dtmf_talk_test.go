package engine

import (
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
)

// Keys pressed during the conversation are the conversation's (a card
// number keyed in for the agent): the record keeps that keys were
// pressed, one step per run of them by the same party, never which keys.
// Each key was a step with the key, so a card number was in the record.
func TestKeysInConversationKeptAsCount(t *testing.T) {
	c, st, cmds, _ := connectRecorded(t)
	var leg pbx.ChannelID
	for _, cmd := range *cmds {
		if cmd.Op == OpOriginate {
			leg = cmd.Originate.ChannelID
		}
	}
	now := epoch.Add(3 * time.Second)
	for i, d := range "4111111111111111" {
		c.Handle(now, pbx.DTMF{Base: pbx.Base{Channel: "in-1", At: now}, Digit: d})
		now = now.Add(time.Duration(i) * 10 * time.Millisecond)
	}
	for _, d := range "987" {
		c.Handle(now, pbx.DTMF{Base: pbx.Base{Channel: leg, At: now}, Digit: d})
	}
	c.Handle(now, pbx.DTMF{Base: pbx.Base{Channel: "in-1", At: now}, Digit: '#'})
	c.Handle(now.Add(time.Second), pbx.HungUp{Base: pbx.Base{Channel: "in-1", At: now.Add(time.Second)}, Cause: pbx.CauseNormal})
	r := finishedRecord(t, st)
	var got []string
	for _, s := range r.Timeline {
		if strings.Contains(s.Kind, "dtmf") {
			got = append(got, s.Kind+" "+s.Agent+" "+s.Detail)
		}
	}
	want := "dtmf-ignored  16 keys|agent-dtmf alice 3 keys|dtmf-ignored  1 key"
	if strings.Join(got, "|") != want {
		t.Errorf("key steps:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.ReplaceAll(want, "|", "\n"))
	}
}
