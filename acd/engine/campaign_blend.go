package engine

import (
	"errors"
	"fmt"
	"iter"
	"slices"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/dialer"
	"github.com/hotline-cc/hotline/store"
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

// inboundLog keeps the inbound callers' first queue entries of the last
// inboundWindow, whatever the campaigns: a campaign started later, or
// picked up after a restart, counts the callers who came before it.
type inboundLog struct {
	// since is when counting began: the engine's start, or a window
	// before it once seeded from the store's records (SeedInbound).
	since  time.Time
	offers []inboundOffer // oldest first
}

type inboundOffer struct {
	at time.Time
	q  *queue
}

func (l *inboundLog) add(now time.Time, q *queue) {
	cut := now.Add(-inboundWindow)
	i := 0
	for i < len(l.offers) && !l.offers[i].at.After(cut) {
		i++
	}
	l.offers = append(l.offers[i:], inboundOffer{at: now, q: q})
}

// inboundOffered counts an inbound caller entering q for every campaign
// whose agents are members of q.
func (c *Core) inboundOffered(now time.Time, q *queue) {
	c.inbound.add(now, q)
	for _, r := range c.camps {
		if c.sharesAgents(r, q) {
			r.inbound.Add(now)
		}
	}
}

// newArrivals is a new campaign's count of the callers offered to its
// agents, holding those of the last inboundWindow (r.queues must be set).
func (c *Core) newArrivals(now time.Time, r *campaignRun) *dialer.Arrivals {
	since := c.started
	if !c.inbound.since.IsZero() && c.inbound.since.Before(since) {
		since = c.inbound.since
	}
	a := dialer.NewArrivals(since, inboundWindow)
	cut := now.Add(-inboundWindow)
	for _, o := range c.inbound.offers {
		if o.at.After(cut) && !o.at.After(now) && c.sharesAgents(r, o.q) {
			a.Add(o.at)
		}
	}
	return a
}

// InboundOffer is an inbound caller's first entry into a queue, read back
// from its call record.
type InboundOffer struct {
	Queue string
	At    time.Time
}

// CallSource lists call records; *store.DB is one.
type CallSource interface {
	Calls(f store.Filter) iter.Seq2[store.CallRecord, error]
}

// offerLookBack is how long before its first queue an inbound call may
// have arrived (in a menu) and still be read by ReadInboundOffers.
const offerLookBack = time.Hour

// ReadInboundOffers reads from the store's call records the inbound
// callers who first entered a queue within inboundWindow before now, oldest
// first, so that a restart counts the callers the campaigns' agents were
// offered before it (a record that cannot be decoded is left out). It runs
// outside the engine goroutine, once at start.
func ReadInboundOffers(src CallSource, now time.Time) ([]InboundOffer, error) {
	cut := now.Add(-inboundWindow)
	var out []InboundOffer
	for rec, err := range src.Calls(store.Filter{From: cut.Add(-offerLookBack)}) {
		if de := (*store.DecodeError)(nil); errors.As(err, &de) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("inbound callers of the last %s: %w", inboundWindow, err)
		}
		if rec.Direction == acd.DirectionOutbound {
			continue
		}
		i := slices.IndexFunc(rec.Timeline, func(s store.Step) bool { return s.Kind == "enqueue" })
		if i < 0 {
			continue
		}
		if at := rec.Timeline[i].At; at.After(cut) && !at.After(now) {
			out = append(out, InboundOffer{Queue: rec.Timeline[i].Detail, At: at})
		}
	}
	slices.SortStableFunc(out, func(a, b InboundOffer) int { return a.At.Compare(b.At) })
	return out, nil
}

// SeedInbound puts back the inbound callers a previous run offered to its
// queues (ReadInboundOffers) before any campaign is restored or started:
// without them the campaigns would count no caller for their agents for
// inboundWindow after a restart and dial for agents the callers take.
func (c *Core) SeedInbound(now time.Time, offers []InboundOffer) {
	cut := now.Add(-inboundWindow)
	var seeded []inboundOffer
	for _, o := range offers {
		if q := c.queueIdx[o.Queue]; q != nil && o.At.After(cut) && !o.At.After(now) {
			seeded = append(seeded, inboundOffer{at: o.At, q: q})
		}
	}
	c.inbound.offers = append(seeded, c.inbound.offers...)
	c.inbound.since = cut
	c.trace(now, "inbound: %d callers offered to queues in the last %s read back", len(seeded), inboundWindow)
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
// now is connected: of the agents callers can reach alone, so a campaign
// agent in no inbound queue is never set aside for callers who cannot
// reach them.
func claimed(now time.Time, r *campaignRun, f agentsFree) (int, []time.Time) {
	q := inboundQuantile
	if r.pacer.Room(now) == 0 {
		q = noRoomQuantile
	}
	k := r.inbound.Claims(now, exposure(r.cfg), q)
	k -= min(k, f.spare) // another campaign's idle agents stand in first (idleSpare)
	take := min(k, f.reach)
	free, k := f.free-take, k-take
	wrapEnds := f.wrapEnds
	if k > 0 && len(f.reachEnds) > 0 {
		reachEnds := slices.SortedFunc(slices.Values(f.reachEnds), time.Time.Compare)
		wrapEnds = slices.Clone(wrapEnds)
		for _, end := range reachEnds[:min(k, len(reachEnds))] {
			if i := slices.IndexFunc(wrapEnds, end.Equal); i >= 0 {
				wrapEnds = slices.Delete(wrapEnds, i, i+1)
			}
		}
		slices.SortFunc(wrapEnds, time.Time.Compare)
	}
	return free, wrapEnds
}
