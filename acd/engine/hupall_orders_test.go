package engine

import (
	"fmt"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx"
)

// TestHupallAnyOrder: hupall ends hank's conversation (ch-1), ivy's
// ringing leg for ch-2 and ch-3 waiting, and the switch reports the
// hang-ups in whatever order its threads take them (FreeSWITCH walks a hash
// of its channels). In every order: no originate after the first hang-up
// (nobody is offered a caller the hupall ends), every record says the
// system ended it, none is abandoned.
func TestHupallAnyOrder(t *testing.T) {
	const cfgText = `
entries: [{number: "100", queue: support}]
queues: [{name: support, strategy: top-down, ring_timeout: 20s, wrap_up: 0s}]
agents:
  - {id: hank, endpoint: sim/hank, queues: [{queue: support}]}
  - {id: ivy, endpoint: sim/ivy, queues: [{queue: support}]}
`
	groups := []string{"ch-1", "hank", "ch-2", "ivy", "ch-3"}
	for _, order := range permutations(len(groups)) {
		for _, failedFirst := range []bool{true, false} {
			name := fmt.Sprint(order, failedFirst)
			var cmds []Command
			var timers []Timer
			st := newMemStore()
			out := timedOutputs{recordOutputs{&cmds}, &timers, map[Timer]time.Time{}}
			c, err := NewCore(Options{Config: parseConfig(t, cfgText), Out: out, Store: st}, epoch)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range []string{"hank", "ivy"} {
				if err := c.Login(epoch, a); err != nil {
					t.Fatal(err)
				}
			}
			at := epoch.Add(time.Second)
			c.Handle(at, pbx.CallArrived{Base: pbx.Base{Channel: "ch-1", At: at}, Caller: "555", Called: "100"})
			hankLeg := cmds[len(cmds)-1].Originate.ChannelID
			at = epoch.Add(2 * time.Second)
			c.Handle(at, pbx.Answered{Base: pbx.Base{Channel: hankLeg, At: at}})
			confirmBridge(c, cmds, at)
			at = epoch.Add(3 * time.Second)
			c.Handle(at, pbx.CallArrived{Base: pbx.Base{Channel: "ch-2", At: at}, Caller: "556", Called: "100"})
			ivyLeg := cmds[len(cmds)-1].Originate.ChannelID
			if ivyLeg == hankLeg || cmds[len(cmds)-1].Originate.Endpoint != "sim/ivy" {
				t.Fatalf("ch-2 not offered to ivy: %s", cmds[len(cmds)-1])
			}
			at = epoch.Add(4 * time.Second)
			c.Handle(at, pbx.CallArrived{Base: pbx.Base{Channel: "ch-3", At: at}, Caller: "557", Called: "100"})

			before := len(cmds)
			kill := epoch.Add(10 * time.Second)
			now := kill
			events := map[string][]pbx.Event{
				"ch-1": {pbx.BridgeLeft{Base: pbx.Base{Channel: "ch-1", At: now}}, pbx.HungUp{Base: pbx.Base{Channel: "ch-1", At: now}, Cause: pbx.CauseManagerRequest}},
				"hank": {pbx.BridgeLeft{Base: pbx.Base{Channel: hankLeg, At: now}}, pbx.HungUp{Base: pbx.Base{Channel: hankLeg, At: now}, Cause: pbx.CauseManagerRequest}},
				"ch-2": {pbx.HungUp{Base: pbx.Base{Channel: "ch-2", At: now}, Cause: pbx.CauseManagerRequest}},
				"ch-3": {pbx.HungUp{Base: pbx.Base{Channel: "ch-3", At: now}, Cause: pbx.CauseManagerRequest}},
			}
			fail := pbx.OriginateFailed{Base: pbx.Base{Channel: ivyLeg, At: now}, Reason: pbx.FailUnreachable, Cause: pbx.CauseManagerRequest}
			hung := pbx.HungUp{Base: pbx.Base{Channel: ivyLeg, At: now}, Cause: pbx.CauseManagerRequest}
			if failedFirst {
				events["ivy"] = []pbx.Event{fail, hung}
			} else {
				events["ivy"] = []pbx.Event{hung, fail}
			}
			for _, g := range order {
				for _, ev := range events[groups[g]] {
					c.Handle(now, ev)
				}
				now = now.Add(5 * time.Millisecond)
			}
			for _, tm := range timers {
				if due := out.due[tm]; !due.After(kill.Add(2*time.Second)) && due.After(kill) {
					c.Fire(due, tm)
				}
			}
			for _, cmd := range cmds[before:] {
				if cmd.Op == OpOriginate {
					t.Errorf("%s: %s after the hupall", name, cmd)
				}
			}
			recs := records(st)
			if len(recs) != 3 {
				t.Errorf("%s: %d records, want 3", name, len(recs))
			}
			for _, r := range recs {
				if r.HangupBy != acd.HangupSystem || r.Outcome == acd.OutcomeAbandoned {
					t.Errorf("%s: %s hung up by %s, outcome %s (timeline %s); want by the system", name, r.Channel, r.HangupBy, r.Outcome, timelineKinds(r))
				}
			}
			if q := c.Status(kill.Add(2 * time.Second)).Queues[0]; q.Abandoned != 0 {
				t.Errorf("%s: queue abandoned %d", name, q.Abandoned)
			}
		}
	}
}

// permutations lists every order of 0..n-1.
func permutations(n int) [][]int {
	if n == 0 {
		return [][]int{{}}
	}
	var out [][]int
	for _, p := range permutations(n - 1) {
		for i := 0; i <= len(p); i++ {
			q := append(append(append([]int{}, p[:i]...), n-1), p[i:]...)
			out = append(out, q)
		}
	}
	return out
}
