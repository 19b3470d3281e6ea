package engine

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/contact"
	"github.com/hotline-cc/hotline/acd/ivr"
	"github.com/hotline-cc/hotline/acd/routing"
)

// DefaultMatchTimeout bounds how long an arriving call waits for its
// caller's contact before it is routed without one.
const DefaultMatchTimeout = 300 * time.Millisecond

// CallerMatcher finds (or creates) the contact of a caller's number; the
// engine calls it off its goroutine when a call arrives.
type CallerMatcher func(ctx context.Context, callID, number string, at time.Time) (contact.OnCall, error)

// errMatchLate is a match that did not come back within the bound.
var errMatchLate = errors.New("no answer in time")

// matchThenRoute matches the caller to a contact off the loop, then routes
// the call to t with the contact on it. The call waits in phase new for at
// most Options.MatchTimeout: a slow or failing store sends it on without a
// contact, never holds it.
func (c *Core) matchThenRoute(now time.Time, cl *call, t config.Target) {
	match := c.opts.MatchCaller
	if match == nil || cl.rec.Caller == "" {
		c.goTarget(now, cl, t)
		return
	}
	bound := c.opts.MatchTimeout
	if bound <= 0 {
		bound = DefaultMatchTimeout
	}
	id, number := cl.id, cl.rec.Caller
	c.offload(now, cl, func(ctx context.Context) func(time.Time, *call) {
		type result struct {
			oc  contact.OnCall
			err error
		}
		got := make(chan result, 1) // the matcher may finish after we gave up on it
		go func() {
			oc, err := match(ctx, id, number, now)
			got <- result{oc, err}
		}()
		var r result
		timer := time.NewTimer(bound)
		defer timer.Stop()
		select {
		case r = <-got:
		case <-timer.C:
			r.err = errMatchLate
		case <-ctx.Done():
			r.err = ctx.Err()
		}
		return func(now time.Time, cl *call) {
			if cl.phase != acd.CallNew {
				return // gone on meanwhile (a restart's reconcile, a hang-up)
			}
			if r.err != nil {
				c.step(now, cl, "contact-unmatched", "", r.err.Error())
			} else {
				cl.contact, cl.rec.Contact = r.oc, r.oc.ID
				c.step(now, cl, "contact", "", fmt.Sprintf("id=%d known=%t", r.oc.ID, r.oc.Known))
			}
			c.goTarget(now, cl, t)
		}
	})
}

// callerVars are what a flow knows of the caller when it starts: the
// number, and whether the caller is known and their tags (ivr.VarKnown,
// ivr.VarTags) when the call has a contact.
func callerVars(cl *call) map[string]string {
	vars := map[string]string{ivr.VarCaller: cl.rec.Caller}
	if cl.rec.Contact != 0 {
		vars[ivr.VarKnown] = "no"
		if cl.contact.Known {
			vars[ivr.VarKnown] = "yes"
		}
		vars[ivr.VarTags] = strings.Join(cl.contact.Tags, ",")
	}
	return vars
}

// tagPriority raises a known caller's priority in q to what its tags give
// it (config.ContactRouting.TagPriority).
func (c *Core) tagPriority(now time.Time, cl *call, q *queue) {
	if cl.rec.Contact == 0 {
		return
	}
	if p, ok := routing.TagPriority(cl.contact.Tags, q.cfg.Contacts.TagPriority); ok && p > cl.priority {
		cl.priority = p
		c.step(now, cl, "tag-priority", "", strconv.Itoa(p))
	}
}

// preferAgent keeps a known caller for its preferred (or last) agent in q
// for the queue's contact wait; a timer at its end lets the queue's
// strategy take over.
func (c *Core) preferAgent(now time.Time, cl *call, q *queue) {
	cl.pref = routing.Preference{}
	if cl.rec.Contact == 0 {
		return
	}
	cr := q.cfg.Contacts
	a, ok := c.agentIdx[agentFor(cl.contact, cr.Agent)]
	if !ok {
		return
	}
	at := cl.enqueued.Add(cr.Wait)
	if !at.After(now) {
		return // waited that long already (an overflow, a restart)
	}
	cl.pref = routing.Preference{Agent: a.idx, For: cr.Wait}
	c.out.At(at, Timer{Kind: TimerRelax, Call: cl.id, Gen: cl.gen[TimerRelax]})
	c.step(now, cl, "prefer-agent", a.id, cr.Agent)
}

// agentFor is the agent a known caller waits for first under mode (see
// config.ContactRouting.Agent); "" for none.
func agentFor(oc contact.OnCall, mode string) string {
	switch mode {
	case config.ContactAgentPreferred:
		return oc.PreferredAgent
	case config.ContactAgentLast:
		return oc.LastAgent
	case config.ContactAgentPreferredOrLast:
		if oc.PreferredAgent != "" {
			return oc.PreferredAgent
		}
		return oc.LastAgent
	}
	return ""
}

// keptFor reports whether cl is kept for an agent other than a (see
// routing.Preference), so a must not take it.
func (c *Core) keptFor(cl *call, a *agent, now time.Time) bool {
	if cl.pref.For <= 0 || cl.pref.Agent == a.idx {
		return false
	}
	q := cl.queue
	waited := now.Sub(cl.enqueued)
	return cl.pref.Holds(&q.rs, c.view, c.requirementFor(q, cl.needs, waited), waited)
}
