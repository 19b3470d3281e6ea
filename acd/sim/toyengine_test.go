package sim_test

import (
	"fmt"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/sim"
)

// toyEngine is the least call center that exercises the switch the way the
// real engine does, reacting to events from inside Emit: answer, greet,
// hold, ring the first idle agent, bridge on answer, retry on failure, and
// clear the other leg when one hangs up.
type toyEngine struct {
	sw      *sim.Switch
	idle    []string                        // agent endpoints free to ring
	waiting []pbx.ChannelID                 // answered callers not yet offered
	legOf   map[pbx.ChannelID]pbx.ChannelID // caller → agent leg and back
	agentOf map[pbx.ChannelID]string        // agent leg → endpoint
	legs    int
	errs    []string
}

func newToyEngine(sw *sim.Switch, agents int) *toyEngine {
	e := &toyEngine{sw: sw, legOf: map[pbx.ChannelID]pbx.ChannelID{}, agentOf: map[pbx.ChannelID]string{}}
	for i := range agents {
		e.idle = append(e.idle, fmt.Sprintf("sim/agent-%d", i+1))
	}
	return e
}

func (e *toyEngine) check(what string, err error) {
	if err != nil {
		e.errs = append(e.errs, what+": "+err.Error())
	}
}

func (e *toyEngine) handle(ev pbx.Event) {
	switch ev := ev.(type) {
	case pbx.CallArrived:
		e.check("answer", e.sw.Answer(bg, ev.Channel))
		e.check("play", e.sw.Play(bg, ev.Channel, pbx.PlaybackID("greet-"+ev.Channel), "sound:welcome"))
	case pbx.Answered:
		if _, isLeg := e.agentOf[ev.Channel]; isLeg {
			caller := e.legOf[ev.Channel]
			e.check("stop moh", e.sw.StopMOH(bg, caller))
			e.check("bridge", e.sw.Bridge(bg, pbx.BridgeID("br-"+caller), caller, ev.Channel))
			return
		}
		e.check("moh", e.sw.StartMOH(bg, ev.Channel, ""))
		e.waiting = append(e.waiting, ev.Channel)
	case pbx.DTMF:
		e.check("dtmf", e.sw.SetVar(bg, ev.Channel, "choice", string(ev.Digit)))
	case pbx.OriginateFailed:
		e.idle = append(e.idle, e.agentOf[ev.Channel])
		if caller, ok := e.legOf[ev.Channel]; ok {
			delete(e.legOf, caller)
			e.waiting = append([]pbx.ChannelID{caller}, e.waiting...)
		}
		e.forget(ev.Channel)
	case pbx.HungUp:
		if ep, isLeg := e.agentOf[ev.Channel]; isLeg {
			e.idle = append(e.idle, ep)
		}
		for i, w := range e.waiting {
			if w == ev.Channel {
				e.waiting = append(e.waiting[:i], e.waiting[i+1:]...)
				break
			}
		}
		if other, ok := e.legOf[ev.Channel]; ok {
			delete(e.legOf, other)
			e.check("hangup other leg", e.sw.Hangup(bg, other, pbx.CauseNormal))
		}
		e.forget(ev.Channel)
	}
	e.offer()
}

func (e *toyEngine) forget(ch pbx.ChannelID) {
	delete(e.legOf, ch)
	delete(e.agentOf, ch)
}

// offer rings idle agents for waiting callers, first come first served.
func (e *toyEngine) offer() {
	for len(e.waiting) > 0 && len(e.idle) > 0 {
		caller, agent := e.waiting[0], e.idle[0]
		e.waiting, e.idle = e.waiting[1:], e.idle[1:]
		e.legs++
		leg := pbx.ChannelID(fmt.Sprintf("leg-%d", e.legs))
		e.legOf[caller], e.legOf[leg], e.agentOf[leg] = leg, caller, agent
		e.check("originate", e.sw.Originate(bg, pbx.OriginateRequest{
			ChannelID: leg, Endpoint: agent, Timeout: 15e9,
			Vars: map[string]string{pbx.VarRole: "agent", pbx.VarCallID: string(caller)},
		}))
	}
}
