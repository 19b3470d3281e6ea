package routing

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
	"time"
)

// center is a synthetic contact center for benchmarks: agents with skills
// drawn so that a multi-skill requirement is met by roughly a third of them.
type center struct {
	agents []Agent
	queue  QueueState
	req    Request
}

var sizes = []struct {
	agents, skills int
}{{1000, 64}, {10000, 256}}

// newCenter builds n agents over s skills. Skills 0..3 are common (90 % of
// agents, as a main language is); each agent also holds 12 others at random.
// Levels are 1..10. available is the share of agents available.
func newCenter(n, s int, available float64, seed uint64) *center {
	rng := rand.New(rand.NewPCG(seed, 1))
	c := &center{agents: make([]Agent, n)}
	for i := range c.agents {
		l := make(Levels, s)
		for k := range 4 {
			if rng.Float64() < 0.9 {
				l[k] = uint8(1 + rng.IntN(10))
			}
		}
		for range 12 {
			l[4+rng.IntN(s-4)] = uint8(1 + rng.IntN(10))
		}
		c.agents[i] = Agent{
			Levels:    l,
			LoggedIn:  true,
			Available: rng.Float64() < available,
			IdleSince: t0.Add(-time.Duration(rng.IntN(3600)) * time.Second),
			Calls:     rng.IntN(50),
			TalkTime:  time.Duration(rng.IntN(4*3600)) * time.Second,
			Weight:    1 + rng.IntN(5),
		}
	}
	// Every agent serves the queue, in a shuffled order, over three penalties.
	c.queue.Members = make([]Member, n)
	for i, a := range rng.Perm(n) {
		c.queue.Members[i] = Member{Agent: int32(a), Penalty: rng.IntN(3), Tier: rng.IntN(4), Order: i}
	}
	c.req = Request{
		Req:      Requirement{Needs: []Need{{Skill: 0, Min: 3}, {Skill: 1, Min: 2}, {Skill: 2, Min: 5}}, MaxPenalty: AnyPenalty},
		Waited:   30 * time.Second,
		RingStep: 20 * time.Second,
	}
	return c
}

func BenchmarkSelect(b *testing.B) {
	for _, sz := range sizes {
		for _, avail := range []float64{0.3, 1} {
			c := newCenter(sz.agents, sz.skills, avail, 1)
			for _, st := range []Strategy{SkillsBest, LongestIdle, RoundRobin, WeightedRandom, RingAll, RingProgressively} {
				name := fmt.Sprintf("agents=%d/skills=%d/available=%.0f%%/%v", sz.agents, sz.skills, avail*100, st)
				b.Run(name, func(b *testing.B) {
					q := c.queue
					q.Strategy = st
					out := make([]int32, 0, sz.agents)
					rng := splitmix(3)
					b.ReportAllocs()
					for b.Loop() {
						c.req.Rand = rng.next()
						out = q.Select(c.agents, c.req, t0, out)
						if len(out) > 0 {
							q.Offered(out[0])
						}
					}
				})
			}
		}
	}
}

// waitingCalls makes n callers spread over queues, with a mix of
// requirements the agent does and does not meet.
func waitingCalls(n, queues int, seed uint64) []Waiting {
	rng := rand.New(rand.NewPCG(seed, 2))
	calls := make([]Waiting, n)
	for i := range calls {
		calls[i] = Waiting{
			Queue:    int32(i % queues),
			Priority: rng.IntN(2),
			Enqueued: t0.Add(-time.Duration(rng.IntN(600)) * time.Second),
			Req:      Requirement{Needs: []Need{{Skill: SkillID(rng.IntN(4)), Min: uint8(1 + rng.IntN(8))}, {Skill: SkillID(4 + rng.IntN(8)), Min: 1}}, MaxPenalty: AnyPenalty},
			Weight:   1 + i%queues%2,
		}
	}
	return calls
}

func BenchmarkNextCall(b *testing.B) {
	c := newCenter(100, 256, 1, 1)
	agent := c.agents[0]
	for s := range SkillID(12) {
		agent.Levels[s] = 6
	}
	penalties := [5]int{0, 1, 0, 2, 0}
	serves := func(q int32) (int, bool) { return penalties[q], q != 3 }
	for _, n := range []int{50, 500} {
		calls := waitingCalls(n, 5, 1)
		b.Run(fmt.Sprintf("calls=%d/queues=5", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := NextCall(agent, serves, calls, t0); !ok {
					b.Fatal("no call")
				}
			}
		})
	}
}

// sparseLevels is the alternative to dense Levels that was measured: a
// skill-sorted list of (skill, level) pairs.
type sparseLevels []struct {
	skill SkillID
	level uint8
}

func (s sparseLevels) meets(needs []Need) bool {
	for _, n := range needs {
		i, ok := slices.BinarySearchFunc(s, n.Skill, func(e struct {
			skill SkillID
			level uint8
		}, id SkillID) int {
			return int(e.skill) - int(id)
		})
		if !ok || s[i].level < n.Min {
			return false
		}
	}
	return true
}

// BenchmarkLevels compares checking a requirement against dense and sparse
// skill levels for every agent of the 10,000 × 256 center.
func BenchmarkLevels(b *testing.B) {
	c := newCenter(10000, 256, 1, 1)
	sparse := make([]sparseLevels, len(c.agents))
	for i, a := range c.agents {
		for s, l := range a.Levels {
			if l > 0 {
				sparse[i] = append(sparse[i], struct {
					skill SkillID
					level uint8
				}{SkillID(s), l})
			}
		}
	}
	needs := c.req.Req.Needs
	b.Run("dense", func(b *testing.B) {
		for b.Loop() {
			n := 0
			for i := range c.agents {
				if c.req.Req.MetBy(c.agents[i].Levels) {
					n++
				}
			}
			sinkInt = n
		}
	})
	b.Run("sparse", func(b *testing.B) {
		for b.Loop() {
			n := 0
			for i := range sparse {
				if sparse[i].meets(needs) {
					n++
				}
			}
			sinkInt = n
		}
	})
}

var sinkInt int

// TestLatencyPercentiles times single decisions, one by one, to report the
// tail that a benchmark's mean hides. It asserts nothing about time; set
// HOTLINE_ROUTING_LATENCY=1 to run it and read the figures with -v.
func TestLatencyPercentiles(t *testing.T) {
	if os.Getenv("HOTLINE_ROUTING_LATENCY") == "" {
		t.Skip("set HOTLINE_ROUTING_LATENCY=1 to measure")
	}
	const runs = 20000
	percentiles := func(d []time.Duration) string {
		slices.Sort(d)
		at := func(p float64) time.Duration { return d[int(p*float64(len(d)-1))] }
		return fmt.Sprintf("p50 %v  p99 %v  max %v", at(0.5), at(0.99), d[len(d)-1])
	}
	for _, sz := range sizes {
		c := newCenter(sz.agents, sz.skills, 0.3, 1)
		rng := rand.New(rand.NewPCG(9, 9))
		for _, st := range []Strategy{SkillsBest, LongestIdle, RoundRobin, RingAll} {
			q := c.queue
			q.Strategy = st
			out := make([]int32, 0, sz.agents)
			d := make([]time.Duration, runs)
			for i := range d {
				// The engine's state moves between decisions: flip one agent.
				a := &c.agents[rng.IntN(len(c.agents))]
				a.Available = !a.Available
				start := time.Now()
				out = q.Select(c.agents, c.req, t0, out)
				d[i] = time.Since(start)
				if len(out) > 0 {
					q.Offered(out[0])
				}
			}
			t.Logf("Select agents=%d skills=%d %-12v %s", sz.agents, sz.skills, st, percentiles(d))
		}
	}
	agent := newCenter(1, 256, 1, 1).agents[0]
	for s := range SkillID(12) {
		agent.Levels[s] = 6
	}
	serves := func(q int32) (int, bool) { return 0, q != 3 }
	calls := waitingCalls(50, 5, 1)
	d := make([]time.Duration, runs)
	for i := range d {
		start := time.Now()
		NextCall(agent, serves, calls, t0)
		d[i] = time.Since(start)
	}
	t.Logf("NextCall calls=50 queues=5 %s", percentiles(d))
}
