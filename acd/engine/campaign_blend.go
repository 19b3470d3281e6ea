package engine

import (
	"slices"
	"time"

	"github.com/hotline-cc/hotline/acd/config"
)

// Blending: a campaign's agents may also answer inbound queues, and a
// caller who arrives while an agent is free takes them at once, whatever
// the campaign's inbound_first (which only orders callers and leads that
// wait). An agent the pacer dialed for is then gone when the lead
// answers. So the engine counts the callers offered to each campaign's
// agents (inboundOffered) and tells the pacer of fewer free agents: the
// callers expected, at a high quantile, between a dial and the connection
// of its answer (claimed).
//
// The engine does not hold a free agent back from an arriving caller for
// a lead that may answer: most dials are not answered, and a held agent
// would idle while a caller waits on the inbound side.

const (
	// inboundWindow is how far back the callers' arrival rate is measured.
	inboundWindow = 15 * time.Minute
	// inboundQuantile is the share of dials during which no more callers
	// than claimed arrive. Measured on the engine (TestCampaignBlendCap,
	// 10 agents, 1.5 and 2.5 callers a minute): 0.8 let single hours
	// reach 3.6-5 % abandoned, 0.9 kept every hour under 1.6 %, 0.99
	// cost a further third of the leads' talk.
	inboundQuantile = 0.9
	// noRoomQuantile replaces it while the campaign's window has no room
	// for an abandon (under 3 %, until 33 live answers have reached
	// agents): a caller taking the agent of a dial that answers would then
	// put the campaign over its cap at once. At 0.9 seed 2 of
	// TestCampaignBlendCap had 1 abandon in 13 live answers (7.7 %) at 2.5
	// callers a minute; at 0.99 no seed of 1-4 went over 3 % at any
	// moment, for a fifth less lead talk in the first hour (0.999 cost
	// half).
	noRoomQuantile = 0.99
	// answerRing is the longest a lead commonly rings before answering;
	// a dial still ringing later is mostly one that will not be answered.
	answerRing = 16 * time.Second
)

// inboundOffered counts an inbound caller entering q for every campaign
// whose agents are members of q.
func (c *Core) inboundOffered(now time.Time, q *queue) {
	for _, r := range c.camps {
		if c.sharesAgents(r, q) {
			r.inbound.Add(now)
		}
	}
}

// sharesAgents reports whether a member of q is also an agent of r.
func (c *Core) sharesAgents(r *campaignRun, q *queue) bool {
	for _, m := range q.rs.Members {
		a := c.agents[m.Agent]
		if a == nil {
			continue
		}
		for _, rq := range r.queues {
			if _, member := a.penalty[rq.idx]; member {
				return true
			}
		}
	}
	return false
}

// exposure is how long a dial counts on its agent: until it is answered
// (at the latest answerRing, or the ring timeout when shorter) and the
// answer connected.
func exposure(k config.Campaign) time.Duration {
	return min(k.RingTimeout, answerRing) + k.ConnectWithin
}

// claimed takes from the free agents (and then from the wrap-ups ending
// soonest) those inbound callers are expected to take before a dial placed
// now is connected.
func claimed(now time.Time, r *campaignRun, free int, wrapEnds []time.Time) (int, []time.Time) {
	q := inboundQuantile
	if r.pacer.Room(now) == 0 {
		q = noRoomQuantile
	}
	k := r.inbound.Claims(now, exposure(r.cfg), q)
	take := min(k, free)
	free, k = free-take, k-take
	if k > 0 && len(wrapEnds) > 0 {
		slices.SortFunc(wrapEnds, time.Time.Compare)
		wrapEnds = wrapEnds[min(k, len(wrapEnds)):]
	}
	return free, wrapEnds
}
