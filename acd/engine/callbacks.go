package engine

import (
	"fmt"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/internal/redact"
	"github.com/hotline-cc/hotline/store"
)

// leaveForCallback turns a waiting caller into a callback request that keeps
// the caller's place in line, then says thanks and hangs up.
func (c *Core) leaveForCallback(now time.Time, cl *call) {
	c.leaveForCallbackWith(now, cl, cl.rec.Caller, "", []string{soundCallbackTaken})
}

// leaveForCallbackWith is leaveForCallback to number, with a recording
// (a voicemail) for the agent, saying media.
func (c *Core) leaveForCallbackWith(now time.Time, cl *call, number, recording string, media []string) {
	cb := c.newCallback(now, cl, number, recording)
	if cb == nil {
		c.overflowFallback(now, cl)
		return
	}
	c.leave(now, cl, media, acd.OutcomeCallback, pbx.CauseNormal)
	c.offerCallback(now, cb)
}

// newCallback makes a callback request of cl's queue to number; nil when
// the queue cannot call back.
func (c *Core) newCallback(now time.Time, cl *call, number, recording string) *callbackReq {
	q := cl.queue
	if why := noCallback(q, number); why != "" {
		c.warn(now, "callback-impossible", "call %s: %s", cl.id, why)
		return nil
	}
	cb := &callbackReq{
		id: "cb-" + cl.id, queue: q, number: number, enqueued: cl.enqueued,
		priority: cl.priority, next: now, origin: cl.id, recording: recording,
	}
	c.callbacks[cb.id] = cb
	c.saveCallback(now, cb, acd.CallbackPending)
	q.stats.Callbacks++
	c.step(now, cl, "callback-requested", "", cb.id)
	return cb
}

// noCallback says why queue q cannot call number back, "" when it can: it
// needs a callback endpoint and a number of digits (an optional leading
// +), not a withheld one ("", anonymous, restricted, unknown).
func noCallback(q *queue, number string) string {
	if q.cfg.Callback.Endpoint == "" {
		return fmt.Sprintf("queue %q has no callback endpoint", q.name)
	}
	if !dialable(number) {
		if number == "" {
			return "the caller's number is withheld"
		}
		return fmt.Sprintf("the caller's number %q cannot be dialed", redact.Numbers(number))
	}
	return ""
}

// dialable tells whether number is one a callback can dial: 2 to 20
// digits after an optional +.
func dialable(number string) bool {
	d := strings.TrimPrefix(number, "+")
	if len(d) < 2 || len(d) > 20 {
		return false
	}
	for _, r := range d {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// overflowFallback is where a caller goes when the asked-for way out is not
// possible: the queue's message overflow if any, else a plain hang-up.
func (c *Core) overflowFallback(now time.Time, cl *call) {
	of := cl.queue.cfg.Overflow
	c.leave(now, cl, of.Message, acd.OutcomeOverflowed, pbx.CauseNormal)
}

// saveCallback moves a request through its state machine and saves it. An
// illegal transition is counted and refused.
func (c *Core) saveCallback(now time.Time, cb *callbackReq, st acd.CallbackState) {
	if err := acd.CheckCallbackTransition(cb.state, st); err != nil {
		c.warn(now, "illegal-transition", "callback %s: %v", cb.id, err)
		return
	}
	cb.state = st
	rec := &store.Callback{
		ID: cb.id, CallID: cb.origin, Queue: cb.queue.name, Number: cb.number, Requested: now,
		Enqueued: cb.enqueued, Priority: cb.priority, Attempts: cb.attempts, NextAttempt: cb.next, State: st,
		Recording: cb.recording,
	}
	c.save(now, "callback "+cb.id, store.PutCallback(rec))
}

// offerCallback lets every free agent of the queue consider the request.
func (c *Core) offerCallback(now time.Time, cb *callbackReq) {
	for _, m := range cb.queue.rs.Members {
		if cb.dialing != nil {
			return
		}
		if a := c.agents[m.Agent]; a.state == acd.Available {
			c.agentFree(now, a)
		}
	}
}

// dialCallback rings the agent first; once the agent answers, the customer
// is dialed (agent-first, so no customer ever waits for an agent).
func (c *Core) dialCallback(now time.Time, cb *callbackReq, a *agent) {
	id := c.newID(now, "b")
	cl := &call{id: id, ch: pbx.ChannelID(id + "-c"), dir: acd.DirectionCallback, arrived: now, queue: cb.queue,
		enqueued: cb.enqueued, entered: now, priority: cb.priority, callback: cb, phase: acd.CallQueued}
	cl.rec = store.CallRecord{ID: id, Direction: acd.DirectionCallback, Caller: cb.number, Called: cb.number,
		Queue: cb.queue.name, Channel: string(cl.ch), Entered: now, Outcome: acd.OutcomeInProgress}
	c.calls[id] = cl
	cb.dialing = cl
	c.step(now, cl, "callback-start", a.id, cb.id)
	c.offer(now, cl, a)
}

func (c *Core) callbackAgentAnswered(now time.Time, cl *call, l *leg) {
	c.removeLeg(cl, l)
	c.attempt(now, cl, l, "answered")
	c.cancelLegs(now, cl)
	a := l.agent
	cl.agent, cl.agentCh = a, l.ch
	_ = c.setAgent(now, a, acd.OnCall, motive{cause: acd.CauseAnswer})
	q := cl.queue
	cb := cl.callback
	cb.attempts++
	c.saveCallback(now, cb, acd.CallbackDialing)
	timeout := q.cfg.Callback.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	endpoint := strings.ReplaceAll(q.cfg.Callback.Endpoint, "{number}", cb.number)
	c.chans[cl.ch] = chanRef{call: cl}
	c.step(now, cl, "callback-dial", a.id, endpoint)
	c.do(Command{Op: OpStartMOH, Lane: cl.id, Channel: cl.agentCh, MOHClass: q.cfg.MOH})
	c.do(Command{Op: OpOriginate, Lane: cl.id, Originate: pbx.OriginateRequest{
		ChannelID: cl.ch, Endpoint: endpoint, CallerID: q.cfg.Callback.CallerID, Timeout: timeout,
		Vars: map[string]string{pbx.VarCallID: cl.id, pbx.VarRole: "callback", pbx.VarQueue: q.name},
	}})
	c.saveActive(now, cl)
}

// callbackCustomerFailed: the customer did not answer the callback.
func (c *Core) callbackCustomerFailed(now time.Time, cl *call, reason pbx.FailReason) {
	c.step(now, cl, "callback-no-answer", "", string(reason))
	a := cl.agent
	cl.rec.Outcome = acd.OutcomeFailed
	cl.rec.Cause = string(reason)
	if a != nil {
		c.do(Command{Op: OpHangup, Lane: string(cl.agentCh), Channel: cl.agentCh, Cause: pbx.CauseNormal})
		c.forget(cl.agentCh)
		cl.agent, cl.agentCh = nil, ""
	}
	c.endCall(now, cl, acd.HangupSystem, pbx.CauseNormal)
	if a != nil {
		c.releaseAgent(now, a, 0, motive{cause: acd.CauseCallEnd, reason: "callback " + string(reason)})
	}
}

// callbackDone runs when a callback call ends.
func (c *Core) callbackDone(now time.Time, cl *call) {
	cb := cl.callback
	if cb.dialing != cl {
		return
	}
	cb.dialing = nil
	if !cl.answered.IsZero() {
		delete(c.callbacks, cb.id)
		if err := acd.CheckCallbackTransition(cb.state, acd.CallbackDone); err != nil {
			c.warn(now, "illegal-transition", "callback %s: %v", cb.id, err)
		}
		c.save(now, "callback "+cb.id+" removal", store.DeleteCallback(cb.id))
		return
	}
	c.retryCallback(now, cb)
}

func (c *Core) retryCallback(now time.Time, cb *callbackReq) {
	cfg := cb.queue.cfg.Callback
	if cfg.MaxAttempts > 0 && cb.attempts >= cfg.MaxAttempts {
		delete(c.callbacks, cb.id)
		c.saveCallback(now, cb, acd.CallbackFailed)
		c.trace(now, "%s gave up after %d attempts", cb.id, cb.attempts)
		return
	}
	retry := cfg.RetryAfter
	if retry <= 0 {
		retry = 5 * time.Minute
	}
	cb.next = now.Add(retry)
	cb.gen++
	c.saveCallback(now, cb, acd.CallbackPending)
	c.out.At(cb.next, Timer{Kind: TimerCallback, Call: cb.id, Gen: cb.gen})
}

// abandonCallbackCall drops a callback attempt whose agent never answered;
// the request goes back to waiting, no customer attempt counted. Its record
// is closed: failed, with the last ring's result as cause.
func (c *Core) abandonCallbackCall(now time.Time, cl *call) {
	cb := cl.callback
	c.setPhase(now, cl, acd.CallEnded)
	delete(c.calls, cl.id)
	cl.rec.Outcome, cl.rec.Ended, cl.rec.HangupBy = acd.OutcomeFailed, now, acd.HangupSystem
	if n := len(cl.rec.Attempts); n > 0 {
		cl.rec.Cause = string(cl.rec.Attempts[n-1].Result)
	}
	c.step(now, cl, "end", "", string(cl.rec.Outcome))
	c.save(now, "call "+cl.id+" record", store.PutCall(&cl.rec), store.DeleteActive(cl.id))
	cb.dialing = nil
	cb.gen++
	cb.next = now.Add(time.Second)
	c.out.At(cb.next, Timer{Kind: TimerCallback, Call: cb.id, Gen: cb.gen})
}
