package engine

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/store"
)

// Callbacks kept for one agent: an agent's callback disposition may name
// the agent who is to call back (themselves, or another agent of the
// campaign); the lead keeps that agent (CallbackAgent) in the store. Once
// due, such a lead is not put in the hopper for anyone: it waits aside
// (campaignRun.kept) until its agent is free and working the campaign,
// and is then dialed with the agent held for it, as a preview's dial is,
// so that neither the pacer nor an inbound caller takes the agent while it
// rings. Its answer is offered to that agent alone (call.only); if they do
// not take it within connect_within it is abandoned as any answer no agent
// takes (safe-harbour, and the abandon counted). A preview campaign shows
// it to that agent alone, as their next lead once they are free, and its
// dial is then a preview's. Because its agent is held for it from the dial
// on, it is the one dial the rest after an abandoned answer
// (abandon_quiet) does not hold back: its callback time stands, where
// anyone's callback waits for the rest to end (campaign.Dispose).
//
// A callback whose agent is not free within the campaign's callback_grace
// of its time goes to anyone: its agent is cleared in the store and it
// heads the hopper. An attempt of it that does not reach the lead (no
// answer, busy, a machine, a failure) is retried after that outcome's
// delay for the same agent, as a kept callback, if the retry falls within
// the grace of the callback's first time (campaign.Lead.CallbackDue); a
// retry after the grace, and one after an abandoned answer, is anyone's,
// and the trace says so (settleLead). The agent kept for is read from the
// store at every hopper read, so a restart keeps it; a kept callback's
// dial that a restart finds ringing or answered takes up its agent again
// (the lead names them until it is settled, and a waiting answer's active
// record too: keepLeftFor, store.ActiveCall.Only).

// keeps reports whether a due lead of r waits for the agent it is kept
// for rather than going to anyone.
func (r *campaignRun) keeps(l campaign.Lead) bool {
	return l.State == campaign.Callback && l.CallbackAgent != "" && r.cfg.Kind == config.CampaignAgent
}

// keep puts due callbacks aside for the agent they are kept for, after
// those kept already.
func (r *campaignRun) keep(lls ...LoadedLead) {
	if r.kept == nil {
		r.kept = map[string][]LoadedLead{}
	}
	for _, ll := range lls {
		r.kept[ll.Lead.CallbackAgent] = append(r.kept[ll.Lead.CallbackAgent], ll)
	}
}

// dialKept dials, for each agent free now who works the campaign, the
// oldest callback kept for them, the agent held while it rings, and gives
// to anyone the kept callbacks whose grace is over, and at once those of
// an agent who is gone from the configuration or no longer works the
// campaign (a reload). A preview campaign dials none: it shows them
// (showKept).
func (c *Core) dialKept(now time.Time, r *campaignRun) {
	for _, id := range slices.Sorted(maps.Keys(r.kept)) {
		a := c.agentIdx[id]
		gone := a == nil || !c.worksCampaign(a, r)
		free := !gone && !r.preview() && freeNow(a, now)
		// Taken out while dialed: a dial that fails frees the agent, who
		// may be offered the callbacks kept for them again (agentFree).
		list := r.kept[id]
		delete(r.kept, id)
		var rest []LoadedLead
		for _, ll := range list {
			switch {
			case gone, !now.Before(ll.Lead.KeptSince().Add(r.cfg.CallbackGrace)):
				c.keptToAnyone(now, r, ll, gone)
			case free && c.admitLead(now, r, ll):
				free = false
				c.trace(now, "campaign %s: callback %s kept for %s dialed", r.cfg.Name, ll.Lead.ID, id)
				c.hold(now, a, now.Add(r.cfg.RingTimeout+10*time.Second)) // as a preview's dial
				if !c.startDial(now, r, ll.Lead, a) {
					c.freeHeld(now, a)
				}
			case free:
				// not callable now (do-not-call, calling hours): admitLead
				// saved what becomes of it
			default:
				rest = append(rest, ll)
			}
		}
		if len(rest) > 0 {
			r.keep(rest...)
		}
	}
}

// dialKeptFirst dials a callback kept for an agent just free, before any
// caller or lead is offered to them, and reports whether it did (the
// agent is held for it).
func (c *Core) dialKeptFirst(now time.Time, a *agent) bool {
	kept := false
	for _, r := range c.camps {
		kept = kept || (r.waitsFor(a) && !r.preview())
	}
	if !kept {
		return false // the common case, without sorting
	}
	for _, name := range c.campOrder() {
		if r := c.camps[name]; r.state == CampaignRunning && !r.preview() && r.waitsFor(a) {
			c.dialKept(now, r)
			if !freeNow(a, now) {
				return true
			}
		}
	}
	return false
}

// showKept shows a free agent of a preview campaign the oldest callback
// kept for them that may be called now, and reports whether it did.
func (c *Core) showKept(now time.Time, r *campaignRun, a *agent) bool {
	for len(r.kept[a.id]) > 0 {
		ll := r.kept[a.id][0]
		r.kept[a.id] = r.kept[a.id][1:]
		if len(r.kept[a.id]) == 0 {
			delete(r.kept, a.id)
		}
		if c.admitLead(now, r, ll) {
			c.trace(now, "campaign %s: callback %s kept for %s", r.cfg.Name, ll.Lead.ID, a.id)
			c.showPreview(now, r, a, ll.Lead)
			return true
		}
	}
	return false
}

// keepLeftFor takes up, for a dial of a kept callback that an earlier run
// placed (its lead still names the agent while it is dialed or answered),
// the agent it was dialed for: held again while it rings, and its answer
// theirs alone.
func (c *Core) keepLeftFor(now time.Time, d *leadDial, rec *store.CallRecord) {
	r := d.run
	if d.lead.State != campaign.Dialing && d.lead.State != campaign.Answered {
		return
	}
	if r.preview() {
		// The agent who dialed it, as its record names them, is held for
		// it again: its answer goes to them first, and a pause they asked
		// for meanwhile waits for it (freeHeld).
		if rec == nil {
			return
		}
		if a := c.agentIdx[dialAgent(rec)]; a != nil {
			d.agent = a
			if d.call == nil && a.state == acd.Available && a.call == nil {
				c.hold(now, a, now.Add(r.cfg.RingTimeout+10*time.Second))
			}
		}
		return
	}
	a := c.agentIdx[d.lead.CallbackAgent]
	if a == nil {
		return
	}
	d.agent, d.only = a, true
	switch {
	case d.call != nil:
		d.call.only = a // answered, waiting for an agent
	case freeNow(a, now):
		c.hold(now, a, now.Add(r.cfg.RingTimeout+10*time.Second))
	}
}

// waitsFor reports whether a callback kept for a waits in r: the pacer
// does not count a on any other call.
func (r *campaignRun) waitsFor(a *agent) bool { return len(r.kept[a.id]) > 0 }

// keptToAnyone gives a kept callback whose agent was not free within the
// grace, or is gone (see dialKept), to anyone, saying so in the store (its
// agent cleared) and the trace; it goes first in the hopper, being late
// already, unless it rests after an abandoned answer, as anyone's
// callbacks do.
func (c *Core) keptToAnyone(now time.Time, r *campaignRun, ll LoadedLead, gone bool) {
	if gone {
		c.trace(now, "campaign %s: callback %s kept for %s goes to anyone: %s no longer works the campaign", r.cfg.Name, ll.Lead.ID,
			ll.Lead.CallbackAgent, ll.Lead.CallbackAgent)
	} else {
		c.traceToAnyone(now, r, ll.Lead, ll.Lead.CallbackAgent+" not free")
	}
	ll.Lead.CallbackAgent, ll.Lead.CallbackDue = "", time.Time{}
	if next := r.retry.AfterQuiet(ll.Lead, now); next.After(now) {
		ll.Lead.NextAttempt = next
		delete(r.known, ll.Lead.ID)
		c.trace(now, "campaign %s: lead %s rests after an abandoned answer until %s", r.cfg.Name, ll.Lead.ID, next.UTC().Format(time.RFC3339))
		c.saveLead(now, r, &ll.Lead)
		return
	}
	c.saveLead(now, r, &ll.Lead)
	r.hopper = append([]LoadedLead{ll}, r.hopper...)
}

// traceToAnyone says in the trace that l, a callback kept for an agent,
// goes to anyone because what happened was not within the grace.
func (c *Core) traceToAnyone(now time.Time, r *campaignRun, l campaign.Lead, what string) {
	c.trace(now, "campaign %s: callback %s kept for %s goes to anyone: %s within %s of %s", r.cfg.Name, l.ID,
		l.CallbackAgent, what, r.cfg.CallbackGrace, l.KeptSince().UTC().Format(time.RFC3339))
}

// worksCampaign reports whether a is a member of one of r's queues (its
// own agents' queue among them), not excluded from it.
func (c *Core) worksCampaign(a *agent, r *campaignRun) bool {
	for _, q := range r.queues {
		if p, member := a.penalty[q.idx]; member && p >= 0 {
			return true
		}
	}
	return false
}

// Whom a callback disposition's callback is kept for, besides an agent's
// id: CallbackToMe is the agent who gives the disposition, CallbackToAnyone
// (or "") no one.
const (
	CallbackToMe     = "me"
	CallbackToAnyone = "anyone"
)

// checkCallbackTo checks the agent a callback is kept for, given with
// disposition name of r's campaign: "" (anyone) always does; an agent must
// work the campaign, and goes with a callback disposition only.
func (c *Core) checkCallbackTo(r *campaignRun, name, to string) error {
	if to == "" {
		return nil
	}
	if !isCallbackDisposition(r, name) {
		// Not quoting to: "me" has become the agent's id by now.
		return fmt.Errorf("campaign %q: %w: callback_to goes with a callback disposition; %q is none", r.cfg.Name, ErrBadCallback, name)
	}
	if a := c.agentIdx[to]; a != nil && c.worksCampaign(a, r) {
		return nil
	}
	return fmt.Errorf("campaign %q: %w: callback_to %q: want %s, %s or an agent of the campaign (%s)", r.cfg.Name, ErrBadCallback, to,
		CallbackToMe, CallbackToAnyone, strings.Join(c.campaignAgentIDs(r), ", "))
}

// isCallbackDisposition reports whether name, in any case, is one of r's
// callback dispositions.
func isCallbackDisposition(r *campaignRun, name string) bool {
	return slices.ContainsFunc(r.cfg.DispositionRules(), func(rule campaign.Disposition) bool {
		return rule.Callback && strings.EqualFold(rule.Name, strings.TrimSpace(name))
	})
}

// checkAnyone refuses callback_to "anyone" where no callback is kept for an
// agent either: on a call that is no campaign's lead, or with a disposition
// that is no callback. It resolves to "" (anyone), which the later checks
// cannot tell from no callback_to at all.
func (c *Core) checkAnyone(callID, name string) error {
	_, _, r := c.campaignOfCall(callID)
	if r == nil {
		return fmt.Errorf("call %q: %w: a callback time or agent goes with a campaign's lead", callID, ErrBadCallback)
	}
	if !isCallbackDisposition(r, name) {
		return fmt.Errorf("campaign %q: %w: callback_to goes with a callback disposition; %q is none", r.cfg.Name, ErrBadCallback, name)
	}
	return nil
}

// campaignAgentIDs are the ids of the agents who work r, sorted: those a
// callback may be kept for.
func (c *Core) campaignAgentIDs(r *campaignRun) []string {
	var ids []string
	for _, a := range c.agents {
		if c.worksCampaign(a, r) {
			ids = append(ids, a.id)
		}
	}
	slices.Sort(ids)
	return ids
}

// DispositionChoices is what a disposition of a call may be: for a
// campaign's call, the campaign's dispositions (the callback ones marked)
// and the agents a callback may be kept for, besides me and anyone. A call
// of no campaign takes any name; one of a campaign that lists no
// dispositions is offered the default ones but takes any name too.
type DispositionChoices struct {
	Campaign     string              `json:"campaign,omitempty"`
	Dispositions []DispositionChoice `json:"dispositions"`
	CallbackTo   []string            `json:"callback_to"`
}

// DispositionChoice is one of a campaign's dispositions.
type DispositionChoice struct {
	Name     string `json:"name"`
	Callback bool   `json:"callback,omitempty"`
}

// dispositionChoices is the DispositionChoices of callID.
func (c *Core) dispositionChoices(callID string) DispositionChoices {
	out := DispositionChoices{Dispositions: []DispositionChoice{}, CallbackTo: []string{}}
	_, _, r := c.campaignOfCall(callID)
	if r == nil {
		return out
	}
	out.Campaign = r.cfg.Name
	for _, d := range r.cfg.DispositionRules() {
		out.Dispositions = append(out.Dispositions, DispositionChoice{Name: d.Name, Callback: d.Callback})
	}
	if ids := c.campaignAgentIDs(r); ids != nil {
		out.CallbackTo = ids
	}
	return out
}

// callbackTo resolves the CallbackTo of a disposition given by agent by
// ("" for a supervisor) on callID: "me" is by, or the call's agent when a
// supervisor gives it; "anyone" is "".
func (c *Core) callbackTo(callID, to, by string) (string, error) {
	switch to {
	case CallbackToAnyone:
		return "", nil
	case CallbackToMe:
		if by != "" {
			return by, nil
		}
		if d, _ := c.leadDialOf(callID); d != nil && d.call != nil && d.call.agent != nil {
			return d.call.agent.id, nil
		}
		if rec, _, err := c.callRecord(callID); err == nil && rec.Agent != "" {
			return rec.Agent, nil
		}
		return "", fmt.Errorf("call %q: %w: callback_to %q: no agent took the call", callID, ErrBadCallback, to)
	}
	return to, nil
}

// keptCount is how many due callbacks wait for their agents.
func (r *campaignRun) keptCount() int {
	n := 0
	for _, ll := range r.kept {
		n += len(ll)
	}
	return n
}
