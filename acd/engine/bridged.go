package engine

import (
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx"
)

// Talk time starts when the switch confirms that both the caller and the
// agent are in the call's bridge, not when the agent answers: a caller
// still hearing an announcement the switch could not cut short joins the
// bridge only when it ends, and until then nobody talks.

// bridgeJoin is who of a call's two parties the switch reported in its bridge.
type bridgeJoin struct{ caller, agent bool }

// onBridgeJoined marks the start of talk once both parties are in.
func (c *Core) onBridgeJoined(now time.Time, e pbx.BridgeJoined) {
	ref, ok := c.chans[e.Channel]
	if !ok {
		return // a supervisor's channel, or one already gone
	}
	cl := ref.call
	if cl.phase != acd.CallBridged && cl.phase != acd.CallExternal || cl.bridge == "" || e.Bridge != cl.bridge || !cl.talkFrom.IsZero() {
		return
	}
	switch e.Channel {
	case cl.ch:
		cl.joined.caller = true
	case cl.agentCh:
		cl.joined.agent = true
	default:
		return
	}
	if !cl.joined.caller || !cl.joined.agent {
		return
	}
	cl.talkFrom = now
	if cl.rec.Bridged.IsZero() {
		cl.rec.Bridged = now
	}
	gap := now.Sub(cl.answered)
	who := "" // an outside number
	if cl.agent != nil {
		who = cl.agent.id
	}
	c.step(now, cl, "bridged", who, "after="+gap.Round(time.Millisecond).String())
	c.saveActive(now, cl)
}

// talk is how long the caller has talked with its current party by end:
// nothing before both were bridged, nor while on hold.
func (cl *call) talk(end time.Time) time.Duration {
	if cl.talkFrom.IsZero() || end.Before(cl.talkFrom) {
		return 0
	}
	return max(end.Sub(cl.talkFrom)-cl.xfer.holdTime(end), 0)
}
