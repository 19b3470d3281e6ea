package engine

import (
	"strconv"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/store"
)

// ringTimeout is how long an agent leg may ring.
func ringTimeout(q *queue) time.Duration {
	if q == nil || q.cfg.RingTimeout <= 0 {
		return 15 * time.Second
	}
	return q.cfg.RingTimeout
}

// offer rings agent a for call cl.
func (c *Core) offer(now time.Time, cl *call, a *agent) {
	if err := c.setAgent(now, a, acd.Ringing, motive{cause: acd.CauseOffer}); err != nil {
		return
	}
	a.call = cl
	a.stats.Offered++
	l := &leg{ch: cl.nextChannel("a"), agent: a, started: now}
	cl.legs = append(cl.legs, l)
	c.chans[l.ch] = chanRef{call: cl, leg: l}
	if cl.phase == acd.CallQueued {
		c.setPhase(now, cl, acd.CallOffering)
	}
	q := cl.queue
	q.rs.Offered(a.idx)
	c.step(now, cl, "offer", a.id, string(l.ch))
	timeout := ringTimeout(q)
	cl.gen[TimerRingGuard]++
	if a.cfg.Answer == config.AnswerDesk {
		// Only the desk rings; the phone is called when the agent answers
		// there (AnswerCall), and the guard times the ring out.
		l.desk = true
		c.out.At(now.Add(timeout), Timer{Kind: TimerRingGuard, Call: cl.id, Gen: cl.gen[TimerRingGuard]})
		c.saveActive(now, cl)
		return
	}
	c.do(Command{Op: OpOriginate, Lane: string(l.ch), Originate: legOriginate(cl, l, timeout)})
	// The switch times the ring out itself; this guard only catches a switch
	// that never reports back.
	c.out.At(now.Add(timeout+5*time.Second), Timer{Kind: TimerRingGuard, Call: cl.id, Gen: cl.gen[TimerRingGuard]})
	c.saveActive(now, cl)
}

// legOriginate calls the phone of an agent leg.
func legOriginate(cl *call, l *leg, timeout time.Duration) pbx.OriginateRequest {
	a := l.agent
	return pbx.OriginateRequest{
		ChannelID: l.ch, Endpoint: a.cfg.Endpoint, CallerID: cl.rec.Caller, CallerName: cl.rec.CallerName, Timeout: timeout,
		Vars: map[string]string{pbx.VarCallID: cl.id, pbx.VarRole: "agent", pbx.VarAgent: a.id, pbx.VarQueue: cl.queue.name},
	}
}

// dropLeg ends an agent leg Hotline gave up on: its phone is hung up, or,
// for a leg that rang the desk only, there is no channel to hang up.
func (c *Core) dropLeg(l *leg, cause pbx.Cause) {
	if l.desk {
		delete(c.chans, l.ch)
		return
	}
	c.do(Command{Op: OpHangup, Lane: string(l.ch), Channel: l.ch, Cause: cause})
	c.forget(l.ch)
}

// nextChannel names the next channel Hotline originates for a call: "a"
// for an agent leg, "s" for a supervisor. The ids of a call restored after
// a restart carry this run's tag, so a new leg never takes the id of one
// the previous run left ringing on the switch.
func (cl *call) nextChannel(kind string) pbx.ChannelID {
	cl.legSeq++
	return pbx.ChannelID(cl.id + "-" + cl.legTag + kind + strconv.Itoa(cl.legSeq))
}

func (c *Core) removeLeg(cl *call, l *leg) {
	for i, x := range cl.legs {
		if x == l {
			cl.legs = append(cl.legs[:i], cl.legs[i+1:]...)
			return
		}
	}
}

// cancelLegs hangs up every agent leg still ringing and frees its agent
// without counting it against them.
func (c *Core) cancelLegs(now time.Time, cl *call) {
	for len(cl.legs) > 0 {
		l := cl.legs[0]
		cl.legs = cl.legs[1:]
		c.dropLeg(l, pbx.CauseOriginatorCancel)
		c.attempt(now, cl, l, "cancelled")
		c.releaseAgent(now, l.agent, 0, motive{cause: acd.CauseOfferEnd, reason: string(pbx.FailCancelled)})
	}
}

func (c *Core) attempt(now time.Time, cl *call, l *leg, result string) {
	cl.rec.Attempts = append(cl.rec.Attempts, store.Attempt{Agent: l.agent.id, At: l.started, Result: acd.AttemptResult(result)})
	l.agent.stats.Ringing += now.Sub(l.started)
}

func (c *Core) onAnswered(now time.Time, e pbx.Answered) {
	ref, ok := c.lookup(now, e.Channel, "answer")
	if !ok {
		if _, gone := c.goneChans[e.Channel]; !gone {
			// No call owns it (a leg an earlier run originated and the
			// snapshot did not show): whoever answered would hear nothing.
			c.forget(e.Channel)
			c.do(Command{Op: OpHangup, Lane: string(e.Channel), Channel: e.Channel, Cause: pbx.CauseNormal})
		}
		return
	}
	cl, l := ref.call, ref.leg
	if l == nil {
		if cl.dir == acd.DirectionCallback && cl.phase == acd.CallOffering {
			c.connect(now, cl, nil)
		}
		return
	}
	if l.answered {
		return
	}
	l.answered = true
	l.agent.unreachable = false
	if cl.phase != acd.CallOffering {
		c.step(now, cl, "late-answer", l.agent.id, "")
		c.removeLeg(cl, l)
		c.do(Command{Op: OpHangup, Lane: string(l.ch), Channel: l.ch, Cause: pbx.CauseNormal})
		c.forget(l.ch)
		c.releaseAgent(now, l.agent, 0, motive{cause: acd.CauseOfferEnd, reason: "answered late"})
		return
	}
	if cl.dir == acd.DirectionCallback {
		c.callbackAgentAnswered(now, cl, l)
		return
	}
	c.connect(now, cl, l)
}

// connect bridges the caller with the agent whose leg answered.
func (c *Core) connect(now time.Time, cl *call, l *leg) {
	if l != nil {
		c.removeLeg(cl, l)
		c.attempt(now, cl, l, "answered")
		c.cancelLegs(now, cl)
		cl.agent, cl.agentCh = l.agent, l.ch
	}
	a := cl.agent
	c.removeWaiting(cl)
	for k := TimerAnnounce; k <= TimerRingGuard; k++ {
		cl.gen[k]++
	}
	c.stopPlay(cl)
	c.mohOff(cl)
	c.setPhase(now, cl, acd.CallBridged)
	cl.answered = now
	cl.rec.Answered = now
	cl.talkFrom, cl.joined = time.Time{}, bridgeJoin{}
	cl.rec.Wait = now.Sub(cl.enqueued)
	cl.rec.Agent = a.id
	cl.rec.AgentChannel = string(cl.agentCh)
	cl.bridge = pbx.BridgeID("b-" + cl.id)
	if a.state != acd.OnCall {
		_ = c.setAgent(now, a, acd.OnCall, motive{cause: acd.CauseAnswer})
	}
	a.noAnswerRun = 0
	a.stats.Answered++
	c.refreshView(a, now)
	q := cl.queue
	wait := now.Sub(cl.enqueued)
	if cl.dir == acd.DirectionCallback {
		// The agent heard music while the customer was dialed. Callbacks
		// are not queue answers: the queue counted the request already.
		c.do(Command{Op: OpStopMOH, Lane: cl.id, Channel: cl.agentCh})
	} else {
		q.stats.Answered++
		q.stats.WaitAnswered += wait
		if wait <= q.cfg.ServiceLevel {
			q.stats.InSL++
		}
	}
	c.step(now, cl, "connect", a.id, "wait="+wait.Round(time.Millisecond).String())
	c.do(Command{Op: OpBridge, Lane: cl.id, Channel: cl.ch, Bridge: cl.bridge, Chans: []pbx.ChannelID{cl.ch, cl.agentCh}})
	c.recordLeg(now, cl)
	c.saveActive(now, cl)
}

func (c *Core) onOriginateFailed(now time.Time, e pbx.OriginateFailed) {
	ref, ok := c.lookup(now, e.Channel, "originate failure")
	if !ok {
		return
	}
	c.forget(e.Channel)
	if ref.target != nil {
		c.targetFailed(now, ref.call, ref.target, e.Reason)
		return
	}
	if ref.leg == nil {
		// The customer leg of a callback.
		c.callbackCustomerFailed(now, ref.call, e.Reason)
		return
	}
	reason := e.Reason
	if e.Cause == pbx.CauseManagerRequest {
		// Ended through the switch's API (hupall, uuid_kill) while it
		// rang: no fault of the agent's phone.
		c.holdOffers(now)
		reason = pbx.FailCancelled
	}
	c.legFailed(now, ref.call, ref.leg, reason)
}

// legGone handles the hang-up of an agent leg.
func (c *Core) legGone(now time.Time, cl *call, l *leg, cause pbx.Cause) {
	if !l.answered {
		reason := pbx.ReasonForCause(cause)
		if cause == pbx.CauseManagerRequest {
			reason = pbx.FailCancelled // see onOriginateFailed
		}
		c.legFailed(now, cl, l, reason)
		return
	}
	if cause == pbx.CauseSwitchShutdown && cl.agentCh == l.ch && cl.phase.Connected() {
		c.switchShutdown(now, cl, "agent "+l.agent.id+"'s channel")
		return
	}
	if cl.agentCh == l.ch && cl.phase == acd.CallConsulting {
		c.consultAgentGone(now, cl)
		return
	}
	if cause == pbx.CauseManagerRequest && cl.agentCh == l.ch && (cl.phase == acd.CallBridged || cl.phase == acd.CallHeld) {
		// Killed through the switch's API or console (hupall, uuid_kill):
		// an administrator or the switch ended the conversation, not the
		// agent.
		c.step(now, cl, "switch-hangup", l.agent.id, "agent's channel hung up through the switch's API")
		cl.rec.Cause = cause.String()
		c.endCall(now, cl, acd.HangupSystem, pbx.CauseNormal)
		return
	}
	if cl.agentCh == l.ch && (cl.phase == acd.CallBridged || cl.phase == acd.CallHeld) {
		c.step(now, cl, "agent-hangup", l.agent.id, cause.String())
		cl.rec.Cause = cause.String()
		c.endCall(now, cl, acd.HangupAgent, pbx.CauseNormal)
		return
	}
	if cl.dir == acd.DirectionCallback && cl.agentCh == l.ch {
		// Agent gave up on a callback before the customer answered.
		c.step(now, cl, "agent-hangup", l.agent.id, cause.String())
		c.endCall(now, cl, acd.HangupAgent, pbx.CauseNormal)
	}
}

// legFailed: an agent leg did not answer.
func (c *Core) legFailed(now time.Time, cl *call, l *leg, reason pbx.FailReason) {
	c.removeLeg(cl, l)
	if cl.agentCh == l.ch && cl.dir == acd.DirectionCallback {
		cl.agentCh, cl.agent = "", nil
	}
	c.attempt(now, cl, l, string(reason))
	a := l.agent
	q := cl.queue
	var delay time.Duration
	switch reason {
	case pbx.FailNoAnswer:
		a.stats.NoAnswer++
		a.noAnswerRun++
		delay = q.cfg.NoAnswerDelay
	case pbx.FailBusy:
		a.stats.Busy++
		delay = q.cfg.BusyDelay
	case pbx.FailRejected:
		delay = q.cfg.RejectDelay
	case pbx.FailCancelled:
	case pbx.FailUnreachable:
		delay = q.cfg.BusyDelay
		c.warnUnreachable(now, a)
	default:
		delay = q.cfg.BusyDelay
	}
	c.step(now, cl, "no-connect", a.id, string(reason))
	defer func() {
		if cl.phase != acd.CallEnded && c.calls[cl.id] == cl {
			c.saveActive(now, cl) // the missed ring shows in the live record
		}
	}()
	if reason != pbx.FailCancelled {
		defer c.leadMissed(now, cl, a)
	}
	if q.cfg.MaxNoAnswer > 0 && a.noAnswerRun >= q.cfg.MaxNoAnswer && a.state == acd.Ringing {
		if a.pending == nil || a.pending.state != acd.LoggedOut {
			// replaces a pause asked for
			a.pending = &pendingChange{state: acd.Paused, motive: motive{cause: acd.CauseNoAnswer, reason: "no-answer"}}
		}
		c.afterCall(now, a, motive{cause: acd.CauseNoAnswer})
		c.step(now, cl, "agent-paused", a.id, "no-answer x"+strconv.Itoa(a.noAnswerRun))
	} else {
		w := motive{cause: acd.CauseOfferEnd, reason: string(reason)}
		if reason == pbx.FailNoAnswer {
			w = motive{cause: acd.CauseNoAnswer}
		}
		c.releaseAgent(now, a, delay, w)
	}
	if cl.dir == acd.DirectionCallback && cl.phase == acd.CallOffering && len(cl.legs) == 0 && cl.agent == nil {
		c.abandonCallbackCall(now, cl)
		return
	}
	if cl.phase == acd.CallOffering && len(cl.legs) == 0 {
		c.setPhase(now, cl, acd.CallQueued)
		cl.gen[TimerRedial]++
		retry := q.cfg.RetryDelay
		if retry <= 0 {
			c.dispatchCall(now, cl)
			return
		}
		c.out.At(now.Add(retry), Timer{Kind: TimerRedial, Call: cl.id, Gen: cl.gen[TimerRedial]})
	}
}

// releaseAgent returns a ringing agent to available, not offered again for
// delay; w says why.
func (c *Core) releaseAgent(now time.Time, a *agent, delay time.Duration, w motive) {
	if a.state != acd.Ringing && a.state != acd.OnCall {
		return
	}
	if delay > 0 {
		a.notBefore = now.Add(delay)
		a.gen[TimerAgentReady]++
		c.out.At(a.notBefore, Timer{Kind: TimerAgentReady, Agent: a.idx, Gen: a.gen[TimerAgentReady]})
	}
	c.afterCall(now, a, w)
}

// startWrapUp sends an agent whose leg of cl talked talk to wrap-up.
// wrapUpOf is the wrap-up agent a has after call rec (nil: unknown), as
// startWrapUp gives it: the agent's own, else its queue's.
func (c *Core) wrapUpOf(a *agent, rec *store.CallRecord) time.Duration {
	var wrap time.Duration
	if rec != nil {
		if q := c.queueIdx[rec.Queue]; q != nil {
			wrap = q.cfg.WrapUp
		}
	}
	if a.cfg.WrapUp != nil {
		wrap = *a.cfg.WrapUp
	}
	return wrap
}

func (c *Core) startWrapUp(now time.Time, a *agent, cl *call, talk time.Duration) {
	q := cl.queue
	wrap := q.cfg.WrapUp
	if a.cfg.WrapUp != nil {
		wrap = *a.cfg.WrapUp
	}
	if n := len(cl.rec.Legs); n > 0 && cl.rec.Legs[n-1].Agent == a.id {
		talk += cl.rec.Legs[n-1].Hold // handle time is talk + hold + wrap-up
	} else {
		talk += cl.rec.Hold
	}
	q.stats.Handled++
	q.stats.Handle += talk
	q.est.Observe(now, talk+wrap)
	a.idleSince = now
	if wrap <= 0 {
		c.finishWrapUp(now, a, cl.id, 0, motive{cause: acd.CauseCallEnd})
		return
	}
	_ = c.setAgent(now, a, acd.WrapUp, motive{cause: acd.CauseCallEnd})
	a.wrapStart = now
	cl.wrapEnd = now.Add(wrap)
	a.gen[TimerWrapUp]++
	c.out.At(cl.wrapEnd, Timer{Kind: TimerWrapUp, Agent: a.idx, Call: cl.id, Gen: a.gen[TimerWrapUp]})
}

// finishWrapUp makes the agent available after after-call work; w says
// what ended it.
func (c *Core) finishWrapUp(now time.Time, a *agent, callID string, wrap time.Duration, w motive) {
	a.stats.WrapUp += wrap
	a.wrapCall, a.wrapUntil = "", time.Time{}
	if cl := c.calls[callID]; cl != nil {
		// The agent left a call that goes on (a transfer): saved, so
		// that a restart before the call ends keeps the wrap-up.
		legWrapUp(&cl.rec, a.id, wrap)
		cl.rec.WrapUp += wrap
		if cl.phase != acd.CallEnded {
			c.saveActive(now, cl)
		}
	}
	if t := c.trailing[callID]; t != nil {
		legWrapUp(&t.rec, a.id, wrap)
		t.rec.WrapUp += wrap
		t.wrap = t.wrap && t.rec.Agent != a.id // an agent who left before the end does not close it
		if q := c.queueIdx[t.rec.Queue]; q != nil {
			q.stats.Handle += wrap
		}
		c.saveTrailer(now, callID, t)
	}
	c.campaignWrapDone(now, callID)
	c.afterCall(now, a, w)
}

// warnUnreachable says, once until the agent is reached again, that its
// endpoint cannot be rung: a wrong endpoint in the config otherwise leaves
// callers waiting with nothing in the log. Every failure is counted.
func (c *Core) warnUnreachable(now time.Time, a *agent) {
	if a.unreachable {
		c.warnings["agent-unreachable"]++
		return
	}
	a.unreachable = true
	c.warn(now, "agent-unreachable", "agent %s: endpoint %s cannot be reached; callers wait for other agents (check the agent's endpoint in the config and on the switch)", a.id, a.cfg.Endpoint)
}
