package engine

import (
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/ivr"
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
