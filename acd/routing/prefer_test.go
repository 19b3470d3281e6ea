package routing

import (
	"testing"
	"time"
)

// A preference keeps the call for its agent while it holds, under every
// strategy; an agent who cannot take the call releases it at once.
func TestSelectPreferredAgent(t *testing.T) {
	paused := Agent{LoggedIn: true, Paused: true, IdleSince: t0}
	loggedOut := Agent{IdleSince: t0}
	prefer := func(agent int32, waited time.Duration) Request {
		r := anyone()
		r.Prefer, r.Waited = Preference{Agent: agent, For: 20 * time.Second}, waited
		return r
	}
	cases := []selectCase{
		{name: "preferred free", agents: []Agent{ready(time.Hour), ready(time.Second)}, req: prefer(1, 0), want: []int32{1}},
		{name: "preferred busy: the call waits", agents: []Agent{ready(time.Hour), busy()}, req: prefer(1, 5*time.Second), want: nil},
		{name: "wait over: the queue's choice", agents: []Agent{ready(time.Hour), busy()}, req: prefer(1, 20*time.Second), want: []int32{0}},
		{name: "preferred paused", agents: []Agent{ready(time.Hour), paused}, req: prefer(1, 0), want: []int32{0}},
		{name: "preferred logged out", agents: []Agent{ready(time.Hour), loggedOut}, req: prefer(1, 0), want: []int32{0}},
		{name: "preferred not a member", agents: []Agent{ready(time.Hour), busy()}, members: []Member{{Agent: 0}},
			req: prefer(1, 0), want: []int32{0}},
		{name: "preferred lacks the skill", agents: []Agent{ready(time.Hour, 3), busy(0)},
			req: func() Request {
				r := prefer(1, 0)
				r.Req = Requirement{Needs: []Need{{Skill: 0, Min: 1}}, MaxPenalty: AnyPenalty}
				return r
			}(), want: []int32{0}},
		{name: "preferred above the penalty ceiling", agents: []Agent{ready(time.Hour), busy()},
			members: []Member{{Agent: 0}, {Agent: 1, Penalty: 5}},
			req: func() Request {
				r := prefer(1, 0)
				r.Req = Requirement{Needs: []Need{}, MaxPenalty: 2}
				return r
			}(), want: []int32{0}},
		{name: "index out of range", agents: []Agent{ready(time.Hour)}, req: prefer(7, 0), want: []int32{0}},
		{name: "no preference (For 0)", agents: []Agent{busy(), ready(time.Second)}, req: Request{Prefer: Preference{Agent: 0}}, want: []int32{1}},
	}
	for _, st := range []Strategy{LongestIdle, RoundRobin, FewestCalls, TopDown, RingAll, RingProgressively, SkillsBest} {
		t.Run(st.String(), func(t *testing.T) { runSelect(t, st, cases) })
	}
}

func TestTagPriority(t *testing.T) {
	table := map[string]int{"vip": 10, "gold": 5, "late-payer": -3}
	for _, tc := range []struct {
		tags []string
		want int
		ok   bool
	}{
		{nil, 0, false},
		{[]string{"new"}, 0, false},
		{[]string{"gold"}, 5, true},
		{[]string{"gold", "vip"}, 10, true},
		{[]string{"late-payer"}, -3, true},
		{[]string{"late-payer", "gold"}, 5, true},
	} {
		if got, ok := TagPriority(tc.tags, table); got != tc.want || ok != tc.ok {
			t.Errorf("TagPriority(%v) = %d %t, want %d %t", tc.tags, got, ok, tc.want, tc.ok)
		}
	}
}
