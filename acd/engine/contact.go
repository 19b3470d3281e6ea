package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/contact"
	"github.com/hotline-cc/hotline/acd/ivr"
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
