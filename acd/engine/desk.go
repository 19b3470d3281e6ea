package engine

import (
	"fmt"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/pbx"
)

// deskPickup is how long the phone of an agent who answered from the desk
// may take to pick up by itself.
const deskPickup = 10 * time.Second

// AnswerCall takes the call offered to an agent, from the desk. With
// answer: desk the agent's phone is called now, with an auto-answer
// header, and picks up by itself; with answer: phone the switch is asked
// to answer the ringing phone, which the simulator does. A real switch
// cannot (the agent picks the phone up): there the request is refused
// with ErrCallState rather than answered as if the call were taken.
type AnswerCall struct {
	returns[CallStatus]
	Agent string
	By    string // who asks, when not the agent (see Login)
}

func (r AnswerCall) apply(c *Core, now time.Time) (any, error) {
	return c.callAfter(now)(c.deskAnswer(now, r.Agent, r.By))
}

// HangUp ends an agent's call from the desk: caller and agent legs are
// hung up and the agent goes to wrap-up. A call still ringing is declined,
// as a phone's reject button does. During a consult the agent leaves as
// on a desk phone: the transfer completes if the target answered, else
// the caller goes on to the ringing target (see consultHungUp).
type HangUp struct {
	returns[CallStatus]
	Agent string
	By    string
}

func (r HangUp) apply(c *Core, now time.Time) (any, error) {
	return c.callAfter(now)(c.deskHangUp(now, r.Agent, r.By))
}

// deskAnswers says whether the desk's Answer can pick up a call ringing
// agent a: it rings the desk (answer: desk), or the switch picks up phones.
func (c *Core) deskAnswers(a *agent) bool {
	return a.cfg.Answer == config.AnswerDesk || c.opts.PickUpPhones
}

// ringingLeg is the unanswered leg that rings agent a, or nil.
func ringingLeg(a *agent) *leg {
	if a.state != acd.Ringing || a.call == nil {
		return nil
	}
	for _, l := range a.call.legs {
		if l.agent == a && !l.answered {
			return l
		}
	}
	return nil
}

// deskDetail is a desk step's detail: who asked, when not the agent.
func deskDetail(a *agent, by string) string {
	if by == "" || by == a.id {
		return "desk"
	}
	return "desk, by " + by
}

func (c *Core) deskAnswer(now time.Time, id, by string) (*call, error) {
	a, err := c.agentByID(id)
	if err != nil {
		return nil, err
	}
	l := ringingLeg(a)
	if l == nil {
		return nil, fmt.Errorf("agent %q: answer: no call rings (the agent is %s): %w", id, a.state, ErrNoCall)
	}
	cl := a.call
	if l.answering {
		return cl, fmt.Errorf("agent %q: answer: call %s is already answered from the desk; the phone is being picked up: %w", id, cl.id, ErrCallState)
	}
	if !c.deskAnswers(a) {
		return cl, fmt.Errorf("agent %q answers on the phone (answer: phone); pick up the phone, or set answer: desk: %w", id, ErrCallState)
	}
	l.answering = true
	c.step(now, cl, "desk-answer", a.id, deskDetail(a, by))
	if l.desk {
		l.desk = false
		req := legOriginate(cl, l, deskPickup)
		req.AutoAnswer = true
		c.do(Command{Op: OpOriginate, Lane: string(l.ch), Originate: req})
		cl.gen[TimerRingGuard]++
		c.out.At(now.Add(deskPickup+5*time.Second), Timer{Kind: TimerRingGuard, Call: cl.id, Gen: cl.gen[TimerRingGuard]})
	} else {
		c.do(Command{Op: OpAnswer, Lane: string(l.ch), Channel: l.ch})
	}
	c.saveActive(now, cl)
	return cl, nil
}

func (c *Core) deskHangUp(now time.Time, id, by string) (*call, error) {
	a, err := c.agentByID(id)
	if err != nil {
		return nil, err
	}
	if l := ringingLeg(a); l != nil {
		cl := a.call
		c.step(now, cl, "desk-decline", a.id, deskDetail(a, by))
		c.dropLeg(l, pbx.CauseRejected)
		c.legFailed(now, cl, l, pbx.FailRejected)
		return cl, nil
	}
	cl := a.call
	if cl == nil || cl.agent != a || cl.phase == acd.CallEnded {
		return nil, fmt.Errorf("agent %q: hang up: %w", id, ErrNoCall)
	}
	switch {
	case cl.phase == acd.CallBridged, cl.phase == acd.CallHeld:
	case cl.dir == acd.DirectionCallback && cl.phase == acd.CallOffering:
		// The agent gives up on a callback before the customer answers.
	case cl.phase == acd.CallConsulting:
		c.consultHungUp(now, cl, "hung up from the "+deskDetail(a, by))
		return cl, nil
	default:
		return cl, fmt.Errorf("agent %q: hang up: call %s is %s: %w", id, cl.id, cl.phase, ErrCallState)
	}
	c.step(now, cl, "agent-hangup", a.id, deskDetail(a, by))
	cl.rec.Cause = pbx.CauseNormal.String()
	c.endCall(now, cl, acd.HangupAgent, pbx.CauseNormal)
	return cl, nil
}
