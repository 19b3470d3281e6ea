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

// TestHangupDuringPromptIsAStop: a lead on a loopback leg hangs up while
// Hotline plays it a prompt. mod_loopback unlinks the pair first, so the
// prompt ends "PLAYBACK ERROR" on a channel still up, and the hang-up
// comes a moment later. Hotline must report that prompt stopped, not
// failed: a failed prompt runs what follows it (a survey's next question,
// an agent's phone) for a lead already gone.
func TestHangupDuringPromptIsAStop(t *testing.T) {
	f := newFixtureOn(t, esltest.Options{PlaybackTime: 2 * time.Second}, esl.Options{})
	f.fs.AddPhone("loopback/lead-1/leads", esltest.Phone{Mode: esltest.Answer, HangupAfter: 300 * time.Millisecond})
	checkHangupDuringPrompt(t, f.sw, pbxtest.NewRecorder(f.sw.Events(), 30*time.Second), "loopback/lead-1/leads")
}

// TestFreeSWITCHHangupDuringPromptIsAStop is the same on real FreeSWITCH,
// whose lead hangs up 300 ms into four hello-worlds (2.4 s).
func TestFreeSWITCHHangupDuringPromptIsAStop(t *testing.T) {
	fs := needFreeSWITCH(t)
	sw := fs.newSwitch(t, esl.Options{})
	tag := runTag()
	t.Cleanup(func() { fs.hangUpRun(t, tag) })
	rec := pbxtest.NewRecorder(sw.Events(), 30*time.Second)
	for i := range 5 { // the order of the two ends is a race on the real switch
		checkHangupDuringPrompt(t, sw, rec, fs.endpoint(farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 50 * time.Millisecond, HangupAfter: 300 * time.Millisecond}, tag))
		if t.Failed() {
			t.Fatalf("round %d", i+1)
		}
	}
}

func checkHangupDuringPrompt(t *testing.T, sw *esl.Switch, rec *pbxtest.Recorder, endpoint string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	id := pbx.ChannelID(fmt.Sprintf("lead-%d", time.Now().UnixNano()))
	if err := sw.Originate(ctx, pbx.OriginateRequest{ChannelID: id, Endpoint: endpoint}); err != nil {
		t.Fatal(err)
	}
	rec.WaitFor(t, ctx, pbxtest.On[pbx.Answered](id))
	if err := sw.Play(ctx, id, pbx.PlaybackID(id+"-p"), "sound:hello-world", "sound:hello-world", "sound:hello-world", "sound:hello-world"); err != nil {
		t.Fatal(err)
	}
	rec.WaitFor(t, ctx, pbxtest.On[pbx.HungUp](id))
	var seen []string
	for _, ev := range rec.Filter(func(ev pbx.Event) bool {
		switch ev.(type) {
		case pbx.PlaybackFinished, pbx.HungUp:
			return ev.Chan() == id
		}
		return false
	}) {
		seen = append(seen, pbxtest.Format(ev))
		if f, ok := ev.(pbx.PlaybackFinished); ok && (f.Failed || !f.Stopped) {
			t.Errorf("the lead hung up during the prompt, yet it was reported %s", pbxtest.Format(f))
		}
	}
	if len(seen) != 2 {
		t.Errorf("events of the lead's leg: %q; want its prompt stopped, then its hang-up", seen)
	}
}

// TestSIPCallerHungUpBySwitch, on the ESL fake: a SIP caller's own BYE
// leaves its SIP status on the channel, a hang-up from FreeSWITCH's side
// does not. Killed by another client of the switch (the console), the
// caller's channel is reported hung up by manager request; hung up by the
// caller, or by Hotline, with the normal cause.
func TestSIPCallerHungUpBySwitch(t *testing.T) {
	f := newFixtureOn(t, esltest.Options{}, esl.Options{})
	console := startSwitch(t, esl.Options{Address: f.fs.Addr(), Password: "ClueCon", CommandTimeout: 10 * time.Second,
		ReconnectDelay: 20 * time.Millisecond, Log: testLog(t)})
	rec := pbxtest.NewRecorder(f.sw.Events(), 30*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, c := range []struct {
		from string
		end  func(id pbx.ChannelID) error
		want pbx.Cause
	}{
		{"5551001", func(id pbx.ChannelID) error { return console.Hangup(ctx, id, pbx.CauseNormal) }, pbx.CauseManagerRequest},
		{"5551002", func(id pbx.ChannelID) error { return f.fs.Hangup(string(id), "") }, pbx.CauseNormal},
		{"5551003", func(id pbx.ChannelID) error { return f.sw.Hangup(ctx, id, pbx.CauseNormal) }, pbx.CauseNormal},
	} {
		uuid, err := f.fs.PlaceCall(esltest.Call{From: c.from, To: "100", Vars: map[string]string{"hotline_args": "entry,100"}})
		if err != nil {
			t.Fatal(err)
		}
		id := pbx.ChannelID(uuid)
		rec.WaitFor(t, ctx, pbxtest.On[pbx.CallArrived](id))
		if err := c.end(id); err != nil {
			t.Fatal(err)
		}
		if h := rec.WaitFor(t, ctx, pbxtest.On[pbx.HungUp](id)).(pbx.HungUp); h.Cause != c.want {
			t.Errorf("caller %s: hung up with cause %s, want %s", c.from, h.Cause, c.want)
		}
	}
}
