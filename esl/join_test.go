package esl_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/pbx/pbxtest"
	"github.com/hotline-cc/hotline/esl"
	"github.com/hotline-cc/hotline/esl/esltest"
)

// TestConsultEndedWhileJoining: an attended transfer completed the moment
// the target answers. The consult bridge (agent with target) is torn down,
// the agent hung up and the caller bridged with the target while
// FreeSWITCH is still joining agent and target. Done at once, the agent's
// thread, on its way out of that join, hangs the target up with
// DESTINATION_OUT_OF_ORDER ("unreachable") and the caller's join then
// fails. The switch lets FreeSWITCH finish the join first: caller and
// target end up bridged, both up.
func TestConsultEndedWhileJoining(t *testing.T) {
	const setup = 80 * time.Millisecond
	f := newFixtureOn(t, esltest.Options{BridgeSetup: setup}, esl.Options{})
	rec := pbxtest.NewRecorder(f.sw.Events(), 30*time.Second)
	ctx := context.Background()
	caller, agent, first := bridgedCall(t, f.sw, rec, func() error {
		_, err := f.placeCall(farend.CallScript{From: "5557801", To: "100"}, "entry,100")
		return err
	}, "5557801", f.fs.NewPhone(esltest.Phone{Mode: esltest.Answer}))

	// The caller is held: the call's bridge goes.
	if err := f.sw.DestroyBridge(ctx, first); err != nil {
		t.Fatal(err)
	}
	target := pbx.ChannelID("target-" + string(agent))
	if err := f.sw.Originate(ctx, pbx.OriginateRequest{ChannelID: target, Endpoint: f.fs.NewPhone(esltest.Phone{Mode: esltest.Answer})}); err != nil {
		t.Fatal(err)
	}
	rec.WaitFor(t, ctx, pbxtest.On[pbx.Answered](target))
	if err := f.sw.Bridge(ctx, "consult", agent, target); err != nil {
		t.Fatal(err)
	}
	// Complete at once, before FreeSWITCH has joined the consult.
	start := time.Now()
	if err := f.sw.DestroyBridge(ctx, "consult"); err != nil {
		t.Fatal(err)
	}
	if err := f.sw.Hangup(ctx, agent, pbx.CauseNormal); err != nil {
		t.Fatal(err)
	}
	if err := f.sw.Bridge(ctx, "handed", caller, target); err != nil {
		t.Fatal(err)
	}
	t.Logf("consult ended and caller handed over in %v", time.Since(start).Round(time.Millisecond))
	for _, ch := range []pbx.ChannelID{caller, target} {
		rec.WaitFor(t, ctx, func(ev pbx.Event) bool {
			j, ok := ev.(pbx.BridgeJoined)
			return ok && j.Channel == ch && j.Bridge == "handed"
		})
	}
	time.Sleep(3 * setup) // anything still due from the consult's join
	for _, ch := range []pbx.ChannelID{caller, target} {
		if i := rec.Index(pbxtest.On[pbx.HungUp](ch)); i >= 0 {
			t.Errorf("%s hung up: %s", ch, pbxtest.Format(rec.Events()[i]))
		}
		if st, _ := f.fs.Channel(string(ch)); st.HungUp {
			t.Errorf("FreeSWITCH hung %s up: %s", ch, st.Cause)
		}
	}
	if st, _ := f.fs.Channel(string(target)); st.Partner != string(caller) {
		t.Errorf("target's partner is %q, want the caller %s", st.Partner, caller)
	}
	rec.WaitFor(t, ctx, pbxtest.On[pbx.HungUp](agent))
}

// TestHoldRightAfterBridge: the agent holds her caller the moment the
// bridge is reported. FreeSWITCH reports CHANNEL_BRIDGE before the agent's
// leg has entered the bridge; the caller (the originator) parked in that
// window gives up waiting for it and hangs the agent up with
// DESTINATION_OUT_OF_ORDER ("unreachable"). The switch parks the legs only
// once the agent's leg is in (CHANNEL_STATE CS_EXCHANGE_MEDIA): both stay
// up, the caller hears music, and unhold bridges them again.
func TestHoldRightAfterBridge(t *testing.T) {
	const enter = 40 * time.Millisecond
	f := newFixtureOn(t, esltest.Options{BridgeSetup: 20 * time.Millisecond, BridgeEnter: enter}, esl.Options{})
	rec := pbxtest.NewRecorder(f.sw.Events(), 30*time.Second)
	ctx := context.Background()
	caller, agent, br := bridgedCall(t, f.sw, rec, func() error {
		_, err := f.placeCall(farend.CallScript{From: "5557802", To: "100"}, "entry,100")
		return err
	}, "5557802", f.fs.NewPhone(esltest.Phone{Mode: esltest.Answer}))
	if err := f.sw.Unbridge(ctx, br, caller); err != nil {
		t.Fatal(err)
	}
	if err := f.sw.StartMOH(ctx, caller, ""); err != nil {
		t.Fatal(err)
	}
	// The caller, the originator, is parked last: parked first, it would
	// stop waiting for an agent's leg still on its way in.
	parks := slices.DeleteFunc(f.fs.Commands(), func(line string) bool { return !strings.HasPrefix(line, "api uuid_park ") })
	if want := []string{"api uuid_park " + string(agent), "api uuid_park " + string(caller)}; !slices.Equal(parks, want) {
		t.Errorf("parks %q, want %q", parks, want)
	}
	time.Sleep(2 * enter)
	for _, ch := range []pbx.ChannelID{caller, agent} {
		if i := rec.Index(pbxtest.On[pbx.HungUp](ch)); i >= 0 {
			t.Fatalf("%s hung up: %s", ch, pbxtest.Format(rec.Events()[i]))
		}
	}
	if err := f.sw.StopMOH(ctx, caller); err != nil {
		t.Fatal(err)
	}
	if err := f.sw.Bridge(ctx, br, caller, agent); err != nil {
		t.Fatal(err)
	}
	rec.WaitFor(t, ctx, func(ev pbx.Event) bool {
		return len(rec.Filter(pbxtest.On[pbx.BridgeJoined](agent))) == 2
	})
	if st, _ := f.fs.Channel(string(agent)); st.HungUp || st.Partner != string(caller) {
		t.Errorf("after unhold the agent is %+v, want bridged with the caller", st)
	}
}
