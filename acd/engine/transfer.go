package engine

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/store"
)

// Hold, consult and transfer of a call an agent talks on.
//
// A held caller leaves the call's bridge and hears music on hold; the agent
// stays. A blind transfer lets the agent go (to wrap-up) at once: the
// caller goes back to a queue, or hears music while the target (an agent
// or an outside number) rings, and is bridged with it on answer. An
// attended transfer holds the caller while the agent talks to the target
// over a consult bridge; completing it bridges the caller with the target
// and lets the agent go, cancelling it hangs the target up and brings the
// agent back to the caller. Every step is in the call's timeline; the
// record keeps the hold time, the transfers and, once transferred, each
// party the caller talked to as a leg (store.Leg) of the same call.

// TransferTo names a transfer's target: exactly one of an agent, a queue
// or an outside number.
type TransferTo struct {
	Agent  string `json:"agent,omitempty"`
	Queue  string `json:"queue,omitempty"`
	Number string `json:"number,omitempty"`
}

func (t TransferTo) String() string {
	switch {
	case t.Agent != "":
		return "agent " + t.Agent
	case t.Queue != "":
		return "queue " + t.Queue
	}
	return "number " + t.Number
}

// Check reports a target that does not name exactly one thing, or a
// number that cannot be dialed.
func (t TransferTo) Check() error {
	n := 0
	for _, v := range []string{t.Agent, t.Queue, t.Number} {
		if v != "" {
			n++
		}
	}
	if n != 1 {
		return fmt.Errorf("%w: name exactly one of agent, queue or number (got %d)", ErrBadTransfer, n)
	}
	if t.Number != "" {
		if len(t.Number) > 32 || strings.Trim(t.Number, "+0123456789*#") != "" {
			return fmt.Errorf("%w: number %q: want up to 32 digits, with + * # allowed", ErrBadTransfer, t.Number)
		}
	}
	return nil
}

// transferState is a call's hold and transfer bookkeeping.
type transferState struct {
	heldAt   time.Time     // on hold since; zero when not held
	legHold  time.Duration // hold during the current leg; not talk
	talkDone time.Duration // talk of the legs before the current one
	legStart time.Time     // the current leg's party answered
	via      acd.TransferKind
	from     string  // the agent who transferred the call to the current leg
	target   *target // being rung or consulted; in phase external, the outside party
}

// target is the far end of a transfer or a consult.
type target struct {
	to        TransferTo
	agent     *agent // nil for a number
	ch        pbx.ChannelID
	answered  bool
	attended  bool
	from      string       // the agent who transfers
	bridge    pbx.BridgeID // the consult bridge (attended)
	ringUntil time.Time    // when the switch should have timed the ring out
}

// holdTime is the hold of the current leg up to end.
func (x *transferState) holdTime(end time.Time) time.Duration {
	d := x.legHold
	if !x.heldAt.IsZero() && end.After(x.heldAt) {
		d += end.Sub(x.heldAt)
	}
	return d
}

// agentCall finds the live call agent id talks on, in one of the phases.
func (c *Core) agentCall(id, what string, phases ...acd.CallPhase) (*agent, *call, error) {
	a, err := c.agentByID(id)
	if err != nil {
		return nil, nil, err
	}
	cl := a.call
	if cl == nil || cl.agent != a || cl.phase == acd.CallEnded {
		return a, nil, fmt.Errorf("agent %q: %s: %w", id, what, ErrNoCall)
	}
	for _, p := range phases {
		if cl.phase == p {
			return a, cl, nil
		}
	}
	want := make([]string, len(phases))
	for i, p := range phases {
		want[i] = p.String()
	}
	return a, cl, fmt.Errorf("agent %q: %s: call %s is %s, not %s: %w", id, what, cl.id, cl.phase, strings.Join(want, " or "), ErrCallState)
}

// Hold puts the caller of the agent's call on hold.
func (c *Core) Hold(now time.Time, agentID string) (*call, error) {
	_, cl, err := c.agentCall(agentID, "hold", acd.CallBridged)
	if err != nil {
		return cl, err
	}
	c.setPhase(now, cl, acd.CallHeld)
	c.holdCaller(now, cl)
	c.step(now, cl, "hold", agentID, "")
	c.saveActive(now, cl)
	return cl, nil
}

// Unhold brings a held caller back to the agent.
func (c *Core) Unhold(now time.Time, agentID string) (*call, error) {
	_, cl, err := c.agentCall(agentID, "unhold", acd.CallHeld)
	if err != nil {
		return cl, err
	}
	held := c.releaseHold(now, cl)
	c.setPhase(now, cl, acd.CallBridged)
	c.do(Command{Op: OpBridge, Lane: cl.id, Channel: cl.ch, Bridge: cl.bridge, Chans: []pbx.ChannelID{cl.ch, cl.agentCh}})
	c.recordLeg(now, cl) // after a consult, whose start ended the recording
	c.step(now, cl, "unhold", agentID, "held="+held.Round(time.Millisecond).String())
	c.saveActive(now, cl)
	return cl, nil
}

// holdCaller takes the caller out of the bridge and plays music.
func (c *Core) holdCaller(now time.Time, cl *call) {
	if !cl.xfer.heldAt.IsZero() {
		return
	}
	cl.xfer.heldAt = now
	if cl.bridge != "" {
		c.do(Command{Op: OpUnbridge, Lane: cl.id, Channel: cl.ch, Bridge: cl.bridge})
	}
	c.mohOn(cl)
}

// releaseHold stops the music and counts the hold; it returns how long
// this hold lasted.
func (c *Core) releaseHold(now time.Time, cl *call) time.Duration {
	d := countHold(now, cl)
	c.mohOff(cl)
	return d
}

// countHold ends a hold in the books (the music may play on).
func countHold(now time.Time, cl *call) time.Duration {
	x := &cl.xfer
	if x.heldAt.IsZero() {
		return 0
	}
	d := max(now.Sub(x.heldAt), 0)
	x.legHold += d
	cl.rec.Hold += d
	x.heldAt = time.Time{}
	return d
}

// Transfer sends the agent's call to another agent, a queue or an outside
// number: blind (the agent leaves at once) or attended (the caller is held
// while the agent consults the target; see CompleteTransfer and
// CancelTransfer).
func (c *Core) Transfer(now time.Time, agentID string, to TransferTo, attended bool) (*call, error) {
	what := "transfer to " + to.String()
	if err := c.checkTransferTo(to, attended); err != nil {
		if _, aerr := c.agentByID(agentID); aerr != nil {
			return nil, aerr
		}
		return nil, fmt.Errorf("agent %q: %s: %w", agentID, what, err)
	}
	a, cl, err := c.agentCall(agentID, what, acd.CallBridged, acd.CallHeld)
	if err != nil {
		return cl, err
	}
	t, err := c.newTarget(a, to, attended)
	if err != nil {
		return cl, fmt.Errorf("agent %q: %s: %w", agentID, what, err)
	}
	if attended {
		c.setPhase(now, cl, acd.CallConsulting)
		c.holdCaller(now, cl)
		c.step(now, cl, "consult", a.id, to.String())
		// The agent leaves the call's bridge for the consult bridge: the
		// bridge goes (every switch keeps both channels up) and cancel
		// makes it again.
		c.endLegRecording(now, cl)
		c.do(Command{Op: OpDestroyBridge, Lane: cl.id, Bridge: cl.bridge})
		c.ringTarget(now, cl, t)
		c.saveActive(now, cl)
		return cl, nil
	}
	c.step(now, cl, "transfer", a.id, string(acd.TransferBlind)+" → "+to.String())
	c.agentLeaves(now, cl, t)
	if to.Queue != "" {
		c.requeue(now, cl, c.queueIdx[to.Queue])
		return cl, nil
	}
	c.setPhase(now, cl, acd.CallTransferring)
	c.holdCaller(now, cl)
	c.ringTarget(now, cl, t)
	c.saveActive(now, cl)
	return cl, nil
}

// transferCallerToNumber sends a caller who has no agent (a flow's
// transfer node) or whose agent lets it go to an outside number: the
// caller hears music while it rings and is bridged with it on answer. If
// the number cannot be reached the caller goes back to its queue, or, with
// none, leaves.
func (c *Core) transferCallerToNumber(now time.Time, cl *call, number string) error {
	to := TransferTo{Number: number}
	t, err := c.newTarget(nil, to, false)
	if err != nil {
		return fmt.Errorf("call %s: transfer to %s: %w", cl.id, to, err)
	}
	switch {
	case cl.agent != nil && (cl.phase == acd.CallBridged || cl.phase == acd.CallHeld):
		_, err := c.Transfer(now, cl.agent.id, to, false)
		return err
	case cl.phase == acd.CallMenu:
	default:
		return fmt.Errorf("call %s: transfer to %s: call is %s: %w", cl.id, to, cl.phase, ErrCallState)
	}
	if err := c.setPhase(now, cl, acd.CallTransferring); err != nil {
		return err
	}
	c.stopPlay(cl)
	cl.rec.Transfers++
	cl.xfer.via = acd.TransferBlind
	c.step(now, cl, "transfer", "", string(acd.TransferBlind)+" → "+to.String())
	c.holdCaller(now, cl)
	c.ringTarget(now, cl, t)
	c.saveActive(now, cl)
	return nil
}

// CompleteTransfer ends a consult: the caller is bridged with the target
// and the agent leaves.
func (c *Core) CompleteTransfer(now time.Time, agentID string) (*call, error) {
	a, cl, err := c.agentCall(agentID, "complete transfer", acd.CallConsulting)
	if err != nil {
		return cl, err
	}
	t := cl.xfer.target
	if !t.answered {
		return cl, fmt.Errorf("agent %q: complete transfer: %s has not answered yet; wait or cancel: %w", agentID, t.to, ErrCallState)
	}
	c.step(now, cl, "transfer", a.id, string(acd.TransferAttended)+" → "+t.to.String())
	c.completeConsult(now, cl, t)
	return cl, nil
}

func (c *Core) completeConsult(now time.Time, cl *call, t *target) {
	c.do(Command{Op: OpDestroyBridge, Lane: cl.id, Bridge: t.bridge})
	c.agentLeaves(now, cl, t)
	c.connectTarget(now, cl, t)
}

// CancelTransfer ends a consult without a transfer: the target is hung up
// and the agent talks to the caller again.
func (c *Core) CancelTransfer(now time.Time, agentID string) (*call, error) {
	a, cl, err := c.agentCall(agentID, "cancel transfer", acd.CallConsulting)
	if err != nil {
		return cl, err
	}
	t := cl.xfer.target
	c.step(now, cl, "consult-cancel", a.id, t.to.String())
	c.dropTarget(now, cl, t, "cancelled")
	c.setPhase(now, cl, acd.CallHeld)
	_, err = c.Unhold(now, agentID)
	return cl, err
}

// newTarget checks a transfer's target and makes it; nothing is changed.
// checkTransferTo refuses a transfer target that could not be one
// whatever the agents' states: a bad target, a queue that does not exist
// or that a consult would go to, an unknown agent, a number without
// pbx.outside. Checked before the agent's call, so that bad input is
// named as such even for an agent with no call.
func (c *Core) checkTransferTo(to TransferTo, attended bool) error {
	if err := to.Check(); err != nil {
		return err
	}
	switch {
	case to.Queue != "":
		if attended {
			return fmt.Errorf("%w: a caller goes to a queue by a blind transfer; consult an agent or a number", ErrBadTransfer)
		}
		if q := c.queueIdx[to.Queue]; q == nil || q.removed {
			return fmt.Errorf("queue %q: %w", to.Queue, ErrUnknownQueue)
		}
	case to.Agent != "":
		_, err := c.agentByID(to.Agent)
		return err
	default:
		if !strings.Contains(c.opts.Config.PBX.Outside, "{number}") {
			return fmt.Errorf("%w: pbx.outside is not set; transfers to numbers need its dial string with {number}, e.g. PJSIP/{number}@trunk", ErrBadTransfer)
		}
	}
	return nil
}

func (c *Core) newTarget(from *agent, to TransferTo, attended bool) (*target, error) {
	if err := c.checkTransferTo(to, attended); err != nil {
		return nil, err
	}
	t := &target{to: to, attended: attended}
	if from != nil {
		t.from = from.id
	}
	if to.Agent != "" {
		b, err := c.agentByID(to.Agent)
		if err != nil {
			return nil, err
		}
		if b == from {
			return nil, fmt.Errorf("%w: agent %q is the one transferring", ErrBadTransfer, b.id)
		}
		if b.state != acd.Available || b.call != nil || b.removed {
			return nil, fmt.Errorf("agent %q is %s: %w", b.id, b.state, ErrTargetBusy)
		}
		t.agent = b
	}
	return t, nil
}

// ringTarget originates the target's leg.
func (c *Core) ringTarget(now time.Time, cl *call, t *target) {
	cl.xfer.target = t
	t.ch = cl.nextChannel("t")
	c.chans[t.ch] = chanRef{call: cl, target: t}
	vars := map[string]string{pbx.VarCallID: cl.id}
	endpoint := strings.ReplaceAll(c.opts.Config.PBX.Outside, "{number}", t.to.Number)
	timeout := ringTimeout(cl.queue)
	if b := t.agent; b != nil {
		_ = c.setAgent(now, b, acd.Ringing, motive{cause: acd.CauseOffer, reason: "transfer"})
		b.call = cl
		b.stats.Offered++
		endpoint = b.cfg.Endpoint
		vars[pbx.VarRole], vars[pbx.VarAgent] = "agent", b.id
	} else {
		vars[pbx.VarRole] = "outside"
		timeout = c.opts.Config.PBX.TransferRingTimeout
	}
	c.step(now, cl, "transfer-ring", t.to.Agent, string(t.ch))
	c.do(Command{Op: OpOriginate, Lane: string(t.ch), Originate: pbx.OriginateRequest{
		ChannelID: t.ch, Endpoint: endpoint, CallerID: cl.rec.Caller, CallerName: cl.rec.CallerName, Timeout: timeout, Vars: vars,
	}})
	c.guardTarget(now, cl, t, timeout)
}

// transferGrace is how long after its ring time a transfer target the
// switch has not reported on is given up.
const transferGrace = 3 * time.Second

// guardTarget arms the guard of a target ringing for timeout: the switch
// times the ring out itself, and this catches one that never reports
// back (a trunk ignoring the timeout, an event lost), so that the caller
// is not left on music.
func (c *Core) guardTarget(now time.Time, cl *call, t *target, timeout time.Duration) {
	t.ringUntil = now.Add(timeout)
	cl.gen[TimerXferGuard]++
	c.out.At(t.ringUntil.Add(transferGrace), Timer{Kind: TimerXferGuard, Call: cl.id, Gen: cl.gen[TimerXferGuard]})
}

// targetTimedOut gives up a target still ringing when its guard fires: it
// is hung up and the transfer fails as unanswered (a consult goes back to
// the held caller, a blind transfer to the queue).
func (c *Core) targetTimedOut(now time.Time, cl *call) {
	t := cl.xfer.target
	if t == nil || t.answered || (cl.phase != acd.CallConsulting && cl.phase != acd.CallTransferring) {
		return
	}
	c.warn(now, "transfer-guard", "call %s: switch never reported on transfer target %s", cl.id, t.ch)
	c.step(now, cl, "transfer-timeout", t.to.Agent, t.to.String()+" still ringing "+now.Sub(t.ringUntil).Round(time.Second).String()+" after its ring time")
	if _, live := c.chans[t.ch]; live {
		c.do(Command{Op: OpHangup, Lane: string(t.ch), Channel: t.ch, Cause: pbx.CauseOriginatorCancel})
		c.forget(t.ch)
	}
	c.targetFailed(now, cl, t, pbx.FailNoAnswer)
}

// agentLeaves ends the agent's leg of a call that goes on without it: its
// talk is closed as a leg of the record and it goes to wrap-up.
func (c *Core) agentLeaves(now time.Time, cl *call, t *target) {
	a := cl.agent
	countHold(now, cl) // the hold of this leg ends with it; the music may play on
	a.stats.Hold += cl.xfer.legHold
	talk := c.closeLeg(now, cl)
	a.stats.Talk += talk
	c.step(now, cl, "agent-left", a.id, "talk="+talk.Round(time.Millisecond).String())
	c.endSpiesOn(now, cl, a)
	c.do(Command{Op: OpHangup, Lane: string(cl.agentCh), Channel: cl.agentCh, Cause: pbx.CauseNormal})
	c.forget(cl.agentCh)
	c.endLegRecording(now, cl)
	if cl.bridge != "" && cl.phase != acd.CallConsulting { // a consult destroyed it already
		c.do(Command{Op: OpDestroyBridge, Lane: cl.id, Bridge: cl.bridge})
	}
	c.startWrapUp(now, a, cl, talk)
	cl.agent, cl.agentCh, cl.bridge = nil, "", ""
	cl.rec.Transfers++
	cl.xfer.via, cl.xfer.from = acd.TransferBlind, a.id
	if t.attended {
		cl.xfer.via = acd.TransferAttended
	}
	if cl.phase != acd.CallConsulting {
		cl.xfer.heldAt = now // music while the next party is found, counted as hold of no leg
		c.mohOn(cl)
	}
	if a.state == acd.WrapUp {
		// The call goes on, so its end does not save the agent's state
		// with its record as it would have: saved now, so that a restart
		// keeps the agent in wrap-up until its own end, which the next
		// party's wrap-up does not move.
		a.wrapUntil = cl.wrapEnd
		c.saveAgent(now, a)
	}
}

// closeLeg writes the current party's leg into the record and returns its
// talk.
func (c *Core) closeLeg(now time.Time, cl *call) time.Duration {
	x := &cl.xfer
	talk := cl.talk(now)
	l := store.Leg{Queue: cl.rec.Queue, Via: x.via, From: x.from, Start: x.legStart, End: now, Talk: talk, Hold: x.legHold}
	if cl.answered.After(l.Start) {
		l.Start = cl.answered // an agent of a queue answered it (the call's first leg, or after a transfer to a queue)
	}
	if cl.agent != nil {
		l.Agent = cl.agent.id
	} else if x.target != nil {
		l.Number = x.target.to.Number
	}
	cl.rec.Legs = append(cl.rec.Legs, l)
	x.talkDone += talk
	x.legHold = 0
	cl.talkFrom, cl.joined = time.Time{}, bridgeJoin{}
	return talk
}

// requeue puts a transferred caller back in line: a new wait in q, its
// priority kept.
func (c *Core) requeue(now time.Time, cl *call, q *queue) {
	cl.answered, cl.enqueued = time.Time{}, now
	countHold(now, cl)
	cl.xfer.legHold = 0
	c.enterQueue(now, cl, q) // music goes on while it waits

}

// connectTarget bridges the caller with a target that answered.
func (c *Core) connectTarget(now time.Time, cl *call, t *target) {
	c.releaseHold(now, cl)
	cl.xfer.legHold = 0 // the ring was hold of the call, not of the new leg
	cl.xfer.target = nil
	cl.xfer.legStart = now
	cl.bridge = pbx.BridgeID("b-" + cl.id + "-t" + strconv.Itoa(cl.rec.Transfers))
	cl.agentCh = t.ch
	if b := t.agent; b != nil {
		l := &leg{ch: t.ch, agent: b, started: now, answered: true}
		c.chans[t.ch] = chanRef{call: cl, leg: l}
		cl.agent = b
		cl.rec.Agent, cl.rec.AgentChannel = b.id, string(t.ch)
		if b.state != acd.OnCall {
			_ = c.setAgent(now, b, acd.OnCall, motive{cause: acd.CauseAnswer, reason: "transfer"})
		}
		b.stats.Answered++
		c.setPhase(now, cl, acd.CallBridged)
	} else {
		cl.xfer.target = t
		if cl.rec.Agent == "" {
			cl.rec.Outcome = acd.OutcomeTransferred
		}
		c.setPhase(now, cl, acd.CallExternal)
	}
	if cl.answered.IsZero() {
		cl.answered = now
	}
	c.step(now, cl, "transfer-connect", t.to.Agent, t.to.String())
	c.do(Command{Op: OpBridge, Lane: cl.id, Channel: cl.ch, Bridge: cl.bridge, Chans: []pbx.ChannelID{cl.ch, t.ch}})
	c.recordLeg(now, cl)
	c.saveActive(now, cl)
}

// dropTarget hangs a target up and frees its agent without counting it
// against them.
func (c *Core) dropTarget(now time.Time, cl *call, t *target, why string) {
	cl.xfer.target = nil
	if _, live := c.chans[t.ch]; live {
		c.do(Command{Op: OpHangup, Lane: string(t.ch), Channel: t.ch, Cause: pbx.CauseOriginatorCancel})
		c.forget(t.ch)
	}
	if t.bridge != "" {
		c.do(Command{Op: OpDestroyBridge, Lane: cl.id, Bridge: t.bridge})
	}
	if b := t.agent; b != nil && b.call == cl {
		if !t.answered {
			cl.rec.Attempts = append(cl.rec.Attempts, store.Attempt{Agent: b.id, At: now, Result: acd.AttemptCancelled})
		}
		w := motive{cause: acd.CauseOfferEnd, reason: "transfer target dropped: " + why}
		if t.answered {
			w.cause = acd.CauseCallEnd
		}
		c.releaseAgent(now, b, 0, w)
	}
	c.trace(now, "%s: target %s dropped (%s)", cl.id, t.ch, why)
}

// transferEvent handles the events of a transfer target's channel; it
// reports whether ev was one.
func (c *Core) transferEvent(now time.Time, ev pbx.Event) bool {
	ref, ok := c.chans[ev.Chan()]
	if !ok || ref.target == nil {
		return false
	}
	cl, t := ref.call, ref.target
	switch e := ev.(type) {
	case pbx.Ringing:
		c.step(now, cl, "transfer-ringing", t.to.Agent, "")
	case pbx.Answered:
		c.targetAnswered(now, cl, t)
	case pbx.OriginateFailed:
		c.forget(t.ch)
		c.targetFailed(now, cl, t, e.Reason)
	case pbx.HungUp:
		delete(c.chans, t.ch)
		if !t.answered {
			c.targetFailed(now, cl, t, pbx.ReasonForCause(e.Cause))
			return true
		}
		c.targetGone(now, cl, t, e.Cause)
	case pbx.BridgeJoined, pbx.BridgeLeft:
		return false // talk with an outside party counts as with an agent
	}
	return true
}

// reconcileTarget settles a transfer target whose channel vanished while
// the link to the switch was down: unanswered, the transfer failed;
// answered, it hung up.
func (c *Core) reconcileTarget(now time.Time, cl *call, live map[pbx.ChannelID]pbx.ChannelInfo) {
	t := cl.xfer.target
	if t == nil {
		return
	}
	if ch, ok := live[t.ch]; ok {
		switch {
		case t.answered:
		case ch.Answered: // answered while the link was down
			c.targetAnswered(now, cl, t)
		case t.ringUntil.IsZero(): // restored ringing: guarded from now
			timeout := c.opts.Config.PBX.TransferRingTimeout
			if t.agent != nil {
				timeout = ringTimeout(cl.queue)
			}
			c.guardTarget(now, cl, t, timeout)
		}
		return
	}
	c.forget(t.ch)
	if t.answered {
		c.targetGone(now, cl, t, pbx.CauseNormal)
		return
	}
	c.targetFailed(now, cl, t, pbx.FailCancelled)
}

// restoreConsult gives a call restored as held the consult it had: its
// target's leg (reconcile checks it is still there) and, for an agent, the
// agent ringing or on the consult.
func (c *Core) restoreConsult(now time.Time, cl *call, s store.ActiveConsult) {
	t := &target{to: TransferTo{Agent: s.Agent, Number: s.Number}, ch: pbx.ChannelID(s.Channel), answered: s.Answered,
		attended: true, from: cl.agent.id, bridge: pbx.BridgeID(s.Bridge)}
	if s.Agent != "" {
		b := c.agentIdx[s.Agent]
		if b == nil || b.call != nil {
			c.warn(now, "restore", "call %s: consulted agent %q unknown or busy; consult not restored", cl.id, s.Agent)
			return
		}
		t.agent, b.call, b.state = b, cl, acd.Ringing
		if t.answered {
			b.state = acd.OnCall
		}
		c.refreshView(b, now)
	}
	cl.phase, cl.xfer.target = acd.CallConsulting, t
	c.chans[t.ch] = chanRef{call: cl, target: t}
	c.step(now, cl, "consult-restored", s.Agent, t.to.String())
}

// restoreLeg gives a call restored after a restart the bookkeeping of its
// current leg as saved: when its party answered, how and from which agent
// the call came to it, and the talk of the legs before (its record's).
func restoreLeg(cl *call, ac store.ActiveCall) {
	x := &cl.xfer
	x.legStart, x.via, x.from, x.legHold = ac.LegStart, ac.LegVia, ac.LegFrom, ac.LegHold
	x.talkDone = 0
	for _, l := range cl.rec.Legs {
		x.talkDone += l.Talk
	}
}

// restoredTalkFrom is when the talk of a restored call's current leg
// began: as saved, else (saved before it was kept, or before the switch
// confirmed the bridge) at the call's first bridge, or the leg's start
// when that was before it.
func restoredTalkFrom(cl *call, ac store.ActiveCall) time.Time {
	if !ac.TalkFrom.IsZero() {
		return ac.TalkFrom
	}
	start := ac.Since
	if ac.LegStart.After(start) {
		start = ac.LegStart
	}
	if cl.rec.Bridged.Before(start) {
		return start
	}
	return cl.rec.Bridged
}

// restoreTransfer gives a call restored while its blind transfer rang, or
// while its caller talked to an outside number, that transfer: the
// target's leg (reconcile checks it is still there), the caller on music
// meanwhile, or bridged with the number.
func (c *Core) restoreTransfer(now time.Time, cl *call, ac store.ActiveCall) {
	s := *ac.Consult
	t := &target{to: TransferTo{Agent: s.Agent, Number: s.Number}, ch: pbx.ChannelID(s.Channel), answered: s.Answered, from: s.From}
	if s.Agent != "" {
		b := c.agentIdx[s.Agent]
		if b == nil || b.call != nil {
			c.warn(now, "restore", "call %s: transfer target %q unknown or busy; caller queued again", cl.id, s.Agent)
			cl.phase = acd.CallNew
			return
		}
		t.agent, b.call, b.state = b, cl, acd.Ringing
		c.refreshView(b, now)
	}
	cl.xfer.target = t
	if cl.xfer.via == "" { // saved before the leg's way was kept
		cl.xfer.from, cl.xfer.via = s.From, acd.TransferBlind
	}
	cl.answered = cl.rec.Answered
	c.chans[t.ch] = chanRef{call: cl, target: t}
	if ac.State == acd.CallExternal {
		cl.phase, cl.bridge, cl.agentCh = acd.CallExternal, pbx.BridgeID(ac.Bridge), t.ch
		cl.xfer.legStart, cl.talkFrom = s.Since, ac.TalkFrom
		if cl.talkFrom.IsZero() {
			cl.talkFrom = s.Since
		}
		c.step(now, cl, "transfer-restored", "", t.to.String()+" talking")
		return
	}
	cl.phase, cl.moh = acd.CallTransferring, true
	cl.xfer.heldAt, cl.xfer.legHold = heldSince(now, ac), ac.LegHold
	c.step(now, cl, "transfer-restored", s.Agent, t.to.String()+" ringing")
}

func (c *Core) targetAnswered(now time.Time, cl *call, t *target) {
	if t.answered {
		return
	}
	t.answered = true
	if t.agent != nil {
		t.agent.unreachable = false
		cl.rec.Attempts = append(cl.rec.Attempts, store.Attempt{Agent: t.agent.id, At: now, Result: acd.AttemptAnswered})
	}
	switch cl.phase {
	case acd.CallConsulting:
		t.bridge = pbx.BridgeID("b-" + cl.id + "-c" + strconv.Itoa(cl.legSeq))
		c.step(now, cl, "consult-answered", t.to.Agent, t.to.String())
		if t.agent != nil {
			_ = c.setAgent(now, t.agent, acd.OnCall, motive{cause: acd.CauseAnswer, reason: "consultation"})
		}
		c.do(Command{Op: OpBridge, Lane: cl.id, Channel: cl.agentCh, Bridge: t.bridge, Chans: []pbx.ChannelID{cl.agentCh, t.ch}})
		c.saveActive(now, cl)
	case acd.CallTransferring:
		c.connectTarget(now, cl, t)
	default:
		c.dropTarget(now, cl, t, "late")
	}
}

// targetFailed: the target never answered. A consult goes back to the held
// caller; a blind transfer sends the caller back to its queue.
func (c *Core) targetFailed(now time.Time, cl *call, t *target, reason pbx.FailReason) {
	if cl.xfer.target != t {
		return
	}
	c.step(now, cl, "transfer-failed", t.to.Agent, string(reason))
	if b := t.agent; b != nil && b.call == cl {
		cl.rec.Attempts = append(cl.rec.Attempts, store.Attempt{Agent: b.id, At: now, Result: acd.AttemptResult(reason)})
		if reason == pbx.FailNoAnswer {
			b.stats.NoAnswer++
		}
		w := motive{cause: acd.CauseOfferEnd, reason: "transfer failed: " + string(reason)}
		if reason == pbx.FailNoAnswer {
			w = motive{cause: acd.CauseNoAnswer, reason: "transfer"}
		}
		c.releaseAgent(now, b, 0, w)
	}
	cl.xfer.target = nil
	switch cl.phase {
	case acd.CallConsulting:
		c.setPhase(now, cl, acd.CallHeld) // the agent takes the caller back with unhold
		c.saveActive(now, cl)
	case acd.CallTransferring:
		c.transferFellThrough(now, cl)
	}
}

// transferFellThrough returns a caller whose blind transfer failed to its
// queue, or ends the call when it has none.
func (c *Core) transferFellThrough(now time.Time, cl *call) {
	if q := cl.queue; q != nil && !q.removed {
		c.requeue(now, cl, q)
		return
	}
	c.releaseHold(now, cl)
	c.leave(now, cl, nil, acd.OutcomeFailed, pbx.CauseNormal)
}

// targetGone: an answered target hung up.
func (c *Core) targetGone(now time.Time, cl *call, t *target, cause pbx.Cause) {
	c.step(now, cl, "transfer-hangup", t.to.Agent, cause.String())
	switch cl.phase {
	case acd.CallConsulting:
		c.dropTarget(now, cl, t, "hung up")
		c.setPhase(now, cl, acd.CallHeld)
		c.saveActive(now, cl)
	case acd.CallExternal:
		cl.rec.Cause = cause.String()
		c.endCall(now, cl, acd.HangupAgent, pbx.CauseNormal)
	}
}

// consultAgentGone: the agent's phone hung up during a consult.
func (c *Core) consultAgentGone(now time.Time, cl *call) {
	c.forget(cl.agentCh)
	c.consultHungUp(now, cl, "agent hung up")
}

// consultHungUp ends a consult whose agent hangs up (how: on the phone,
// from the desk), as a desk phone's attended transfer does: with the
// target on the line the transfer completes; while the target rings the
// caller goes on to it as a blind transfer, and back to its queue if it
// does not answer. The caller is never cut off by the agent leaving.
func (c *Core) consultHungUp(now time.Time, cl *call, how string) {
	a, t := cl.agent, cl.xfer.target
	if t.answered {
		c.step(now, cl, "transfer", a.id, string(acd.TransferAttended)+" → "+t.to.String()+" ("+how+")")
		c.completeConsult(now, cl, t)
		return
	}
	c.step(now, cl, "transfer", a.id, string(acd.TransferBlind)+" → "+t.to.String()+" ("+how+" while it rang)")
	t.attended = false
	c.agentLeaves(now, cl, t) // the hold so far is the agent's; the caller keeps its music
	c.setPhase(now, cl, acd.CallTransferring)
	cl.xfer.heldAt = now // music while the target rings, counted as hold of no leg
	c.mohOn(cl)
	c.saveActive(now, cl)
}

// endTransfer settles hold and transfer state when a call ends at end: the
// hold in progress, a target still ringing or consulted, the outside party,
// and the last leg of a transferred call. It sets the record's talk (all
// legs) and returns the last leg's talk and hold.
func (c *Core) endTransfer(now time.Time, cl *call, end time.Time) (talk, hold time.Duration) {
	x := &cl.xfer
	countHold(end, cl)
	hold = x.legHold
	if t := x.target; t != nil && cl.phase != acd.CallExternal {
		c.dropTarget(now, cl, t, "call ended")
	}
	if t := x.target; t != nil && cl.phase == acd.CallExternal {
		if _, live := c.chans[t.ch]; live {
			c.do(Command{Op: OpHangup, Lane: string(t.ch), Channel: t.ch, Cause: pbx.CauseNormal})
			c.forget(t.ch)
		}
		if cl.bridge != "" {
			c.do(Command{Op: OpDestroyBridge, Lane: cl.id, Bridge: cl.bridge})
			cl.bridge = ""
		}
	}
	talk = cl.talk(end)
	if cl.rec.Transfers > 0 && (cl.agent != nil || cl.phase == acd.CallExternal) {
		c.closeLeg(end, cl)
	} else {
		x.talkDone += talk
	}
	cl.rec.Talk = x.talkDone
	return talk, hold
}

// Errors of hold and transfer.
var (
	ErrNoCall      = errors.New("agent has no call")
	ErrCallState   = errors.New("the call cannot do that now")
	ErrBadTransfer = errors.New("bad transfer")
	ErrTargetBusy  = errors.New("transfer target is not available")
)

// CallAction is what CallControl does to an agent's call.
type CallAction string

// Call actions.
const (
	ActionHold     CallAction = "hold"     // the caller hears music on hold; the agent stays
	ActionUnhold   CallAction = "unhold"   // the caller is back with the agent
	ActionComplete CallAction = "complete" // a consult ends with the caller handed to its target
	ActionCancel   CallAction = "cancel"   // a consult ends with the target let go
)

// CallControl holds or unholds an agent's call, or ends its consult.
type CallControl struct {
	returns[CallStatus]
	Agent  string
	Action CallAction
}

func (r CallControl) apply(c *Core, now time.Time) (any, error) {
	do := map[CallAction]func(time.Time, string) (*call, error){
		ActionHold: c.Hold, ActionUnhold: c.Unhold, ActionComplete: c.CompleteTransfer, ActionCancel: c.CancelTransfer,
	}[r.Action]
	if do == nil {
		return CallStatus{}, fmt.Errorf("%w: call action %q; known: hold, unhold, complete, cancel", ErrBadTransfer, r.Action)
	}
	return c.callAfter(now)(do(now, r.Agent))
}

// Transfer sends an agent's call to another agent, a queue or a number,
// blind or attended (a consult, ended by CallControl complete or cancel).
type Transfer struct {
	returns[CallStatus]
	Agent    string
	To       TransferTo
	Attended bool
}

func (r Transfer) apply(c *Core, now time.Time) (any, error) {
	return c.callAfter(now)(c.Transfer(now, r.Agent, r.To, r.Attended))
}

// callAfter answers a call request with the call's status after it.
func (c *Core) callAfter(now time.Time) func(cl *call, err error) (any, error) {
	return func(cl *call, err error) (any, error) {
		if err != nil || cl == nil {
			return CallStatus{}, err
		}
		return callStatus(cl, now), nil
	}
}

// legWrapUp adds an agent's wrap-up to its last leg of a transferred call.
func legWrapUp(rec *store.CallRecord, agentID string, wrap time.Duration) {
	for i := len(rec.Legs) - 1; i >= 0; i-- {
		if rec.Legs[i].Agent == agentID {
			rec.Legs[i].WrapUp += wrap
			return
		}
	}
}
