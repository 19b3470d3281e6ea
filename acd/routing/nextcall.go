package routing

import (
	"math"
	"time"
)

// Class ranks waiting callers before their Priority does: a freed agent
// takes a caller of a higher class first, whatever the priorities and waits.
// It is how an agent shared by inbound queues and an outbound campaign
// chooses between the two.
type Class int8

// The classes of waiting callers.
const (
	// ClassAfterInbound is a campaign's answered lead while the campaign
	// keeps inbound_first: it goes after every inbound caller.
	ClassAfterInbound Class = -1
	// ClassInbound is an inbound caller (or a callback): the zero value.
	ClassInbound Class = 0
	// ClassLive is an answered lead of a campaign that lets its leads go
	// first: it is lost if no agent is rung within seconds, while an
	// inbound caller can wait.
	ClassLive Class = 1
)

// Waiting is one caller waiting in some queue, as NextCall sees it.
type Waiting struct {
	Queue    int32 // the engine's queue index
	Class    Class // ranks before Priority
	Priority int   // higher is served first, whatever the wait
	Enqueued time.Time
	Req      Requirement // already relaxed for the caller's wait
	Weight   int         // the queue's fairness weight; below 1 counts as 1
}

// NextCall picks the caller that agent, just freed, should take among calls
// waiting in all queues. agentPenalty tells whether the agent is a member of
// a queue and with what penalty; a caller is a candidate when the agent is a
// member of its queue, meets its needs and is within its penalty ceiling.
// Among candidates the highest Class wins, then the highest Priority, then the longest effective
// wait (wait × queue weight, so a weight-2 queue's caller who waited 30 s
// ranks with a weight-1 caller who waited 60 s), then the earliest Enqueued,
// then the lowest Queue, then the lowest index. Agent.Available is not
// consulted: the engine asks on the agent's behalf as it becomes free.
func NextCall(agent Agent, agentPenalty func(queue int32) (penalty int, member bool), calls []Waiting, now time.Time) (idx int, ok bool) {
	best := -1
	var bestWait time.Duration
	for i := range calls {
		c := &calls[i]
		if best >= 0 && c.outranked(&calls[best]) {
			continue
		}
		penalty, member := agentPenalty(c.Queue)
		if !member || c.Req.MaxPenalty >= 0 && penalty > c.Req.MaxPenalty || !c.Req.MetBy(agent.Levels) {
			continue
		}
		w := effectiveWait(now.Sub(c.Enqueued), c.Weight)
		if best < 0 || c.before(&calls[best], w, bestWait) {
			best, bestWait = i, w
		}
	}
	return best, best >= 0
}

// before ranks c (effective wait w) against b (effective wait bw).
func (c *Waiting) before(b *Waiting, w, bw time.Duration) bool {
	switch {
	case c.Class != b.Class:
		return c.Class > b.Class
	case c.Priority != b.Priority:
		return c.Priority > b.Priority
	case w != bw:
		return w > bw
	case !c.Enqueued.Equal(b.Enqueued):
		return c.Enqueued.Before(b.Enqueued)
	default:
		return c.Queue < b.Queue // equal queue: the earlier index, already best, stays
	}
}

// outranked reports whether b goes before c whatever their waits.
func (c *Waiting) outranked(b *Waiting) bool {
	return c.Class < b.Class || c.Class == b.Class && c.Priority < b.Priority
}

// effectiveWait scales a wait by a queue weight, saturating rather than
// overflowing; a negative wait (Enqueued after now) counts as none.
func effectiveWait(waited time.Duration, weight int) time.Duration {
	waited = max(waited, 0)
	if weight <= 1 {
		return waited
	}
	if waited > time.Duration(math.MaxInt64/int64(weight)) {
		return math.MaxInt64
	}
	return waited * time.Duration(weight)
}
