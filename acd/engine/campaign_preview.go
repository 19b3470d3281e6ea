package engine

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/dialer"
)

// Preview mode: nothing is dialed until an agent says so. Each free agent
// of the campaign is shown a lead from the hopper (checked against the
// do-not-call lists and calling hours first) and is held for it: no
// inbound call or other lead is offered to them meanwhile. The agent dials
// or skips it within the campaign's preview_timeout; a timeout does
// preview_on_timeout. A dialed lead's agent stays held until the lead
// answers, then the answered lead joins the campaign's queue with its agent
// free and waits for them (never abandoned for want of an agent). A
// skipped lead is put off by the campaign's no-answer delay, its attempts
// untouched.
//
// A shown lead is saved reserved for its agent until the preview's expiry
// (through the writer: showing it does not wait for the disk), and a
// decision ends the reservation in the same write as its outcome. After a
// restart a lead still reserved is held for its agent alone and shown to
// them again, with a whole preview_timeout, as soon as they are free; if
// they are not free before the reservation ends, the lead is released to
// anyone (not dialed, whatever preview_on_timeout says: no agent decided
// it). A skipped lead stays put off, and a dialed one is settled like
// any lead found dialing at a restart: no attempt is dialed twice.

// ErrNoPreview is the answer to a decision when the agent has no lead shown.
var ErrNoPreview = fmt.Errorf("no lead is shown to the agent: %w", ErrCampaignState)

// LeadPreview is a lead shown to an agent in preview mode.
type LeadPreview struct {
	Campaign string        `json:"campaign"`
	Lead     campaign.Lead `json:"lead"`
	Offered  time.Time     `json:"offered"`
	// Expires is when OnTimeout (dial or skip) happens without the agent.
	Expires   time.Time `json:"expires"`
	OnTimeout string    `json:"on_timeout"`
	// SkipReasons are the campaign's reasons to pick from when skipping;
	// SkipReasonRequired says a skip must give one.
	SkipReasons        []string `json:"skip_reasons,omitempty"`
	SkipReasonRequired bool     `json:"skip_reason_required,omitempty"`
}

// preview is a lead shown to an agent, owned by the engine goroutine.
type preview struct {
	run     *campaignRun
	lead    campaign.Lead
	agent   *agent
	offered time.Time
	expires time.Time
	gen     uint64
	blocked bool // its number was listed do-not-call while shown (OptOut)
}

func (r *campaignRun) preview() bool { return r.cfg.Mode == dialer.Preview.String() }

// previewOf finds the lead shown to an agent.
func (c *Core) previewOf(a *agent) *preview {
	for _, r := range c.camps {
		if p := r.previews[a]; p != nil {
			return p
		}
	}
	return nil
}

// hold keeps an agent from being offered anything until until (or now:
// free again) and brings the routing view in line.
func (c *Core) hold(now time.Time, a *agent, until time.Time) {
	a.notBefore = until
	c.refreshView(a, now)
}

// offerPreviews shows a lead to each free agent of the campaign who has
// none, and takes back the leads of agents no longer free.
func (c *Core) offerPreviews(now time.Time, r *campaignRun) {
	for a, p := range r.previews {
		if a.state != acd.Available || a.call != nil {
			c.trace(now, "campaign %s: lead %s taken back from %s (%s)", r.cfg.Name, p.lead.ID, a.id, a.state)
			c.takeBack(now, p)
		}
	}
	c.releaseExpired(now, r)
	for _, q := range r.queues {
		for _, m := range q.rs.Members {
			a := c.agents[m.Agent]
			if !freeNow(a, now) || c.previewOf(a) != nil {
				continue
			}
			if ll, held := r.reserved[a.id]; held {
				delete(r.reserved, a.id)
				if c.admitLead(now, r, ll) {
					c.trace(now, "campaign %s: lead %s held for %s since before the restart", r.cfg.Name, ll.Lead.ID, a.id)
					c.showPreview(now, r, a, ll.Lead)
					continue
				}
			}
			if c.showKept(now, r, a) {
				continue
			}
			for len(r.hopper) > 0 {
				ll := r.hopper[0]
				r.hopper = r.hopper[1:]
				if c.admitLead(now, r, ll) {
					c.showPreview(now, r, a, ll.Lead)
					break
				}
			}
		}
	}
}

// releaseExpired puts the leads held for an agent since before a restart
// whose reservation ended back at the head of the hopper, for anyone.
func (c *Core) releaseExpired(now time.Time, r *campaignRun) {
	for _, id := range slices.Sorted(maps.Keys(r.reserved)) {
		ll := r.reserved[id]
		if ll.Lead.ReservedFor(now) != "" {
			continue
		}
		delete(r.reserved, id)
		ll.Lead = campaign.Release(ll.Lead)
		c.trace(now, "campaign %s: lead %s no longer held for %s", r.cfg.Name, ll.Lead.ID, id)
		c.saveLead(now, r, &ll.Lead)
		r.hopper = append([]LoadedLead{ll}, r.hopper...)
	}
}

// RestorePreviews hands in the leads a previous run showed to agents and
// that are still reserved for them (read with ReadLeftovers). Run it after
// RestoreCampaigns: a campaign not restored leaves them to expire.
func (c *Core) RestorePreviews(now time.Time, leads []LoadedLead) {
	for _, l := range leads {
		if r := c.camps[l.Lead.Campaign]; r != nil {
			c.takeLead(now, r, l)
		}
	}
}

func (c *Core) showPreview(now time.Time, r *campaignRun, a *agent, l campaign.Lead) {
	if r.previews == nil {
		r.previews = map[*agent]*preview{}
	}
	expires := now.Add(r.cfg.PreviewTimeout)
	l, err := campaign.Reserve(l, a.id, expires)
	if err != nil {
		delete(r.known, l.ID)
		c.warn(now, "illegal-transition", "campaign %s: %v", r.cfg.Name, err)
		return
	}
	c.saveLead(now, r, &l)
	r.previewGen++
	p := &preview{run: r, lead: l, agent: a, offered: now, expires: expires, gen: r.previewGen}
	r.previews[a] = p
	c.hold(now, a, p.expires)
	c.trace(now, "campaign %s: lead %s shown to %s until %s", r.cfg.Name, l.ID, a.id, p.expires.Format(time.RFC3339))
	c.out.At(p.expires, Timer{Kind: TimerCampaignPreview, Call: a.id, Gen: p.gen})
}

// previewTimedOut does the campaign's preview_on_timeout for a preview the
// agent left undecided.
func (c *Core) previewTimedOut(now time.Time, agentID string, gen uint64) {
	a := c.agentIdx[agentID]
	if a == nil {
		return
	}
	if p := c.previewOf(a); p != nil && p.gen == gen {
		c.endPreview(now, p, p.run.cfg.PreviewOnTimeout == config.PreviewDial, campaign.SkipNote{Agent: a.id, At: now, Reason: campaign.SkipTimedOut})
	}
}

// PreviewDecide dials or skips the lead shown to an agent, a skip with no
// reason given.
func (c *Core) PreviewDecide(now time.Time, agentID string, dial bool) (LeadPreview, error) {
	return c.previewDecide(now, agentID, dial, "", "")
}

// PreviewSkip skips the lead shown to an agent for one of the campaign's
// reasons (or none, unless the campaign requires one), with a note; the
// campaign's SkipRule checks both (campaign.ErrBadSkip naming the field).
func (c *Core) PreviewSkip(now time.Time, agentID, reason, note string) (LeadPreview, error) {
	return c.previewDecide(now, agentID, false, reason, note)
}

func (c *Core) previewDecide(now time.Time, agentID string, dial bool, reason, note string) (LeadPreview, error) {
	a, err := c.agentByID(agentID)
	if err != nil {
		return LeadPreview{}, err
	}
	p := c.previewOf(a)
	if p == nil {
		if d := c.dialHeldFor(a); d != nil {
			// Decided already (by the agent, or a supervisor a moment
			// before): the lead rings or waits for them.
			return LeadPreview{}, fmt.Errorf("agent %q: lead %s was dialed already, so nothing is shown to decide on: %w", agentID, d.lead.ID, ErrCampaignState)
		}
		return LeadPreview{}, fmt.Errorf("agent %q: %w", agentID, ErrNoPreview)
	}
	if a.state != acd.Available || a.call != nil {
		// Logged out, paused or busy since the lead was shown, before the
		// campaign's next tick took it back: released for anyone, neither
		// dialed nor counted as the agent's skip.
		c.takeBack(now, p)
		return LeadPreview{}, fmt.Errorf("agent %q is %s: lead %s released: %w", agentID, a.state, p.lead.ID, ErrNoPreview)
	}
	why := campaign.SkipNote{Agent: a.id, At: now}
	if !dial {
		if why.Note, err = p.run.cfg.SkipRule().Check(reason, note); err != nil {
			return LeadPreview{}, fmt.Errorf("campaign %s: skip of lead %s: %w", p.run.cfg.Name, p.lead.ID, err)
		}
		why.Reason = reason
	}
	st := p.status()
	c.endPreview(now, p, dial, why)
	if d := c.dialHeldFor(a); dial && d != nil && d.lead.ID == st.Lead.ID {
		st.Lead = d.lead // as dialed: this attempt counted
	}
	return st, nil
}

// endPreview dials the lead with the agent held for it, or puts it off
// (counted under why's reason) and frees the agent. A lead whose agent is
// no longer free is not dialed.
func (c *Core) endPreview(now time.Time, p *preview, dial bool, why campaign.SkipNote) {
	r, a, l := p.run, p.agent, p.lead
	delete(r.previews, a)
	if p.blocked {
		c.blockShown(now, p)
		return
	}
	by := "agent"
	if why.Reason == campaign.SkipTimedOut {
		by = "timeout"
	}
	if dial && a.state == acd.Available && a.call == nil {
		c.trace(now, "campaign %s: %s dials lead %s (%s)", r.cfg.Name, a.id, l.ID, by)
		// Held while the lead rings; the switch ends the ring by then.
		c.hold(now, a, now.Add(r.cfg.RingTimeout+10*time.Second))
		if c.startDial(now, r, l, a) {
			return
		}
	} else if nl, err := campaign.Skip(l, now.Add(max(r.cfg.Retry.NoAnswer, time.Minute)), why); err != nil {
		c.warn(now, "illegal-transition", "campaign %s: %v", r.cfg.Name, err)
	} else {
		if why.Reason != "" && by != "timeout" {
			by += ": " + why.Reason
		}
		c.trace(now, "campaign %s: lead %s skipped by %s (%s); next %s", r.cfg.Name, l.ID, a.id, by, nl.NextAttempt.Format(time.RFC3339))
		r.stats.SkippedPreview++
		c.saveLead(now, r, &nl)
	}
	delete(r.known, l.ID)
	c.freeHeld(now, a)
}

// takeBack ends a preview with the lead released, due again for anyone.
func (c *Core) takeBack(now time.Time, p *preview) {
	r := p.run
	delete(r.previews, p.agent)
	l := campaign.Release(p.lead)
	c.saveLead(now, r, &l)
	// First in line again, before the leads read after it.
	r.hopper = append([]LoadedLead{{Lead: l, Blocked: p.blocked}}, r.hopper...)
	c.freeHeld(now, p.agent)
}

// takeBackPreviews ends every preview of a campaign that stops dialing.
func (c *Core) takeBackPreviews(now time.Time, r *campaignRun) {
	for _, p := range r.previews {
		c.takeBack(now, p)
	}
}

// freeHeld ends an agent's hold and offers them what waits.
func (c *Core) freeHeld(now time.Time, a *agent) {
	if a.notBefore.After(now) {
		c.hold(now, a, now)
	}
	if a.state == acd.Available && a.call == nil {
		if p := a.pending; p != nil && c.dialHeldFor(a) == nil {
			// A pause or logout asked for while the dial rang.
			a.pending = nil
			_ = c.setAgent(now, a, p.state, p.motive)
			return
		}
		c.agentFree(now, a)
	}
}

// dialHeldFor is the dial of a lead agent a is held for (a preview it
// dialed, a callback kept for it): waiting for its Dialing write, ringing,
// or answered and waiting for an agent; nil if none.
func (c *Core) dialHeldFor(a *agent) *leadDial {
	for _, r := range c.camps {
		for _, p := range r.pending {
			if p.d.agent == a { // its Dialing write not yet durable, its call not yet placed
				return p.d
			}
		}
		for _, d := range r.dials {
			if d.agent == a {
				return d
			}
		}
		for _, d := range r.byCall {
			if d.agent == a && !d.settled && d.call.agent == nil {
				return d
			}
		}
	}
	return nil
}

// releaseReserved frees the agent held for a dial that ended unanswered.
func (c *Core) releaseReserved(now time.Time, d *leadDial) {
	if d.agent != nil {
		c.freeHeld(now, d.agent)
	}
}

// reservedQueue ends the hold of an answered lead's agent, so that the
// lead's queue offers it to them, and returns that queue: the first of the
// campaign's queues the agent works, else the campaign's first.
func (c *Core) reservedQueue(now time.Time, d *leadDial) *queue {
	a := d.agent
	if a.notBefore.After(now) {
		c.hold(now, a, now)
	}
	for _, q := range d.run.queues {
		if _, member := a.penalty[q.idx]; member {
			return q
		}
	}
	if len(d.run.queues) > 0 {
		return d.run.queues[0]
	}
	return nil
}

func (p *preview) status() LeadPreview {
	return LeadPreview{Campaign: p.run.cfg.Name, Lead: p.lead, Offered: p.offered, Expires: p.expires, OnTimeout: p.run.cfg.PreviewOnTimeout,
		SkipReasons: p.run.cfg.SkipReasons, SkipReasonRequired: p.run.cfg.SkipReasonRequired}
}

// previewStatus is the lead shown to an agent, if any, for the status.
func (c *Core) previewStatus(a *agent) *LeadPreview {
	if p := c.previewOf(a); p != nil {
		st := p.status()
		return &st
	}
	return nil
}

// PreviewDecision dials (Dial) or skips the lead shown to an agent in a
// preview campaign, and answers with that lead. A skip may give a Reason
// from the campaign's skip_reasons and a Note.
type PreviewDecision struct {
	returns[LeadPreview]
	Agent        string
	Dial         bool
	Reason, Note string
}

func (d PreviewDecision) apply(c *Core, now time.Time) (any, error) {
	return c.previewDecide(now, d.Agent, d.Dial, d.Reason, d.Note)
}
