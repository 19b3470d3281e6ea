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

// On real FreeSWITCH, an agent holds her caller 0 to 50 ms after the
// bridge was reported, many times over: neither leg may be hung up.
func TestFreeSWITCHHoldRightAfterBridge(t *testing.T) {
	fs := needFreeSWITCH(t)
	sw := fs.newSwitch(t, esl.Options{})
	tag := runTag()
	t.Cleanup(func() { fs.hangUpRun(t, tag) })
	rec := pbxtest.NewRecorder(sw.Events(), 10*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	const rounds, workers = 24, 4
	base := time.Now().UnixNano() % 1e5
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < rounds; i += workers {
				delay := time.Duration(i*50/(rounds-1)) * time.Millisecond
				holdRound(t, ctx, fs, sw, rec, tag, fmt.Sprintf("%05d%02d", base, i), delay)
			}
		}()
	}
	wg.Wait()
}

// holdRound bridges a caller with an agent, holds the caller delay after
// both legs were reported in the bridge, and checks that both legs are
// still up a moment later.
func holdRound(t *testing.T, ctx context.Context, fs *freeSWITCH, sw *esl.Switch, rec *pbxtest.Recorder, tag, n string, delay time.Duration) {
	caller := "555" + n
	if err := fs.call(ctx, farend.CallScript{From: caller, To: "100"}, "", tag); err != nil {
		t.Error(err)
		return
	}
	ev, err := rec.Await(ctx, func(ev pbx.Event) bool {
		a, ok := ev.(pbx.CallArrived)
		return ok && a.Caller == caller
	})
	if err != nil {
		t.Errorf("round %s: %v", n, err)
		return
	}
	ch := ev.Chan()
	agent := pbx.ChannelID("hold-agent-" + n)
	br := pbx.BridgeID("hold-bridge-" + n)
	step := func(what string, err error) bool {
		if err != nil {
			t.Errorf("round %s (hold %v after the bridge): %s: %v", n, delay, what, err)
		}
		return err == nil
	}
	wait := func(what string, match func(pbx.Event) bool) bool {
		_, err := rec.Await(ctx, match)
		return step("waiting for "+what, err)
	}
	if !step("answer", sw.Answer(ctx, ch)) || !wait("the answer", pbxtest.On[pbx.Answered](ch)) ||
		!step("originate", sw.Originate(ctx, pbx.OriginateRequest{ChannelID: agent, Endpoint: fs.endpoint(farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: time.Millisecond}, tag)})) ||
		!wait("the agent's answer", pbxtest.On[pbx.Answered](agent)) ||
		!step("bridge", sw.Bridge(ctx, br, ch, agent)) ||
		!wait("the caller in the bridge", pbxtest.On[pbx.BridgeJoined](ch)) ||
		!wait("the agent in the bridge", pbxtest.On[pbx.BridgeJoined](agent)) {
		return
	}
	time.Sleep(delay)
	if !step("unbridge", sw.Unbridge(ctx, br, ch)) || !step("moh", sw.StartMOH(ctx, ch, "")) {
		return
	}
	time.Sleep(500 * time.Millisecond)
	for _, leg := range []pbx.ChannelID{ch, agent} {
		if i := rec.Index(pbxtest.On[pbx.HungUp](leg)); i >= 0 {
			t.Errorf("round %s: held %v after the bridge, %s hung up: %s", n, delay, leg, pbxtest.Format(rec.Events()[i]))
		}
	}
	_ = sw.Hangup(ctx, ch, pbx.CauseNormal)
	_ = sw.Hangup(ctx, agent, pbx.CauseNormal)
}
