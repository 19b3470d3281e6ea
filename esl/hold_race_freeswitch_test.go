package esl_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/pbx/pbxtest"
	"github.com/hotline-cc/hotline/esl"
)

// On real FreeSWITCH, an agent acts on her call 0 to 50 ms after the
// bridge was reported, many times over: she holds the caller, starts a
// consult (the call's bridge goes, she is bridged with a second agent), or
// transfers blind (her leg is hung up while the caller is held). No leg
// may be hung up that the action keeps.
func TestFreeSWITCHHoldRightAfterBridge(t *testing.T) {
	fs := needFreeSWITCH(t)
	sw := fs.newSwitch(t, esl.Options{})
	tag := runTag()
	t.Cleanup(func() { fs.hangUpRun(t, tag) })
	rec := pbxtest.NewRecorder(sw.Events(), 10*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	const rounds, workers = 36, 4
	base := time.Now().UnixNano() % 1e5
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < rounds; i += workers {
				r := actionRound{t: t, ctx: ctx, fs: fs, sw: sw, rec: rec, tag: tag, n: fmt.Sprintf("%05d%02d", base, i),
					delay: time.Duration(i*50/(rounds-1)) * time.Millisecond, action: []string{"hold", "consult", "blind"}[i%3]}
				r.run()
			}
		}()
	}
	wg.Wait()
}

// actionRound is one call of TestFreeSWITCHHoldRightAfterBridge.
type actionRound struct {
	t      *testing.T
	ctx    context.Context
	fs     *freeSWITCH
	sw     *esl.Switch
	rec    *pbxtest.Recorder
	tag, n string
	delay  time.Duration
	action string // hold, consult or blind
}

// step reports a failed command or wait; it says whether to go on.
func (r *actionRound) step(what string, err error) bool {
	if err != nil {
		r.t.Errorf("round %s (%s %v after the bridge): %s: %v", r.n, r.action, r.delay, what, err)
	}
	return err == nil
}

func (r *actionRound) wait(what string, match func(pbx.Event) bool) bool {
	_, err := r.rec.Await(r.ctx, match)
	return r.step("waiting for "+what, err)
}

// agent originates a phone that answers at once and waits for its answer.
func (r *actionRound) agent(id pbx.ChannelID) bool {
	return r.step("originate "+string(id), r.sw.Originate(r.ctx, pbx.OriginateRequest{ChannelID: id, Endpoint: r.fs.endpoint(farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: time.Millisecond}, r.tag)})) &&
		r.wait("the answer of "+string(id), pbxtest.On[pbx.Answered](id))
}

// bridge bridges a with b and waits until both are reported in.
func (r *actionRound) bridge(br pbx.BridgeID, a, b pbx.ChannelID) bool {
	return r.step("bridge", r.sw.Bridge(r.ctx, br, a, b)) &&
		r.wait(string(a)+" in the bridge", pbxtest.On[pbx.BridgeJoined](a)) &&
		r.wait(string(b)+" in the bridge", pbxtest.On[pbx.BridgeJoined](b))
}

// run bridges a caller with an agent, acts delay after both legs were
// reported in the bridge, and checks a moment later that the legs the
// action keeps are up.
func (r *actionRound) run() {
	caller := "555" + r.n
	if !r.step("call", r.fs.call(r.ctx, farend.CallScript{From: caller, To: "100"}, "", r.tag)) {
		return
	}
	ev, err := r.rec.Await(r.ctx, func(ev pbx.Event) bool {
		a, ok := ev.(pbx.CallArrived)
		return ok && a.Caller == caller
	})
	if !r.step("waiting for the call", err) {
		return
	}
	ch := ev.Chan()
	agent, second := pbx.ChannelID("race-agent-"+r.n), pbx.ChannelID("race-second-"+r.n)
	br := pbx.BridgeID("race-bridge-" + r.n)
	kept := []pbx.ChannelID{ch, agent}
	defer func() {
		for _, leg := range []pbx.ChannelID{ch, agent, second} {
			_ = r.sw.Hangup(r.ctx, leg, pbx.CauseNormal)
		}
	}()
	if !r.step("answer", r.sw.Answer(r.ctx, ch)) || !r.wait("the answer", pbxtest.On[pbx.Answered](ch)) ||
		!r.agent(agent) || (r.action == "consult" && !r.agent(second)) || !r.bridge(br, ch, agent) {
		return
	}
	time.Sleep(r.delay)
	switch r.action {
	case "hold":
		if !r.step("unbridge", r.sw.Unbridge(r.ctx, br, ch)) || !r.step("moh", r.sw.StartMOH(r.ctx, ch, "")) {
			return
		}
	case "consult":
		kept = append(kept, second)
		if !r.step("destroy the bridge", r.sw.DestroyBridge(r.ctx, br)) || !r.step("moh", r.sw.StartMOH(r.ctx, ch, "")) ||
			!r.bridge("race-consult-"+pbx.BridgeID(r.n), agent, second) {
			return
		}
	case "blind":
		kept = kept[:1]
		errs := make(chan error, 1)
		go func() { errs <- r.sw.Hangup(r.ctx, agent, pbx.CauseNormal) }() // the agent's lane
		if !r.step("unbridge", r.sw.Unbridge(r.ctx, br, ch)) || !r.step("moh", r.sw.StartMOH(r.ctx, ch, "")) || !r.step("hang up the agent", <-errs) {
			return
		}
	}
	time.Sleep(500 * time.Millisecond)
	for _, leg := range kept {
		if i := r.rec.Index(pbxtest.On[pbx.HungUp](leg)); i >= 0 {
			r.t.Errorf("round %s: %s %v after the bridge, %s hung up: %s", r.n, r.action, r.delay, leg, pbxtest.Format(r.rec.Events()[i]))
		}
	}
}
