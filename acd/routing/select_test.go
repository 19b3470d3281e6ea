package routing

import (
	"slices"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// ready is an available agent idle for idle, with the given skill levels
// (indexed by SkillID).
func ready(idle time.Duration, levels ...uint8) Agent {
	return Agent{Levels: levels, LoggedIn: true, Available: true, IdleSince: t0.Add(-idle)}
}

func busy(levels ...uint8) Agent {
	return Agent{Levels: levels, LoggedIn: true, IdleSince: t0.Add(-time.Hour)}
}

// members makes agent i a member with Order i, penalty 0, tier 0.
func members(n int) []Member {
	ms := make([]Member, n)
	for i := range ms {
		ms[i] = Member{Agent: int32(i), Order: i}
	}
	return ms
}

func anyone() Request { return Request{Req: Requirement{MaxPenalty: AnyPenalty}} }

type selectCase struct {
	name    string
	agents  []Agent
	members []Member // nil = members(len(agents))
	req     Request  // zero = anyone()
	want    []int32
}

func runSelect(t *testing.T, st Strategy, cases []selectCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q := QueueState{Strategy: st, Members: tc.members}
			if q.Members == nil {
				q.Members = members(len(tc.agents))
			}
			req := tc.req
			if req.Req.Needs == nil && req.Req.MaxPenalty == 0 {
				req.Req.MaxPenalty = AnyPenalty
			}
			got := q.Select(tc.agents, req, t0, nil)
			if !slices.Equal(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
				t.Errorf("%v: got %v, want %v", st, got, tc.want)
			}
		})
	}
}

// commonCases hold for every strategy that returns a single agent.
func commonCases(st Strategy) []selectCase {
	return []selectCase{
		{name: "nobody", agents: nil, want: nil},
		{name: "none available", agents: []Agent{busy(), busy()}, want: nil},
		{name: "only available one", agents: []Agent{busy(), ready(time.Second), busy()}, want: []int32{1}},
		{
			name:   "lacks skill",
			agents: []Agent{ready(time.Hour, 0, 3), ready(time.Second, 5, 0)},
			req:    Request{Req: Requirement{Needs: []Need{{Skill: 0, Min: 1}}, MaxPenalty: AnyPenalty}},
			want:   []int32{1},
		},
		{
			name:   "level too low",
			agents: []Agent{ready(time.Hour, 2), ready(time.Second, 4)},
			req:    Request{Req: Requirement{Needs: []Need{{Skill: 0, Min: 3}}, MaxPenalty: AnyPenalty}},
			want:   []int32{1},
		},
		{
			name:   "skill id past levels",
			agents: []Agent{ready(time.Hour, 9), ready(time.Second, 0, 0, 0, 1)},
			req:    Request{Req: Requirement{Needs: []Need{{Skill: 3, Min: 1}}, MaxPenalty: AnyPenalty}},
			want:   []int32{1},
		},
		{
			name:    "lower penalty beats everything",
			agents:  []Agent{ready(time.Hour), ready(time.Second)},
			members: []Member{{Agent: 0, Penalty: 2}, {Agent: 1, Penalty: 1, Order: 5}},
			want:    []int32{1},
		},
		{
			name:    "higher penalty when lower is busy",
			agents:  []Agent{busy(), ready(time.Second)},
			members: []Member{{Agent: 0, Penalty: 0}, {Agent: 1, Penalty: 3}},
			want:    []int32{1},
		},
		{
			name:    "penalty ceiling",
			agents:  []Agent{busy(), ready(time.Second)},
			members: []Member{{Agent: 0, Penalty: 0}, {Agent: 1, Penalty: 3}},
			req:     Request{Req: Requirement{Needs: []Need{}, MaxPenalty: 2}},
			want:    nil,
		},
		{
			name:    "penalty at ceiling",
			agents:  []Agent{busy(), ready(time.Second)},
			members: []Member{{Agent: 0, Penalty: 0}, {Agent: 1, Penalty: 2}},
			req:     Request{Req: Requirement{Needs: []Need{}, MaxPenalty: 2}},
			want:    []int32{1},
		},
		{
			name:    "non-member not offered",
			agents:  []Agent{ready(time.Hour), ready(time.Second)},
			members: []Member{{Agent: 1}},
			want:    []int32{1},
		},
	}
}

func TestSelectCommon(t *testing.T) {
	for _, st := range []Strategy{LongestIdle, RoundRobin, FewestCalls, LeastTalkTime, TopDown, Random, WeightedRandom, SkillsBest} {
		t.Run(st.String(), func(t *testing.T) { runSelect(t, st, commonCases(st)) })
	}
}

func TestSelectLongestIdle(t *testing.T) {
	runSelect(t, LongestIdle, []selectCase{
		{name: "longest", agents: []Agent{ready(time.Minute), ready(time.Hour), ready(time.Second)}, want: []int32{1}},
		{name: "busy longest skipped", agents: []Agent{ready(time.Minute), busy(), ready(time.Second)}, want: []int32{0}},
		{
			name:    "tie goes to lower order",
			agents:  []Agent{ready(time.Minute), ready(time.Minute)},
			members: []Member{{Agent: 0, Order: 2}, {Agent: 1, Order: 1}},
			want:    []int32{1},
		},
		{
			name:    "tie on order goes to lower agent",
			agents:  []Agent{ready(time.Minute), ready(time.Minute)},
			members: []Member{{Agent: 1}, {Agent: 0}},
			want:    []int32{0},
		},
		{
			name:   "idle since the future counts as just idle",
			agents: []Agent{ready(-time.Hour), ready(0)},
			want:   []int32{0}, // both idle 0: tie → order
		},
		{name: "never idle (zero time) is longest", agents: []Agent{ready(time.Hour), {Available: true}}, want: []int32{1}},
	})
}

func TestSelectFewestCalls(t *testing.T) {
	a := []Agent{ready(time.Hour), ready(time.Second), ready(time.Minute)}
	a[0].Calls, a[1].Calls, a[2].Calls = 5, 2, 2
	runSelect(t, FewestCalls, []selectCase{
		{name: "fewest, tie to longest idle", agents: a, want: []int32{2}},
		{name: "fewest busy", agents: []Agent{a[0], busy(), a[1]}, want: []int32{2}},
	})
}

func TestSelectLeastTalkTime(t *testing.T) {
	a := []Agent{ready(time.Hour), ready(time.Second), ready(time.Minute)}
	a[0].TalkTime, a[1].TalkTime, a[2].TalkTime = time.Minute, 3*time.Minute, 2*time.Minute
	a[0].Calls = 100 // calls do not matter here
	runSelect(t, LeastTalkTime, []selectCase{
		{name: "least", agents: a, want: []int32{0}},
		{name: "tie to longest idle", agents: []Agent{a[1], a[2], func() Agent { x := a[2]; x.IdleSince = t0; return x }()}, want: []int32{1}},
	})
}

func TestSelectTopDown(t *testing.T) {
	runSelect(t, TopDown, []selectCase{
		{
			name:    "lowest order, not longest idle",
			agents:  []Agent{ready(time.Hour), ready(time.Second), ready(time.Minute)},
			members: []Member{{Agent: 0, Order: 3}, {Agent: 1, Order: 1}, {Agent: 2, Order: 2}},
			want:    []int32{1},
		},
		{
			name:    "first is busy",
			agents:  []Agent{ready(time.Hour), busy(), ready(time.Minute)},
			members: []Member{{Agent: 0, Order: 3}, {Agent: 1, Order: 1}, {Agent: 2, Order: 2}},
			want:    []int32{2},
		},
	})
}

func TestSelectSkillsBest(t *testing.T) {
	needs := Request{Req: Requirement{Needs: []Need{{Skill: 0, Min: 1}, {Skill: 2, Min: 2}}, MaxPenalty: AnyPenalty}}
	runSelect(t, SkillsBest, []selectCase{
		{
			name:   "highest sum of needed levels",
			agents: []Agent{ready(time.Hour, 3, 0, 3), ready(time.Second, 5, 0, 4), ready(time.Minute, 2, 9, 5)},
			req:    needs,
			want:   []int32{1}, // 9 beats 7 and 6; the unneeded skill 1 does not count
		},
		{
			name:   "tie to longest idle",
			agents: []Agent{ready(time.Second, 4, 0, 4), ready(time.Hour, 3, 0, 5), ready(time.Minute, 5, 0, 3)},
			req:    needs,
			want:   []int32{1},
		},
		{
			name:   "best lacks a need",
			agents: []Agent{ready(time.Hour, 9, 9, 1), ready(time.Second, 1, 0, 2)},
			req:    needs,
			want:   []int32{1},
		},
		{
			name:   "no needs: longest idle",
			agents: []Agent{ready(time.Second, 9), ready(time.Hour, 1)},
			want:   []int32{1},
		},
	})
}

func TestSelectRingAll(t *testing.T) {
	runSelect(t, RingAll, []selectCase{
		{name: "nobody available", agents: []Agent{busy(), busy()}, want: nil},
		{
			name:    "all eligible by order",
			agents:  []Agent{ready(time.Hour), busy(), ready(time.Second), ready(time.Minute)},
			members: []Member{{Agent: 0, Order: 9}, {Agent: 1, Order: 1}, {Agent: 2, Order: 5}, {Agent: 3, Order: 5}},
			want:    []int32{2, 3, 0},
		},
		{
			name:    "lowest penalty group only",
			agents:  []Agent{ready(time.Hour), ready(time.Second), ready(time.Minute), busy()},
			members: []Member{{Agent: 0, Penalty: 1}, {Agent: 1, Penalty: 2}, {Agent: 2, Penalty: 1, Order: 1}, {Agent: 3}},
			want:    []int32{0, 2},
		},
		{
			name:   "skills filter",
			agents: []Agent{ready(time.Hour, 1), ready(time.Second, 0), ready(time.Minute, 3)},
			req:    Request{Req: Requirement{Needs: []Need{{Skill: 0, Min: 1}}, MaxPenalty: AnyPenalty}},
			want:   []int32{0, 2},
		},
	})
}

func TestSelectRingProgressively(t *testing.T) {
	agents := []Agent{ready(time.Hour), ready(time.Hour), ready(time.Hour), busy(), ready(time.Hour), ready(time.Hour)}
	ms := []Member{
		{Agent: 0, Tier: 1}, {Agent: 1, Tier: 2}, {Agent: 2, Tier: 1, Order: 1},
		{Agent: 3, Tier: 3}, {Agent: 4, Tier: 4}, {Agent: 5, Tier: 2, Penalty: 1},
	}
	step := 20 * time.Second
	at := func(waited time.Duration) Request {
		return Request{Req: Requirement{MaxPenalty: AnyPenalty}, Waited: waited, RingStep: step}
	}
	runSelect(t, RingProgressively, []selectCase{
		{name: "first tier at once", agents: agents, members: ms, req: at(0), want: []int32{0, 2}},
		{name: "still first tier", agents: agents, members: ms, req: at(step - 1), want: []int32{0, 2}},
		{name: "second tier after a step", agents: agents, members: ms, req: at(step), want: []int32{0, 2, 1}},
		// tier 3's only agent is busy: it costs no step, tier 4 comes next.
		{name: "empty tier skipped", agents: agents, members: ms, req: at(2 * step), want: []int32{0, 2, 1, 4}},
		{name: "all tiers reached", agents: agents, members: ms, req: at(time.Hour), want: []int32{0, 2, 1, 4}},
		{
			name: "no step rings every tier", agents: agents, members: ms,
			req: Request{Req: Requirement{MaxPenalty: AnyPenalty}}, want: []int32{0, 2, 1, 4},
		},
		{
			name: "penalty before tier", agents: []Agent{busy(), ready(time.Hour), ready(time.Hour)},
			members: []Member{{Agent: 0, Tier: 1}, {Agent: 1, Tier: 1, Penalty: 1}, {Agent: 2, Tier: 2, Penalty: 1}},
			req:     at(0), want: []int32{1},
		},
	})
}

func TestSelectRoundRobinMemory(t *testing.T) {
	agents := []Agent{ready(time.Hour), ready(time.Hour), ready(time.Hour), ready(time.Hour)}
	q := QueueState{Strategy: RoundRobin, Members: []Member{
		{Agent: 0, Order: 3}, {Agent: 1, Order: 1}, {Agent: 2, Order: 2}, {Agent: 3, Order: 4},
	}}
	var trace []int32
	step := func(offer bool) {
		got := q.Select(agents, anyone(), t0, nil)
		if len(got) != 1 {
			t.Fatalf("got %v, want one agent", got)
		}
		trace = append(trace, got[0])
		if offer {
			q.Offered(got[0])
		}
	}
	step(true) // 1
	step(true) // 2
	step(false)
	step(true) // 0, not offered above so offered now
	agents[3].Available = false
	step(true) // wraps past busy 3 to 1
	agents[3].Available = true
	q.Members = append(q.Members[:1], q.Members[2:]...) // agent 1 leaves; memory survives
	step(true)                                          // 2
	if !q.Offered(0) || q.Offered(1) {
		t.Errorf("Offered: member 0 should be accepted, non-member 1 refused")
	}
	step(true) // after 0 (order 3): 3
	want := []int32{1, 2, 0, 0, 1, 2, 3}
	if !slices.Equal(trace, want) {
		t.Errorf("trace %v, want %v", trace, want)
	}
}

func TestSelectWeightedRandomDistribution(t *testing.T) {
	agents := []Agent{ready(time.Hour), ready(time.Hour), ready(time.Hour), busy()}
	agents[0].Weight, agents[1].Weight, agents[2].Weight, agents[3].Weight = 1, 3, 0, 50 // 0 counts as 1
	for _, tc := range []struct {
		st   Strategy
		want [4]float64
	}{
		{WeightedRandom, [4]float64{0.2, 0.6, 0.2, 0}},
		{Random, [4]float64{1.0 / 3, 1.0 / 3, 1.0 / 3, 0}},
	} {
		t.Run(tc.st.String(), func(t *testing.T) {
			q := QueueState{Strategy: tc.st, Members: members(len(agents))}
			var counts [4]int
			rng := splitmix(42)
			const n = 30000
			out := make([]int32, 0, 1)
			for range n {
				got := q.Select(agents, Request{Req: Requirement{MaxPenalty: AnyPenalty}, Rand: rng.next()}, t0, out)
				counts[got[0]]++
			}
			for i, c := range counts {
				if f := float64(c) / n; f < tc.want[i]-0.02 || f > tc.want[i]+0.02 {
					t.Errorf("agent %d chosen %.3f of the time, want %.3f (counts %v)", i, f, tc.want[i], counts)
				}
			}
		})
	}
}

func TestSelectRandomEdges(t *testing.T) {
	agents := []Agent{ready(time.Hour), ready(time.Hour), ready(time.Hour)}
	q := QueueState{Strategy: Random, Members: members(3)}
	for _, tc := range []struct {
		rand uint64
		want int32
	}{{0, 0}, {1<<64/3 - 1, 0}, {1<<64/3 + 1, 1}, {^uint64(0), 2}} {
		got := q.Select(agents, Request{Req: Requirement{MaxPenalty: AnyPenalty}, Rand: tc.rand}, t0, nil)
		if len(got) != 1 || got[0] != tc.want {
			t.Errorf("Rand %#x: got %v, want [%d]", tc.rand, got, tc.want)
		}
	}
}

func TestSelectReusesOut(t *testing.T) {
	agents := []Agent{ready(time.Hour), ready(time.Minute), ready(time.Second)}
	q := QueueState{Strategy: RingAll, Members: members(3)}
	out := make([]int32, 5, 8)
	got := q.Select(agents, anyone(), t0, out)
	if &got[0] != &out[0] || len(got) != 3 {
		t.Fatalf("Select did not fill out in place: %v", got)
	}
	for _, st := range []Strategy{RingAll, RingProgressively, LongestIdle, RoundRobin, Random, WeightedRandom, SkillsBest} {
		q.Strategy = st
		if n := testing.AllocsPerRun(100, func() { out = q.Select(agents, anyone(), t0, out) }); n != 0 {
			t.Errorf("%v: %v allocations per Select with room in out", st, n)
		}
	}
}

func TestCount(t *testing.T) {
	agents := []Agent{ready(time.Hour, 2), busy(3), {Levels: Levels{5}}, ready(time.Hour, 0), busy(1)}
	q := QueueState{Members: []Member{{Agent: 0}, {Agent: 1}, {Agent: 2}, {Agent: 3}, {Agent: 4, Penalty: 5}}}
	req := Requirement{Needs: []Need{{Skill: 0, Min: 1}}, MaxPenalty: 4}
	if got, want := q.Count(agents, req), (Counts{Available: 1, Staffed: 2, LoggedIn: 2}); got != want {
		t.Errorf("Count = %+v, want %+v", got, want)
	}
}

// splitmix is a tiny seeded generator, so that tests draw the same sequence
// on every run.
type splitmix uint64

func (s *splitmix) next() uint64 {
	*s += 0x9e3779b97f4a7c15
	z := uint64(*s)
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}
