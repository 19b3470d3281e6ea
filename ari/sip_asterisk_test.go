package ari

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/pbxtest"
	"github.com/hotline-cc/hotline/internal/sipptest"
)

// Legs to real SIP phones (SIPp) that do not answer fail with the reason
// the phone gave; a lead (one with a safe-harbour message, originated into
// the lead context) answered 486 at once, with no ringing, is busy too.
// With -record each case's ARI events are written to
// testdata/ari/sip-<case>.jsonl, which TestTrackerGolden replays.
func TestAsteriskSIPOriginateFailures(t *testing.T) {
	env := needAsterisk(t)
	sip := sipptest.Need(t)
	sip.Phone(t, "sip-agent1", sipptest.Phone{Mode: "busy"})
	sip.Phone(t, "sip-agent2", sipptest.Phone{Mode: "decline"})
	sip.Phone(t, "sip-agent3", sipptest.Phone{Mode: "noanswer"})
	c := startClient(t, env, Options{})
	rec := pbxtest.NewRecorder(c.Events(), 10*time.Second)
	ctx := context.Background()
	waitFor(t, "the SIP phones online and the offline one offline", func() bool {
		for ep, want := range map[string]string{"sip-agent1": "online", "sip-agent2": "online", "sip-agent3": "online", "sip-offline": "offline"} {
			var e struct{ State string }
			if c.call(ctx, http.MethodGet, "/endpoints/PJSIP/"+ep, nil, nil, &e) != nil || e.State != want {
				return false
			}
		}
		return true
	})
	for _, tc := range []struct {
		name, endpoint string
		reason         pbx.FailReason
		cause          pbx.Cause
		unattended     []string
	}{
		{"Busy", "PJSIP/sip-agent1", pbx.FailBusy, pbx.CauseBusy, nil},
		{"BusyLead", "PJSIP/sip-agent1", pbx.FailBusy, pbx.CauseBusy, []string{"sound:beep"}},
		{"Decline", "PJSIP/sip-agent2", pbx.FailRejected, pbx.CauseRejected, nil},
		{"NoAnswer", "PJSIP/sip-agent3", pbx.FailNoAnswer, pbx.CauseNoAnswer, nil},
		{"Offline", "PJSIP/sip-offline", pbx.FailUnreachable, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if *record && tc.cause != 0 { // an offline phone's leg never exists: no events
				recordTo(t, c, "sip-"+tc.name)
			}
			id := pbx.ChannelID(fmt.Sprintf("sip-%s-%d", tc.name, os.Getpid()))
			if err := c.Originate(ctx, pbx.OriginateRequest{ChannelID: id, Endpoint: tc.endpoint, Timeout: 2 * time.Second, Unattended: tc.unattended}); err != nil {
				t.Fatal(err)
			}
			f := rec.WaitFor(t, ctx, pbxtest.On[pbx.OriginateFailed](id)).(pbx.OriginateFailed)
			if f.Reason != tc.reason || tc.cause != 0 && f.Cause != tc.cause {
				t.Errorf("leg to %s failed with %s (cause %d %s), want %s (cause %d)", tc.endpoint, f.Reason, f.Cause, f.Cause, tc.reason, tc.cause)
			}
			rec.WaitFor(t, ctx, pbxtest.On[pbx.HungUp](id))
		})
	}
}

// sipCaller places a SIPp caller into the client's application and returns
// its channel once it arrived.
func sipCaller(t *testing.T, ctx context.Context, c *Client, rec *pbxtest.Recorder, sip sipptest.Env, cl sipptest.Caller) pbx.ChannelID {
	t.Helper()
	cl.App = c.opts.App
	sip.Call(t, "7300", cl)
	return rec.WaitFor(t, ctx, arrivedFrom(cl.From)).Chan()
}

// A caller connected in the middle of a spoken number hears the agent at
// once: stopping the announcement stops all of it, not only the number.
// With -record the caller hanging up during a prompt is written to
// testdata/ari/sip-HangupDuringPrompt.jsonl.
func TestAsteriskSIPStopAnnouncement(t *testing.T) {
	env := needAsterisk(t)
	sip := sipptest.Need(t)
	sip.Phone(t, "sip-agent1", sipptest.Phone{Mode: "answer", RingMs: 200})
	c := startClient(t, env, Options{})
	rec := pbxtest.NewRecorder(c.Events(), 15*time.Second)
	ctx := context.Background()
	rec.WaitFor(t, ctx, synced(1, false))
	waitFor(t, "PJSIP/sip-agent1 online", func() bool {
		var e struct{ State string }
		return c.call(ctx, http.MethodGet, "/endpoints/PJSIP/sip-agent1", nil, nil, &e) == nil && e.State == "online"
	})
	announcement := []string{"sound:queue-thereare", "number:123456789", "sound:queue-callswaiting"}

	t.Run("agent heard at once", func(t *testing.T) {
		ear := sipptest.Listen(t)
		caller := sipCaller(t, ctx, c, rec, sip, sipptest.Caller{From: "5557301", HoldMs: 20000, MediaPort: ear.Port()})
		if err := c.Answer(ctx, caller); err != nil {
			t.Fatal(err)
		}
		if err := c.Play(ctx, caller, "sip-ann-1", announcement...); err != nil {
			t.Fatal(err)
		}
		// "There are" lasts about a second; the number about eight.
		time.Sleep(2500 * time.Millisecond)
		if ear.Packets() == 0 {
			t.Fatal("the caller heard nothing of the announcement")
		}
		agent := pbx.ChannelID(fmt.Sprintf("sip-ann-agent-%d", os.Getpid()))
		if err := c.Originate(ctx, pbx.OriginateRequest{ChannelID: agent, Endpoint: "PJSIP/sip-agent1"}); err != nil {
			t.Fatal(err)
		}
		answered := rec.WaitFor(t, ctx, pbxtest.On[pbx.Answered](agent)).Time()
		// What the engine does on an agent's answer: stop, then bridge.
		if err := c.StopPlayback(ctx, "sip-ann-1"); err != nil {
			t.Fatal(err)
		}
		if err := c.Bridge(ctx, pbx.BridgeID(fmt.Sprintf("sip-ann-bridge-%d", os.Getpid())), caller, agent); err != nil {
			t.Fatal(err)
		}
		var heard time.Time
		waitFor(t, "the caller to hear the agent's tone", func() bool {
			var ok bool
			heard, ok = ear.FirstTone(1000, answered)
			return ok
		})
		lag := heard.Sub(answered)
		t.Logf("agent answered at %s; caller heard the agent %v later", answered.Format("15:04:05.000"), lag.Round(time.Millisecond))
		// Were only the number stopped, "calls waiting" (2.5 s) would play
		// first; the bound is under half of it, and leaves the test's own
		// two requests time on a busy machine.
		if lag > time.Second {
			t.Errorf("the caller heard the agent %v after the answer, want at most 1 s", lag.Round(time.Millisecond))
		}
		f := rec.WaitFor(t, ctx, func(ev pbx.Event) bool {
			p, ok := ev.(pbx.PlaybackFinished)
			return ok && p.Playback == "sip-ann-1"
		}).(pbx.PlaybackFinished)
		if !f.Stopped || f.Failed {
			t.Errorf("announcement ended %s, want stopped", pbxtest.Format(f))
		}
		for _, ch := range []pbx.ChannelID{caller, agent} {
			_ = c.Hangup(ctx, ch, pbx.CauseNormal)
		}
	})

	t.Run("caller hangs up during it", func(t *testing.T) {
		if *record {
			recordTo(t, c, "sip-HangupDuringPrompt")
		}
		caller := sipCaller(t, ctx, c, rec, sip, sipptest.Caller{From: "5557302", HoldMs: 2000})
		if err := c.Answer(ctx, caller); err != nil {
			t.Fatal(err)
		}
		if err := c.Play(ctx, caller, "sip-ann-2", announcement...); err != nil {
			t.Fatal(err)
		}
		f := rec.WaitFor(t, ctx, func(ev pbx.Event) bool {
			p, ok := ev.(pbx.PlaybackFinished)
			return ok && p.Playback == "sip-ann-2"
		}).(pbx.PlaybackFinished)
		if f.Failed {
			t.Errorf("the announcement the caller hung up on ended %s, want stopped, not failed", pbxtest.Format(f))
		}
		rec.WaitFor(t, ctx, pbxtest.On[pbx.HungUp](caller))
	})
}
