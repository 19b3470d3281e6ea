package engine

import (
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/ivr"
	"github.com/hotline-cc/hotline/acd/kpi"
	"github.com/hotline-cc/hotline/acd/pbx"
)

// Fire reacts to a due timer. Stale timers (a newer generation exists, or
// the call or agent moved on) do nothing.
func (c *Core) Fire(now time.Time, t Timer) {
	if c.campaignTimer(now, t) {
		return
	}
	switch t.Kind {
	case TimerWrapUp, TimerAgentReady:
		if int(t.Agent) >= len(c.agents) {
			return
		}
		a := c.agents[t.Agent]
		if a.gen[t.Kind] != t.Gen {
			return
		}
		if t.Kind == TimerWrapUp {
			if a.state == acd.WrapUp {
				c.finishWrapUp(now, a, t.Call, now.Sub(a.wrapStart), motive{cause: acd.CauseWrapUpEnd})
			}
			return
		}
		c.agentFree(now, a)
		return
	case TimerCheckpoint:
		c.checkpoint(now)
		return
	case TimerOffersHeld:
		c.offersResume(now)
		return
	case TimerDay:
		c.newDay(now)
		return
	case TimerRecordingGuard:
		c.recordingGuard(now, t.Call, t.Gen)
		return
	case TimerCallback:
		if cb, ok := c.callbacks[t.Call]; ok && cb.gen == t.Gen && cb.dialing == nil {
			c.offerCallback(now, cb)
		}
		return
	}
	cl, ok := c.calls[t.Call]
	if !ok || cl.gen[t.Kind] != t.Gen || cl.endPending {
		return
	}
	switch t.Kind {
	case TimerMenu:
		if cl.phase == acd.CallMenu {
			c.flowInput(now, cl, ivr.Timeout{})
		}
	case TimerAnnounce:
		if cl.phase == acd.CallQueued || cl.phase == acd.CallOffering {
			c.announce(now, cl)
		}
	case TimerMaxWait:
		if cl.phase == acd.CallQueued || cl.phase == acd.CallOffering {
			c.overflow(now, cl, "max-wait")
		}
	case TimerRelax, TimerRedial:
		c.dispatchCall(now, cl)
	case TimerXferGuard:
		c.targetTimedOut(now, cl)
	case TimerPlayStopped:
		c.playStopped(now, cl)
	case TimerRingGuard:
		for _, l := range append([]*leg(nil), cl.legs...) {
			if !l.answered && now.Sub(l.started) >= ringTimeout(cl.queue) {
				if !l.desk { // a desk that rang out is no switch fault
					c.warn(now, "ring-guard", "call %s: switch never reported on leg %s", cl.id, l.ch)
				}
				c.dropLeg(l, pbx.CauseOriginatorCancel)
				c.legFailed(now, cl, l, pbx.FailNoAnswer)
			}
		}
	}
}

// nextDay is the midnight after t, in t's location (a day of 23 or 25
// hours across a change of clocks).
func nextDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, t.Location())
}

// startDays has the counters start again at each midnight after from, the
// start of the day they count (Saved.Since), as the reports count by day.
func (c *Core) startDays(from time.Time) {
	c.dayStart = from
	c.out.At(nextDay(from), Timer{Kind: TimerDay})
}

// newDay starts the queues' and agents' counters again at the midnight
// that has come: the wallboard's figures are today's, as after a restart.
// An agent's time in its current state counts from midnight; a call live
// across midnight counts what happens to it from now on.
func (c *Core) newDay(now time.Time) {
	day := nextDay(c.dayStart)
	if now.Before(day) {
		return
	}
	for !nextDay(day).After(now) {
		day = nextDay(day) // the engine was not run across whole days
	}
	for _, q := range c.queues {
		q.stats = kpi.Queue{}
	}
	for _, a := range c.agents {
		a.stats = kpi.Agent{}
		if a.countedTo.Before(day) {
			a.countedTo = day
		}
		c.refreshView(a, now)
	}
	c.trace(now, "a new day (%s): the counters start again", day.Format(time.DateOnly))
	c.startDays(day)
}
