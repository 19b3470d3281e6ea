package routing

import (
	"cmp"
	"iter"
	"math"
	"math/bits"
	"slices"
	"time"
)

// Agent is the engine's read-only view of one agent, kept up to date by the
// engine and indexed by the int32 that members refer to.
type Agent struct {
	Levels    Levels
	LoggedIn  bool          // logged in, whatever the state: counted by Count
	Paused    bool          // logged in but paused: not counted as staffed by Count
	Available bool          // logged in, ready, not reserved, not in wrap-up, not in a delay
	IdleSince time.Time     // since the last call ended, or login
	Calls     int           // answered calls, for fewest-calls
	TalkTime  time.Duration // total, for least-talk-time
	Weight    int           // for weighted-random; below 1 counts as 1
}

// Member puts agents[Agent] in a queue.
type Member struct {
	Agent   int32 // index into the agents slice given to Select
	Penalty int   // lower is offered first; a higher penalty only when no lower one is eligible
	Tier    int   // ring-progressively: lower tiers are rung first
	Order   int   // top-down and round-robin position; ties go to the lower Agent index
}

// Request is one caller's routing question.
type Request struct {
	Req      Requirement
	Waited   time.Duration // how long the caller has waited so far
	RingStep time.Duration // ring-progressively: one more tier every RingStep; 0 = all tiers at once
	Rand     uint64        // caller-supplied randomness for random and weighted-random
	// Prefer keeps the call for one agent while it holds (see Preference).
	Prefer Preference
}

// QueueState is one queue's members and strategy, plus the round-robin
// memory that Offered advances. The engine owns it and may edit Members
// between calls; the memory is kept by (Order, Agent), so it survives edits.
type QueueState struct {
	Strategy Strategy
	Members  []Member

	rr       memberKey // last member offered, for round-robin
	rrSet    bool
	lastPick int // member index Select last returned first, a hint for Offered
}

// memberKey is a member's place in Order, stable when Members is edited.
type memberKey struct {
	order int
	agent int32
}

func (k memberKey) compare(o memberKey) int {
	if c := cmp.Compare(k.order, o.order); c != 0 {
		return c
	}
	return cmp.Compare(k.agent, o.agent)
}

func keyOf(m *Member) memberKey { return memberKey{order: m.Order, agent: m.Agent} }

// Select appends to out[:0] the agents to ring for r, best first, and
// returns it. While r.Prefer holds, that agent alone is returned, when
// available. Strategies that pick one agent return at most one; ring-all
// returns every eligible agent of the lowest eligible penalty, by Order;
// ring-progressively returns those of the tiers reached after r.Waited, by
// Tier then Order. An agent is eligible when it is Available, meets every
// need of r.Req and its penalty is within r.Req.MaxPenalty. Select does not
// allocate when out has room for the result.
func (q *QueueState) Select(agents []Agent, r Request, now time.Time, out []int32) []int32 {
	out = out[:0]
	q.lastPick = -1
	if r.Prefer.Holds(q, agents, r.Req, r.Waited) {
		return q.preferred(agents, r.Prefer, out)
	}
	var pick int
	switch q.Strategy {
	case RingAll, RingProgressively:
		return q.selectAll(agents, &r, out)
	case Random, WeightedRandom:
		pick = q.selectRandom(agents, &r)
	case RoundRobin:
		pick = q.selectRoundRobin(agents, &r)
	default:
		pick = q.selectBest(agents, &r, now)
	}
	if pick < 0 {
		return out
	}
	q.lastPick = pick
	return append(out, q.Members[pick].Agent)
}

// Offered tells the queue that the engine rang agent, which moves the
// round-robin memory past it. It reports false when agent is not a member.
func (q *QueueState) Offered(agent int32) bool {
	i := q.lastPick
	if i < 0 || i >= len(q.Members) || q.Members[i].Agent != agent {
		i = slices.IndexFunc(q.Members, func(m Member) bool { return m.Agent == agent })
		if i < 0 {
			return false
		}
	}
	q.rr, q.rrSet = keyOf(&q.Members[i]), true
	return true
}

// Counts are how many members could serve a requirement.
type Counts struct {
	Available int // eligible now
	Staffed   int // qualified, logged in and not paused: free, ringing, talking or in wrap-up
	LoggedIn  int // logged in and qualified (skills and penalty), whatever their state
}

// Count counts the members that could serve req, for join-empty and
// leave-empty decisions and as the serving agents of a wait estimate.
func (q *QueueState) Count(agents []Agent, req Requirement) Counts {
	var c Counts
	for i := range q.Members {
		m := &q.Members[i]
		a := &agents[m.Agent]
		if !a.LoggedIn && !a.Available || req.MaxPenalty >= 0 && m.Penalty > req.MaxPenalty || !req.MetBy(a.Levels) {
			continue
		}
		c.LoggedIn++
		if a.Available {
			c.Available++
		}
		if a.Available || !a.Paused {
			c.Staffed++
		}
	}
	return c
}

// eligible yields, in Members order, each eligible member whose penalty is
// not above that of any eligible member before it, and whether its penalty
// is the lowest so far: the caller then drops what it gathered, since
// penalty gates every strategy.
func (q *QueueState) eligible(agents []Agent, req *Requirement) iter.Seq2[int, bool] {
	return func(yield func(int, bool) bool) {
		minPen := math.MaxInt
		for i := range q.Members {
			m := &q.Members[i]
			if m.Penalty > minPen || !req.admits(&agents[m.Agent], m) {
				continue
			}
			lower := m.Penalty < minPen
			minPen = m.Penalty
			if !yield(i, lower) {
				return
			}
		}
	}
}

// candidate is an eligible member reduced to the keys that rank it.
type candidate struct {
	member  int
	penalty int
	key     int64         // the strategy's own key, lower first
	idle    time.Duration // longer first
	pos     memberKey     // lower first
}

func (a *candidate) before(b *candidate) bool {
	if a.penalty != b.penalty {
		return a.penalty < b.penalty
	}
	if a.key != b.key {
		return a.key < b.key
	}
	if a.idle != b.idle {
		return a.idle > b.idle
	}
	return a.pos.compare(b.pos) < 0
}

// selectBest serves the strategies that rank members by a key: the best
// candidate wins, ties going to the longest idle, then by Order.
func (q *QueueState) selectBest(agents []Agent, r *Request, now time.Time) int {
	best := candidate{member: -1}
	for i := range q.eligible(agents, &r.Req) {
		m := &q.Members[i]
		a := &agents[m.Agent]
		c := candidate{member: i, penalty: m.Penalty, idle: max(now.Sub(a.IdleSince), 0), pos: keyOf(m)}
		switch q.Strategy {
		case FewestCalls:
			c.key = int64(a.Calls)
		case LeastTalkTime:
			c.key = int64(a.TalkTime)
		case TopDown:
			c.key, c.idle = int64(m.Order), 0 // Order alone decides
		case SkillsBest:
			c.key = -int64(r.Req.score(a.Levels))
		}
		if best.member < 0 || c.before(&best) {
			best = c
		}
	}
	return best.member
}

// selectRoundRobin picks the first eligible member after the one last
// offered, wrapping around to the first by Order.
func (q *QueueState) selectRoundRobin(agents []Agent, r *Request) int {
	after, first := -1, -1
	var afterKey, firstKey memberKey
	for i, lower := range q.eligible(agents, &r.Req) {
		if lower {
			after, first = -1, -1
		}
		k := keyOf(&q.Members[i])
		if first < 0 || k.compare(firstKey) < 0 {
			first, firstKey = i, k
		}
		if q.rrSet && k.compare(q.rr) > 0 && (after < 0 || k.compare(afterKey) < 0) {
			after, afterKey = i, k
		}
	}
	if after >= 0 {
		return after
	}
	return first
}

// selectRandom draws one eligible member of the lowest penalty, uniformly or
// by weight. It walks the members twice rather than collect them, so that
// it needs no room beyond the one agent it returns.
func (q *QueueState) selectRandom(agents []Agent, r *Request) int {
	weighted := q.Strategy == WeightedRandom
	minPen := math.MaxInt
	var total uint64
	for i, lower := range q.eligible(agents, &r.Req) {
		m := &q.Members[i]
		if lower {
			minPen, total = m.Penalty, 0
		}
		total += drawWeight(&agents[m.Agent], weighted)
	}
	if total == 0 {
		return -1
	}
	// The high word of Rand*total is uniform on [0,total) without the bias
	// of Rand%total.
	target, _ := bits.Mul64(r.Rand, total)
	for i := range q.Members {
		m := &q.Members[i]
		if m.Penalty != minPen || !r.Req.admits(&agents[m.Agent], m) {
			continue
		}
		w := drawWeight(&agents[m.Agent], weighted)
		if target < w {
			return i
		}
		target -= w
	}
	return -1 // unreachable: the second walk sees what the first counted
}

func drawWeight(a *Agent, weighted bool) uint64 {
	if !weighted || a.Weight < 1 {
		return 1
	}
	return uint64(a.Weight)
}

// selectAll serves ring-all and ring-progressively. Members are gathered as
// indexes into Members, sorted, then replaced by their agent in place.
func (q *QueueState) selectAll(agents []Agent, r *Request, out []int32) []int32 {
	for i, lower := range q.eligible(agents, &r.Req) {
		if lower {
			out = out[:0]
		}
		out = append(out, int32(i))
	}
	progressive := q.Strategy == RingProgressively
	slices.SortFunc(out, func(a, b int32) int {
		ma, mb := &q.Members[a], &q.Members[b]
		if progressive && ma.Tier != mb.Tier {
			return cmp.Compare(ma.Tier, mb.Tier)
		}
		return keyOf(ma).compare(keyOf(mb))
	})
	if progressive && r.RingStep > 0 {
		out = q.firstTiers(out, 1+int64(max(r.Waited, 0)/r.RingStep))
	}
	for i, mi := range out {
		out[i] = q.Members[mi].Agent
	}
	return out
}

// firstTiers keeps the members of the first n tiers of sorted. Tiers are
// counted among eligible members only, so an empty tier costs the caller no
// wait (mod_callcenter's tier-rule-no-agent-no-wait).
func (q *QueueState) firstTiers(sorted []int32, n int64) []int32 {
	for i := 1; i < len(sorted); i++ {
		if q.Members[sorted[i]].Tier != q.Members[sorted[i-1]].Tier {
			if n--; n == 0 {
				return sorted[:i]
			}
		}
	}
	return sorted
}
