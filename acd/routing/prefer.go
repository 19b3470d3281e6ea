package routing

import (
	"time"
)

// Preference keeps a caller for one agent for a while: a known caller's
// preferred agent, or the one who took their last call. The zero value is
// no preference.
type Preference struct {
	Agent int32         // index into the agents given to Select
	For   time.Duration // from the caller's enqueue; 0 = none
}

// Holds reports whether p still keeps the call from every other agent:
// the caller has waited less than For, and the agent is a member of q,
// logged in, not paused, and meets req (skills and penalty ceiling). An
// agent who cannot take the call at all releases it at once rather than
// make the caller wait for nothing.
func (p Preference) Holds(q *QueueState, agents []Agent, req Requirement, waited time.Duration) bool {
	if p.For <= 0 || waited >= p.For || p.Agent < 0 || int(p.Agent) >= len(agents) {
		return false
	}
	a := &agents[p.Agent]
	if !a.LoggedIn || a.Paused {
		return false
	}
	for i := range q.Members {
		m := &q.Members[i]
		if m.Agent == p.Agent {
			return (req.MaxPenalty < 0 || m.Penalty <= req.MaxPenalty) && req.MetBy(a.Levels)
		}
	}
	return false
}

// preferred is Select under a preference that holds: the agent if it is
// available now, else no one (the call waits for it).
func (q *QueueState) preferred(agents []Agent, p Preference, out []int32) []int32 {
	if !agents[p.Agent].Available {
		return out
	}
	for i := range q.Members {
		if q.Members[i].Agent == p.Agent {
			q.lastPick = i
		}
	}
	return append(out, p.Agent)
}

// TagPriority is the priority a caller's tags give it in a queue: the
// highest that table gives any of them; ok is false when none is listed.
func TagPriority(tags []string, table map[string]int) (priority int, ok bool) {
	for _, t := range tags {
		if p, listed := table[t]; listed && (!ok || p > priority) {
			priority, ok = p, true
		}
	}
	return priority, ok
}
