package esl_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/pbx/pbxtest"
	"github.com/hotline-cc/hotline/esl"
	"github.com/hotline-cc/hotline/esl/esltest"
)

// TestPlayAtAnswer: a prompt played to a dialed leg the moment it answers
// plays out, on a fake that ends originates 30 ms after their answer, as
// FreeSWITCH does (an answered lead hears the safe-harbour message or its
// survey's first question at once).
func TestPlayAtAnswer(t *testing.T) {
	f := newFixtureOn(t, esltest.Options{OriginateHandover: 30 * time.Millisecond, PlaybackTime: 200 * time.Millisecond}, esl.Options{})
	f.fs.AddPhone("loopback/lead-1/leads", esltest.Phone{Mode: esltest.Answer})
	id := checkPlayAtAnswer(t, f.sw, "loopback/lead-1/leads", 150*time.Millisecond)
	if st, _ := f.fs.Channel(string(id)); len(st.Played) != 1 {
		t.Errorf("the fake played %q; want the prompt once", st.Played)
	}
}

// TestFreeSWITCHPlayAtAnswer is TestPlayAtAnswer on real FreeSWITCH,
// whose hello-world is a 0.6 s tone.
func TestFreeSWITCHPlayAtAnswer(t *testing.T) {
	fs := needFreeSWITCH(t)
	sw := fs.newSwitch(t, esl.Options{})
	tag := runTag()
	t.Cleanup(func() { fs.hangUpRun(t, tag) })
	checkPlayAtAnswer(t, sw, fs.endpoint(farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 50 * time.Millisecond}, tag), helloWorldPlays)
}

// checkPlayAtAnswer dials endpoint, plays hello-world as soon as the leg
// answers, and checks that it played for at least played before it
// finished; it returns the leg, hung up.
func checkPlayAtAnswer(t *testing.T, sw *esl.Switch, endpoint string, played time.Duration) pbx.ChannelID {
	t.Helper()
	rec := pbxtest.NewRecorder(sw.Events(), 30*time.Second)
	ctx := context.Background()
	id := pbx.ChannelID(fmt.Sprintf("lead-%d", time.Now().UnixNano()))
	if err := sw.Originate(ctx, pbx.OriginateRequest{ChannelID: id, Endpoint: endpoint}); err != nil {
		t.Fatal(err)
	}
	rec.WaitFor(t, ctx, pbxtest.On[pbx.Answered](id))
	start := time.Now()
	if err := sw.Play(ctx, id, "at-answer", "sound:hello-world"); err != nil {
		t.Fatal(err)
	}
	f := rec.WaitFor(t, ctx, func(ev pbx.Event) bool {
		f, ok := ev.(pbx.PlaybackFinished)
		return ok && f.Playback == "at-answer"
	}).(pbx.PlaybackFinished)
	if took := time.Since(start); f.Failed || f.Stopped || took < played {
		t.Errorf("a prompt played at the answer: %s after %v; want it played out (at least %v)", pbxtest.Format(f), took, played)
	}
	if err := sw.Hangup(ctx, id, pbx.CauseNormal); err != nil {
		t.Fatal(err)
	}
	rec.WaitFor(t, ctx, pbxtest.On[pbx.HungUp](id))
	return id
}

// TestBridgeAtAnswer: two legs bridged the moment the second answers are
// joined, on a fake that ends originates 30 ms after their answer and, as
// FreeSWITCH, loses a bridge made before (an agent's leg bridged to a lead
// at once).
func TestBridgeAtAnswer(t *testing.T) {
	f := newFixtureOn(t, esltest.Options{OriginateHandover: 30 * time.Millisecond}, esl.Options{})
	f.fs.AddPhone("loopback/lead-2/leads", esltest.Phone{Mode: esltest.Answer})
	f.fs.AddPhone("loopback/agent-2/phones", esltest.Phone{Mode: esltest.Answer})
	checkBridgeAtAnswer(t, f.sw, "loopback/lead-2/leads", "loopback/agent-2/phones")
}

// TestFreeSWITCHBridgeAtAnswer is TestBridgeAtAnswer on real FreeSWITCH.
func TestFreeSWITCHBridgeAtAnswer(t *testing.T) {
	fs := needFreeSWITCH(t)
	sw := fs.newSwitch(t, esl.Options{})
	tag := runTag()
	t.Cleanup(func() { fs.hangUpRun(t, tag) })
	phone := fs.endpoint(farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 50 * time.Millisecond}, tag)
	checkBridgeAtAnswer(t, sw, phone, phone)
}

// checkBridgeAtAnswer dials lead, then agent once lead answered, bridges
// them as soon as agent answers, and checks that the switch reports both
// in the bridge.
func checkBridgeAtAnswer(t *testing.T, sw *esl.Switch, lead, agent string) {
	t.Helper()
	rec := pbxtest.NewRecorder(sw.Events(), 30*time.Second)
	ctx := context.Background()
	n := time.Now().UnixNano()
	a, b := pbx.ChannelID(fmt.Sprintf("lead-%d", n)), pbx.ChannelID(fmt.Sprintf("agent-%d", n))
	if err := sw.Originate(ctx, pbx.OriginateRequest{ChannelID: a, Endpoint: lead}); err != nil {
		t.Fatal(err)
	}
	rec.WaitFor(t, ctx, pbxtest.On[pbx.Answered](a))
	if err := sw.Originate(ctx, pbx.OriginateRequest{ChannelID: b, Endpoint: agent}); err != nil {
		t.Fatal(err)
	}
	rec.WaitFor(t, ctx, pbxtest.On[pbx.Answered](b))
	id := pbx.BridgeID(fmt.Sprintf("b-%d", n))
	if err := sw.Bridge(ctx, id, a, b); err != nil {
		t.Fatal(err)
	}
	for _, ch := range []pbx.ChannelID{a, b} {
		rec.WaitFor(t, ctx, func(ev pbx.Event) bool {
			j, ok := ev.(pbx.BridgeJoined)
			return ok && j.Channel == ch && j.Bridge == id
		})
	}
	for _, ch := range []pbx.ChannelID{a, b} {
		if err := sw.Hangup(ctx, ch, pbx.CauseNormal); err != nil {
			t.Fatal(err)
		}
	}
}
