package pbxtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/speech"
)

// Names of the contract cases, for Harness.Skip.
const (
	CaseInboundAnswer        = "InboundAnswer"
	CasePlay                 = "Play"
	CaseStopPlayback         = "StopPlayback"
	CaseMOH                  = "MOH"
	CaseCallerDTMF           = "CallerDTMF"
	CaseOriginateAnswer      = "OriginateAnswer"
	CaseOriginateBusy        = "OriginateBusy"
	CaseLeadBusy             = "LeadBusy"
	CaseOriginateNoAnswer    = "OriginateNoAnswer"
	CaseOriginateUnreachable = "OriginateUnreachable"
	CaseBridge               = "Bridge"
	CaseUnbridge             = "Unbridge"
	CaseRecording            = "Recording"
	CaseRecordingPause       = "RecordingPause"
	CaseRecordingDirectory   = "RecordingDirectory"
	CaseRecordingCheck       = "RecordingCheck"
	CaseVars                 = "Vars"
	CaseGetVarUnset          = "GetVarUnset"
	CaseHangup               = "Hangup"
	CaseFarEndHangup         = "FarEndHangup"
	CaseHangupGone           = "HangupGone"
	CaseSnapshot             = "Snapshot"
	CaseSpyListen            = "SpyListen"
	CaseUnknownChannel       = "UnknownChannel"
	CaseHold                 = "Hold"
	CaseMoveBridge           = "MoveBridge"
	CaseConsult              = "Consult"
	CaseListen               = "Listen"
	CaseListenSilence        = "ListenSilence"
	CaseListenSilenceLonger  = "ListenSilenceLonger"
	CaseListenHangup         = "ListenHangup"
	CaseSwitchShutdown       = "SwitchShutdown"
	CaseSwitchStarted        = "SwitchStarted"
)

// Durations the far ends of the suite use. They are short so that a real
// switch gets through the suite quickly; the waits are Harness.Patience.
const (
	answerDelay   = 200 * time.Millisecond
	dtmfDelay     = 300 * time.Millisecond
	hangupAfter   = 500 * time.Millisecond
	noAnswerAfter = 2 * time.Second
	// recordFor is how long a recording runs before it is stopped: one
	// stopped at once may hold no audio, which FreeSWITCH keeps as no file
	// and its backend reports as a failed recording.
	recordFor = 300 * time.Millisecond
)

// A prompt every backend can play: Asterisk's core sounds have it.
const prompt = "sound:hello-world"

type caseDef struct {
	name string
	run  func(c *contractCase)
}

var contractCases = []caseDef{
	{CaseInboundAnswer, testInboundAnswer},
	{CasePlay, testPlay},
	{CaseStopPlayback, testStopPlayback},
	{CaseMOH, testMOH},
	{CaseCallerDTMF, testCallerDTMF},
	{CaseOriginateAnswer, testOriginateAnswer},
	{CaseOriginateBusy, func(c *contractCase) {
		c.originateFails(farend.Phone{Mode: farend.PhoneBusy}, 0, pbx.FailBusy)
	}},
	{CaseLeadBusy, testLeadBusy},
	{CaseOriginateNoAnswer, func(c *contractCase) {
		c.originateFails(farend.Phone{Mode: farend.PhoneNoAnswer}, noAnswerAfter, pbx.FailNoAnswer)
	}},
	{CaseOriginateUnreachable, func(c *contractCase) {
		c.originateFails(farend.Phone{Mode: farend.PhoneUnreachable}, 0, pbx.FailUnreachable)
	}},
	{CaseBridge, func(c *contractCase) { c.bridged() }},
	{CaseUnbridge, testUnbridge},
	{CaseRecording, testRecording},
	{CaseRecordingPause, func(c *contractCase) {
		c.recordingPause(fmt.Sprintf("hotline-contract-%d-pause", c.next()))
	}},
	{CaseRecordingDirectory, func(c *contractCase) {
		c.recordingPause(fmt.Sprintf("hotline-contract/%d/call-%d", c.next(), c.next()))
	}},
	{CaseRecordingCheck, testRecordingCheck},
	{CaseVars, testVars},
	{CaseGetVarUnset, testGetVarUnset},
	{CaseHangup, testHangup},
	{CaseFarEndHangup, testFarEndHangup},
	{CaseHangupGone, testHangupGone},
	{CaseSnapshot, testSnapshot},
	{CaseSpyListen, testSpyListen},
	{CaseUnknownChannel, testUnknownChannel},
	{CaseHold, testHold},
	{CaseMoveBridge, testMoveBridge},
	{CaseConsult, testConsult},
	{CaseListen, testListen},
	{CaseListenSilence, testListenSilence},
	{CaseListenSilenceLonger, testListenSilenceLonger},
	{CaseListenHangup, testListenHangup},
	{CaseSwitchShutdown, testSwitchShutdown},
	{CaseSwitchStarted, testSwitchStarted},
}

// RunSwitchContract runs every contract case as a subtest named after its
// Case constant. newHarness is called once per case and must return a
// started switch; it registers its own t.Cleanup to close the switch and
// whatever stands behind it.
//
// What the suite holds a backend to, beyond each command's own doc: events
// for a channel come in the order the call went; an originate that fails
// yields OriginateFailed with the reason and then HungUp; Ringing, if sent,
// comes before Answered; a command on a channel the switch does not know
// fails with pbx.ErrNoChannel, except Hangup, which succeeds.
func RunSwitchContract(t *testing.T, newHarness func(t *testing.T) *Harness) {
	var checkedSkips atomic.Bool
	for _, tc := range contractCases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			if !checkedSkips.Swap(true) {
				checkSkips(t, h.Skip)
			}
			if reason, ok := h.Skip[tc.name]; ok {
				t.Skip(reason)
			}
			tc.run(newContractCase(t, h))
		})
	}
}

// RunSwitchCase runs the one contract case named (a Case constant), as a
// subtest of that name: for a case a backend runs only on request, such as
// CaseSwitchShutdown on a switch of its own.
func RunSwitchCase(t *testing.T, name string, newHarness func(t *testing.T) *Harness) {
	i := slices.IndexFunc(contractCases, func(c caseDef) bool { return c.name == name })
	if i < 0 {
		t.Fatalf("no contract case %q", name)
	}
	t.Run(name, func(t *testing.T) { contractCases[i].run(newContractCase(t, newHarness(t))) })
}

func checkSkips(t *testing.T, skip map[string]string) {
	t.Helper()
	for name := range skip {
		if !slices.ContainsFunc(contractCases, func(c caseDef) bool { return c.name == name }) {
			t.Errorf("Harness.Skip names %q, which is not a contract case", name)
		}
	}
}

// uniq keeps ids, numbers and recording names of one run apart from those
// of earlier runs against the same real switch.
var uniq atomic.Int64

func init() { uniq.Store(time.Now().UnixNano() % 1e6 * 100) }

// contractCase is one case's harness, recorder and helpers.
type contractCase struct {
	t   *testing.T
	h   *Harness
	rec *Recorder
	ctx context.Context
}

func newContractCase(t *testing.T, h *Harness) *contractCase {
	patience := h.Patience
	if patience <= 0 {
		patience = DefaultPatience
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*patience)
	t.Cleanup(cancel)
	return &contractCase{t: t, h: h, rec: NewRecorder(h.Switch.Events(), patience), ctx: ctx}
}

func (c *contractCase) next() int64 { return uniq.Add(1) }

func (c *contractCase) channelID(role string) pbx.ChannelID {
	return pbx.ChannelID(fmt.Sprintf("contract-%s-%d", role, c.next()))
}

func (c *contractCase) wait(match func(pbx.Event) bool) pbx.Event {
	c.t.Helper()
	return c.rec.WaitFor(c.t, c.ctx, match)
}

func (c *contractCase) ok(err error, what string) {
	c.t.Helper()
	if err != nil {
		c.t.Fatalf("%s: %v", what, err)
	}
}

// before fails unless the first event matching a comes before the first
// matching b.
func (c *contractCase) before(a, b func(pbx.Event) bool, what string) {
	c.t.Helper()
	if ia, ib := c.rec.Index(a), c.rec.Index(b); ia < 0 || ib < 0 || ia > ib {
		c.t.Errorf("%s: out of order (positions %d, %d); %s", what, ia, ib, c.rec.dump())
	}
}

// call places an inbound call and returns its channel once it arrived,
// checking the caller and called numbers.
func (c *contractCase) call(s farend.CallScript) pbx.ChannelID {
	c.t.Helper()
	s.From = fmt.Sprintf("5550%06d", c.next()%1e6)
	if s.To == "" {
		s.To = "100"
	}
	c.ok(c.h.PlaceCall(c.ctx, s), "place call")
	ev := c.wait(func(ev pbx.Event) bool {
		a, ok := ev.(pbx.CallArrived)
		return ok && a.Caller == s.From
	}).(pbx.CallArrived)
	if ev.Called != s.To {
		c.t.Errorf("CallArrived.Called = %q, want %q", ev.Called, s.To)
	}
	if ev.Channel == "" {
		c.t.Fatalf("CallArrived without a channel id")
	}
	return ev.Channel
}

// answered places a call and answers it.
func (c *contractCase) answered(s farend.CallScript) pbx.ChannelID {
	c.t.Helper()
	ch := c.call(s)
	c.ok(c.h.Switch.Answer(c.ctx, ch), "answer")
	c.wait(On[pbx.Answered](ch))
	return ch
}

// agent originates to a phone that answers and returns the answered leg.
func (c *contractCase) agent() pbx.ChannelID {
	c.t.Helper()
	id := c.channelID("agent")
	c.ok(c.h.Switch.Originate(c.ctx, pbx.OriginateRequest{
		ChannelID: id,
		Endpoint:  c.h.Endpoint(farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: answerDelay}),
		Vars:      map[string]string{pbx.VarRole: "agent"},
	}), "originate")
	c.wait(On[pbx.Answered](id))
	return id
}

// bridged answers a caller, originates an agent, bridges them and checks
// BridgeJoined for both.
func (c *contractCase) bridged() (caller, agent pbx.ChannelID, br pbx.BridgeID) {
	c.t.Helper()
	caller, agent = c.answered(farend.CallScript{}), c.agent()
	br = pbx.BridgeID(fmt.Sprintf("contract-bridge-%d", c.next()))
	c.ok(c.h.Switch.Bridge(c.ctx, br, caller, agent), "bridge")
	for _, ch := range []pbx.ChannelID{caller, agent} {
		j := c.wait(On[pbx.BridgeJoined](ch)).(pbx.BridgeJoined)
		if j.Bridge != br {
			c.t.Errorf("BridgeJoined for %s names bridge %q, want %q", ch, j.Bridge, br)
		}
	}
	return caller, agent, br
}

// originateFails dials a phone that will not answer and checks the reason
// and that HungUp follows OriginateFailed.
func (c *contractCase) originateFails(p farend.Phone, timeout time.Duration, want pbx.FailReason) {
	c.t.Helper()
	id := c.channelID("agent")
	c.ok(c.h.Switch.Originate(c.ctx, pbx.OriginateRequest{ChannelID: id, Endpoint: c.h.Endpoint(p), Timeout: timeout}), "originate")
	f := c.wait(On[pbx.OriginateFailed](id)).(pbx.OriginateFailed)
	if f.Reason != want {
		c.t.Errorf("OriginateFailed.Reason = %q (cause %s), want %q", f.Reason, f.Cause, want)
	}
	c.wait(On[pbx.HungUp](id))
	c.before(On[pbx.OriginateFailed](id), On[pbx.HungUp](id), "OriginateFailed then HungUp")
	if i := c.rec.Index(On[pbx.Answered](id)); i >= 0 {
		c.t.Errorf("a failed originate reported Answered")
	}
}

// testLeadBusy: a campaign's lead (it has a safe-harbour message, which
// sends it through the Asterisk dialplan's lead context) whose line is
// busy at once fails as busy, with the busy cause on both events, so every
// switch has the campaign retry it after its busy delay.
func testLeadBusy(c *contractCase) {
	id := c.channelID("lead")
	c.ok(c.h.Switch.Originate(c.ctx, pbx.OriginateRequest{ChannelID: id, Endpoint: c.h.Endpoint(farend.Phone{Mode: farend.PhoneBusy}),
		Unattended: []string{prompt}}), "originate")
	if f := c.wait(On[pbx.OriginateFailed](id)).(pbx.OriginateFailed); f.Reason != pbx.FailBusy || f.Cause != pbx.CauseBusy {
		c.t.Errorf("OriginateFailed = %s, want reason busy, cause %d", Format(f), pbx.CauseBusy)
	}
	if h := c.wait(On[pbx.HungUp](id)).(pbx.HungUp); h.Cause != pbx.CauseBusy {
		c.t.Errorf("HungUp = %s, want cause %d", Format(h), pbx.CauseBusy)
	}
}

// testSwitchShutdown: the switch shuts down with a conversation and a
// ringing leg up. It says so (SwitchStopping) before it hangs them up, and
// every channel it hangs up says why (CauseSwitchShutdown), so that no
// party is blamed for the end; then the link goes down.
func testSwitchShutdown(c *contractCase) {
	if c.h.Shutdown == nil {
		c.t.Skip("the harness cannot shut this switch down (a shared switch, or one that does not stop)")
	}
	caller, agent, _ := c.bridged()
	ringing := c.channelID("agent")
	c.ok(c.h.Switch.Originate(c.ctx, pbx.OriginateRequest{ChannelID: ringing,
		Endpoint: c.h.Endpoint(farend.Phone{Mode: farend.PhoneNoAnswer}), Timeout: time.Minute}), "originate")
	c.wait(func(ev pbx.Event) bool {
		_, ok := ev.(pbx.Ringing)
		return ok && ev.Chan() == ringing
	})
	before := c.started()
	shutdown := time.Now()
	c.ok(c.h.Shutdown(c.ctx), "shutdown")
	stopping := func(ev pbx.Event) bool { _, ok := ev.(pbx.SwitchStopping); return ok }
	c.wait(stopping)
	for _, ch := range []pbx.ChannelID{caller, agent, ringing} {
		if h := c.wait(On[pbx.HungUp](ch)).(pbx.HungUp); h.Cause != pbx.CauseSwitchShutdown {
			c.t.Errorf("HungUp = %s, want cause %s; %s", Format(h), pbx.CauseSwitchShutdown, c.rec.dump())
		}
		c.before(stopping, On[pbx.HungUp](ch), "SwitchStopping then HungUp")
	}
	for _, f := range c.rec.Filter(On[pbx.OriginateFailed](ringing)) {
		if f.(pbx.OriginateFailed).Reason != pbx.FailCancelled {
			c.t.Errorf("OriginateFailed = %s, want reason cancelled", Format(f))
		}
	}
	c.wait(func(ev pbx.Event) bool { _, ok := ev.(pbx.Disconnected); return ok })
	if !c.h.ComesBack {
		return
	}
	c.wait(func(ev pbx.Event) bool { s, ok := ev.(pbx.Synced); return ok && s.Reconnect })
	if after := c.started(); !after.After(shutdown) {
		c.t.Errorf("after its restart the switch says it started at %v, before it was shut down at %v (first start %v)", after, shutdown, before)
	}
}

// testSwitchStarted: a snapshot says when the switch started, by this
// machine's clock, the same in every snapshot until it restarts (the
// engine compares it with when it last saw a call).
func testSwitchStarted(c *contractCase) {
	first := c.started()
	if first.After(time.Now()) {
		c.t.Errorf("the switch says it started at %v, later than now", first)
	}
	c.answered(farend.CallScript{})
	if again := c.started(); again.Sub(first).Abs() > time.Second {
		c.t.Errorf("two snapshots say the switch started at %v and at %v", first, again)
	}
}

// started is the switch's start time in a snapshot taken now; a backend
// that cannot tell fails the case.
func (c *contractCase) started() time.Time {
	c.t.Helper()
	snap, err := c.h.Switch.Snapshot(c.ctx)
	c.ok(err, "snapshot")
	if snap.Started.IsZero() {
		c.t.Fatalf("the snapshot does not say when the switch started")
	}
	return snap.Started
}

func testInboundAnswer(c *contractCase) { c.answered(farend.CallScript{To: "4242"}) }

func testPlay(c *contractCase) {
	ch := c.answered(farend.CallScript{})
	id := pbx.PlaybackID(fmt.Sprintf("contract-play-%d", c.next()))
	c.ok(c.h.Switch.Play(c.ctx, ch, id, prompt), "play")
	f := c.wait(isPlayback(id)).(pbx.PlaybackFinished)
	if f.Stopped || f.Failed || f.Channel != ch {
		c.t.Errorf("PlaybackFinished = %s, want it played out on %s", Format(f), ch)
	}
}

func testStopPlayback(c *contractCase) {
	ch := c.answered(farend.CallScript{})
	id := pbx.PlaybackID(fmt.Sprintf("contract-play-%d", c.next()))
	long := slices.Repeat([]string{prompt}, 20)
	c.ok(c.h.Switch.Play(c.ctx, ch, id, long...), "play")
	c.ok(c.h.Switch.StopPlayback(c.ctx, id), "stop playback")
	if f := c.wait(isPlayback(id)).(pbx.PlaybackFinished); !f.Stopped {
		c.t.Errorf("PlaybackFinished = %s, want Stopped", Format(f))
	}
}

func isPlayback(id pbx.PlaybackID) func(pbx.Event) bool {
	return func(ev pbx.Event) bool {
		f, ok := ev.(pbx.PlaybackFinished)
		return ok && f.Playback == id
	}
}

func testMOH(c *contractCase) {
	ch := c.answered(farend.CallScript{})
	c.ok(c.h.Switch.StartMOH(c.ctx, ch, ""), "start moh")
	c.ok(c.h.Switch.StopMOH(c.ctx, ch), "stop moh")
}

func testCallerDTMF(c *contractCase) {
	const digits = "12#"
	ch := c.answered(farend.CallScript{DTMF: digits, DTMFDelay: dtmfDelay})
	c.wait(func(ev pbx.Event) bool {
		d, ok := ev.(pbx.DTMF)
		return ok && d.Channel == ch && d.Digit == '#'
	})
	var got strings.Builder
	for _, ev := range c.rec.Filter(On[pbx.DTMF](ch)) {
		got.WriteRune(ev.(pbx.DTMF).Digit)
	}
	if got.String() != digits {
		c.t.Errorf("DTMF on %s = %q, want %q", ch, got.String(), digits)
	}
}

func testOriginateAnswer(c *contractCase) {
	id := c.agent()
	if c.rec.Index(On[pbx.Ringing](id)) >= 0 {
		c.before(On[pbx.Ringing](id), On[pbx.Answered](id), "Ringing before Answered")
	}
}

func testUnbridge(c *contractCase) {
	_, agent, br := c.bridged()
	c.ok(c.h.Switch.Unbridge(c.ctx, br, agent), "unbridge")
	if l := c.wait(On[pbx.BridgeLeft](agent)).(pbx.BridgeLeft); l.Bridge != br {
		c.t.Errorf("BridgeLeft names bridge %q, want %q", l.Bridge, br)
	}
}

func testRecording(c *contractCase) {
	_, _, br := c.bridged()
	name := fmt.Sprintf("hotline-contract-%d", c.next())
	c.ok(c.h.Switch.StartRecording(c.ctx, pbx.RecordRequest{Name: name, Format: "wav", Bridge: br}), "start recording")
	time.Sleep(recordFor) // a recording with no audio may be kept as none (see recordFor)
	c.ok(c.h.Switch.StopRecording(c.ctx, name), "stop recording")
	f := c.wait(func(ev pbx.Event) bool {
		r, ok := ev.(pbx.RecordingFinished)
		return ok && r.Name == name
	}).(pbx.RecordingFinished)
	if f.Failed || f.Path == "" {
		c.t.Errorf("RecordingFinished = %s, want not failed, with its path", Format(f))
	}
	// Every switch says when the recording began, by its own clock: the
	// engine takes that time over the time it asked.
	started := func(ev pbx.Event) bool {
		r, ok := ev.(pbx.RecordingStarted)
		return ok && r.Name == name
	}
	if i := c.rec.Index(started); i < 0 {
		c.t.Errorf("no RecordingStarted for %s before its RecordingFinished", name)
	} else if s := c.rec.Filter(started)[0].(pbx.RecordingStarted); s.At.IsZero() || s.At.After(f.At) {
		c.t.Errorf("RecordingStarted = %s: want a time at or before the finish %v", Format(s), f.At)
	}
}

// testRecordingCheck holds a backend to pbx.RecordingChecker, which the
// engine's recording guard needs of every switch: a recording over is
// reported again with its path, one still running is stopped and
// reported, one the switch never had is reported failed.
func testRecordingCheck(c *contractCase) {
	rc, ok := c.h.Switch.(pbx.RecordingChecker)
	if !ok {
		c.t.Fatalf("%T is not a pbx.RecordingChecker", c.h.Switch)
	}
	// finished is the n-th RecordingFinished of name.
	finished := func(name string, n int) pbx.RecordingFinished {
		return c.wait(nth(n, func(ev pbx.Event) bool {
			r, ok := ev.(pbx.RecordingFinished)
			return ok && r.Name == name
		})).(pbx.RecordingFinished)
	}
	_, _, br := c.bridged()
	over := fmt.Sprintf("hotline-contract-%d-over", c.next())
	c.ok(c.h.Switch.StartRecording(c.ctx, pbx.RecordRequest{Name: over, Format: "wav", Bridge: br}), "start recording")
	time.Sleep(recordFor)
	c.ok(c.h.Switch.StopRecording(c.ctx, over), "stop recording")
	first := finished(over, 1)
	c.ok(rc.CheckRecording(c.ctx, over), "check a recording over")
	if again := finished(over, 2); again.Failed || again.Path != first.Path {
		c.t.Errorf("checked after its finish: %s, want the path %q again", Format(again), first.Path)
	}

	running := fmt.Sprintf("hotline-contract-%d-running", c.next())
	c.ok(c.h.Switch.StartRecording(c.ctx, pbx.RecordRequest{Name: running, Format: "wav", Bridge: br}), "start recording")
	time.Sleep(recordFor)
	c.ok(rc.CheckRecording(c.ctx, running), "check a running recording")
	if f := finished(running, 1); f.Failed || !strings.HasSuffix(f.Path, running+".wav") {
		c.t.Errorf("checked while running: %s, want it stopped, its path ending in %s.wav", Format(f), running)
	}

	none := fmt.Sprintf("hotline-contract-%d-none", c.next())
	c.ok(rc.CheckRecording(c.ctx, none), "check a recording never made")
	if f := finished(none, 1); !f.Failed || f.Path != "" {
		c.t.Errorf("checked a recording never made: %s, want failed, no path", Format(f))
	}
}

// recordingPause records a bridge to name, pausing and resuming it.
func (c *contractCase) recordingPause(name string) {
	_, _, br := c.bridged()
	sw := c.h.Switch
	c.ok(sw.StartRecording(c.ctx, pbx.RecordRequest{Name: name, Format: "wav", Bridge: br}), "start recording")
	c.ok(sw.PauseRecording(c.ctx, name), "pause recording")
	c.ok(sw.PauseRecording(c.ctx, name), "pause a paused recording")
	c.ok(sw.ResumeRecording(c.ctx, name), "resume recording")
	c.ok(sw.ResumeRecording(c.ctx, name), "resume a running recording")
	time.Sleep(recordFor)
	if err := sw.PauseRecording(c.ctx, name+"-none"); !errors.Is(err, pbx.ErrNoRecording) {
		c.t.Errorf("PauseRecording(unknown) = %v, want pbx.ErrNoRecording", err)
	}
	c.ok(sw.StopRecording(c.ctx, name), "stop recording")
	f := c.wait(func(ev pbx.Event) bool {
		r, ok := ev.(pbx.RecordingFinished)
		return ok && r.Name == name
	}).(pbx.RecordingFinished)
	if f.Failed || !strings.HasSuffix(f.Path, name+".wav") {
		c.t.Errorf("RecordingFinished = %s, want not failed, path ending in %s.wav", Format(f), name)
	}
}

func testVars(c *contractCase) {
	ch := c.answered(farend.CallScript{})
	want := fmt.Sprintf("call-%d", c.next())
	c.ok(c.h.Switch.SetVar(c.ctx, ch, pbx.VarCallID, want), "set var")
	got, err := c.h.Switch.GetVar(c.ctx, ch, pbx.VarCallID)
	c.ok(err, "get var")
	if got != want {
		c.t.Errorf("GetVar(%s) = %q, want %q", pbx.VarCallID, got, want)
	}
}

func testGetVarUnset(c *contractCase) {
	ch := c.answered(farend.CallScript{})
	if v, err := c.h.Switch.GetVar(c.ctx, ch, "HOTLINE_CONTRACT_UNSET"); !errors.Is(err, pbx.ErrNoVariable) {
		c.t.Errorf("GetVar of an unset variable = %q, %v; want pbx.ErrNoVariable", v, err)
	}
}

func testHangup(c *contractCase) {
	ch := c.answered(farend.CallScript{})
	c.ok(c.h.Switch.Hangup(c.ctx, ch, pbx.CauseNormal), "hangup")
	if h := c.wait(On[pbx.HungUp](ch)).(pbx.HungUp); h.Cause != pbx.CauseNormal {
		c.t.Errorf("HungUp.Cause = %s, want %s", h.Cause, pbx.CauseNormal)
	}
}

func testFarEndHangup(c *contractCase) {
	ch := c.answered(farend.CallScript{HangupAfter: hangupAfter})
	c.wait(On[pbx.HungUp](ch))
}

func testHangupGone(c *contractCase) {
	ch := c.answered(farend.CallScript{})
	c.ok(c.h.Switch.Hangup(c.ctx, ch, pbx.CauseNormal), "hangup")
	c.wait(On[pbx.HungUp](ch))
	c.ok(c.h.Switch.Hangup(c.ctx, ch, pbx.CauseNormal), "hangup of a channel already gone")
}

func testSnapshot(c *contractCase) {
	caller, agent, br := c.bridged()
	snap, err := c.h.Switch.Snapshot(c.ctx)
	c.ok(err, "snapshot")
	for _, id := range []pbx.ChannelID{caller, agent} {
		i := slices.IndexFunc(snap.Channels, func(ci pbx.ChannelInfo) bool { return ci.ID == id })
		if i < 0 {
			c.t.Errorf("snapshot lacks live channel %s: %+v", id, snap.Channels)
			continue
		}
		if ci := snap.Channels[i]; !ci.Answered || ci.Bridge != br {
			c.t.Errorf("snapshot has %s as %+v, want answered in bridge %s", id, ci, br)
		}
	}
	i := slices.IndexFunc(snap.Bridges, func(b pbx.BridgeInfo) bool { return b.ID == br })
	if i < 0 {
		c.t.Errorf("snapshot lacks bridge %s: %+v", br, snap.Bridges)
	} else if b := snap.Bridges[i]; !slices.Contains(b.Channels, caller) || !slices.Contains(b.Channels, agent) {
		c.t.Errorf("snapshot has bridge %s with %v, want %s and %s", br, b.Channels, caller, agent)
	}

	c.ok(c.h.Switch.Hangup(c.ctx, agent, pbx.CauseNormal), "hangup")
	c.wait(On[pbx.HungUp](agent))
	snap, err = c.h.Switch.Snapshot(c.ctx)
	c.ok(err, "snapshot after hangup")
	for _, ci := range snap.Channels {
		if ci.ID == agent {
			c.t.Errorf("snapshot still lists %s after HungUp", agent)
		}
	}
	if !slices.ContainsFunc(snap.Channels, func(ci pbx.ChannelInfo) bool { return ci.ID == caller }) {
		c.t.Errorf("snapshot lost %s, which is still up", caller)
	}
}

func testSpyListen(c *contractCase) {
	_, agent, _ := c.bridged()
	sup := c.channelID("supervisor")
	c.ok(c.h.Switch.Spy(c.ctx, agent, pbx.SpyListen, pbx.OriginateRequest{
		ChannelID: sup,
		Endpoint:  c.h.Endpoint(farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: answerDelay}),
	}), "spy")
	c.wait(On[pbx.Answered](sup))
	// The supervisor leg goes with the channel it is on.
	c.ok(c.h.Switch.Hangup(c.ctx, agent, pbx.CauseNormal), "hang up the agent")
	c.wait(On[pbx.HungUp](sup))
}

func testUnknownChannel(c *contractCase) {
	sw, ctx := c.h.Switch, c.ctx
	ghost := c.channelID("ghost")
	commands := []struct {
		name string
		run  func() error
	}{
		{"Answer", func() error { return sw.Answer(ctx, ghost) }},
		{"Play", func() error { return sw.Play(ctx, ghost, pbx.PlaybackID(ghost), prompt) }},
		{"StartMOH", func() error { return sw.StartMOH(ctx, ghost, "") }},
		{"StopMOH", func() error { return sw.StopMOH(ctx, ghost) }},
		{"SendDTMF", func() error { return sw.SendDTMF(ctx, ghost, "1") }},
		{"SetVar", func() error { return sw.SetVar(ctx, ghost, pbx.VarCallID, "x") }},
		{"GetVar", func() error { _, err := sw.GetVar(ctx, ghost, pbx.VarCallID); return err }},
		{"Listen", func() error {
			return sw.Listen(ctx, pbx.ListenRequest{Name: fmt.Sprintf("hotline-contract-%d-ghost", c.next()), Channel: ghost})
		}},
	}
	for _, cmd := range commands {
		if err := cmd.run(); !errors.Is(err, pbx.ErrNoChannel) {
			c.t.Errorf("%s on an unknown channel: %v, want pbx.ErrNoChannel", cmd.name, err)
		}
	}
	if err := sw.Hangup(ctx, ghost, pbx.CauseNormal); err != nil {
		c.t.Errorf("Hangup of an unknown channel: %v, want nil", err)
	}
}

// nth matches the n-th event that match matches, counting from the start
// of one wait.
func nth(n int, match func(pbx.Event) bool) func(pbx.Event) bool {
	seen := 0
	return func(ev pbx.Event) bool {
		if match(ev) {
			seen++
		}
		return seen == n
	}
}

// joined matches ch entering bridge br.
func joined(ch pbx.ChannelID, br pbx.BridgeID) func(pbx.Event) bool {
	return func(ev pbx.Event) bool {
		j, ok := ev.(pbx.BridgeJoined)
		return ok && j.Channel == ch && j.Bridge == br
	}
}

// hold takes the caller out of its bridge and plays it music, as the
// engine holds a caller.
func (c *contractCase) hold(caller pbx.ChannelID, br pbx.BridgeID) {
	c.t.Helper()
	c.ok(c.h.Switch.Unbridge(c.ctx, br, caller), "unbridge the caller")
	if l := c.wait(On[pbx.BridgeLeft](caller)).(pbx.BridgeLeft); l.Bridge != br {
		c.t.Errorf("BridgeLeft names bridge %q, want %q", l.Bridge, br)
	}
	c.ok(c.h.Switch.StartMOH(c.ctx, caller, ""), "start moh on the held caller")
}

// testHold: a held caller goes back into the bridge it left, the agent
// having stayed (or, where the switch takes it out too, coming back).
func testHold(c *contractCase) {
	caller, agent, br := c.bridged()
	c.hold(caller, br)
	c.ok(c.h.Switch.StopMOH(c.ctx, caller), "stop moh")
	c.ok(c.h.Switch.Bridge(c.ctx, br, caller, agent), "bridge the caller back")
	c.wait(nth(2, joined(caller, br)))
	if i := c.rec.Index(On[pbx.HungUp](agent)); i >= 0 {
		c.t.Errorf("the agent hung up while the caller was held; %s", c.rec.dump())
	}
}

// testMoveBridge: a blind transfer: the caller is held, the first agent
// hangs up, the bridge goes, and the caller is bridged with a second agent.
func testMoveBridge(c *contractCase) {
	caller, first, br := c.bridged()
	c.hold(caller, br)
	second := c.agent()
	c.ok(c.h.Switch.Hangup(c.ctx, first, pbx.CauseNormal), "hang up the first agent")
	c.wait(On[pbx.HungUp](first))
	c.ok(c.h.Switch.DestroyBridge(c.ctx, br), "destroy the first bridge")
	c.ok(c.h.Switch.StopMOH(c.ctx, caller), "stop moh")
	br2 := pbx.BridgeID(fmt.Sprintf("contract-bridge-%d", c.next()))
	c.ok(c.h.Switch.Bridge(c.ctx, br2, caller, second), "bridge the caller with the second agent")
	c.wait(joined(caller, br2))
	c.wait(joined(second, br2))
}

// testConsult: an attended transfer cancelled: the caller is held, the
// agent talks to a target in a consult bridge, the target hangs up, and
// the agent and the caller are bridged again.
func testConsult(c *contractCase) {
	caller, agent, br := c.bridged()
	c.hold(caller, br)
	c.ok(c.h.Switch.DestroyBridge(c.ctx, br), "destroy the call's bridge for the consult")
	target := c.agent()
	cb := pbx.BridgeID(fmt.Sprintf("contract-consult-%d", c.next()))
	c.ok(c.h.Switch.Bridge(c.ctx, cb, agent, target), "consult bridge")
	c.wait(joined(agent, cb))
	c.wait(joined(target, cb))
	c.ok(c.h.Switch.Hangup(c.ctx, target, pbx.CauseNormal), "hang up the target")
	c.wait(On[pbx.HungUp](target))
	c.ok(c.h.Switch.DestroyBridge(c.ctx, cb), "destroy the consult bridge")
	c.ok(c.h.Switch.StopMOH(c.ctx, caller), "stop moh")
	c.ok(c.h.Switch.Bridge(c.ctx, br, caller, agent), "bridge the caller and the agent again")
	c.wait(nth(2, joined(caller, br)))
	c.wait(nth(2, joined(agent, br)))
	if i := c.rec.Index(On[pbx.HungUp](agent)); i >= 0 {
		c.t.Errorf("the agent hung up with the target; %s", c.rec.dump())
	}
}

// What the callers of the Listen cases say: a sound every switch has
// (Asterisk's core sound hello-world), about a second long.
const (
	saying   = "hello world"
	sayDelay = 500 * time.Millisecond
)

// listenMax caps the Listens of listen: far above what a caller's words
// and the silence after them take, so that an utterance ended by the
// silence is plain to tell from one cut at the cap, on a busy machine too.
const listenMax = 16 * time.Second

// listen starts a Listen on ch and returns the Utterance that ends it,
// after stop (if set) ran.
func (c *contractCase) listen(ch pbx.ChannelID, stop func(name string)) pbx.Utterance {
	c.t.Helper()
	name := c.startListen(ch, listenMax, 2*time.Second)
	if err := c.h.Switch.Listen(c.ctx, pbx.ListenRequest{Name: name, Channel: ch}); err == nil {
		c.t.Errorf("a second Listen named %s was accepted", name)
	}
	if stop != nil {
		stop(name)
	}
	return c.utterance(ch, name)
}

// startListen starts a Listen on ch, after a beep, and returns its name.
func (c *contractCase) startListen(ch pbx.ChannelID, maxLen, silence time.Duration) string {
	c.t.Helper()
	name := fmt.Sprintf("hotline-contract-%d-utterance", c.next())
	c.ok(c.h.Switch.Listen(c.ctx, pbx.ListenRequest{Name: name, Channel: ch, Max: maxLen, Silence: silence, Beep: true}), "listen")
	return name
}

// utterance waits for the Utterance that ends the Listen name on ch.
func (c *contractCase) utterance(ch pbx.ChannelID, name string) pbx.Utterance {
	c.t.Helper()
	// An utterance may take longer than a command's effect: up to Max.
	var ev pbx.Event
	var err error
	for range 3 {
		if ev, err = c.rec.Await(c.ctx, func(ev pbx.Event) bool {
			u, ok := ev.(pbx.Utterance)
			return ok && u.Name == name
		}); err == nil {
			break
		}
	}
	if err != nil {
		c.t.Fatal(err)
	}
	u := ev.(pbx.Utterance)
	if u.Channel != ch {
		c.t.Errorf("Utterance names channel %q, want %q", u.Channel, ch)
	}
	return u
}

// level measures an utterance's audio, failing the case if it is not a
// WAV file.
func (c *contractCase) level(u pbx.Utterance) speech.Level {
	c.t.Helper()
	l, err := speech.WAVLevel(u.Audio)
	if err != nil {
		c.t.Fatalf("Utterance %s: audio: %v", Format(u), err)
	}
	return l
}

// testListen: the caller speaks after the beep and falls silent: the
// utterance ends by itself, with the words in it.
func testListen(c *contractCase) {
	ch := c.answered(farend.CallScript{Say: saying, SayDelay: sayDelay})
	start := time.Now()
	u := c.listen(ch, nil)
	if u.Failed || !strings.HasSuffix(u.Path, u.Name+".wav") {
		c.t.Errorf("Utterance = %s, want not failed, path ending in %s.wav", Format(u), u.Name)
	}
	if l := c.level(u); l.Silent() || l.Duration < 500*time.Millisecond {
		c.t.Errorf("Utterance audio is %+v, want the caller's words", l)
	}
	if c.h.LeftBehind != nil && c.h.LeftBehind(u) {
		c.t.Errorf("Utterance file %s is left behind after its audio was delivered", u.Path)
	}
	if took := time.Since(start); c.h.Patience >= time.Second && took > listenMax*5/8 {
		c.t.Errorf("the utterance took %v to end; two seconds of silence should end it well before Max (%v)", took, listenMax)
	}
	if i := c.rec.Index(On[pbx.HungUp](ch)); i >= 0 {
		c.t.Errorf("the caller hung up while listened to; %s", c.rec.dump())
	}
}

// testListenSilence: a caller who says nothing: the utterance ends on
// the silence, with nothing to hear in it.
func testListenSilence(c *contractCase) {
	ch := c.answered(farend.CallScript{})
	u := c.listen(ch, nil)
	if len(u.Audio) > 0 {
		if l := c.level(u); !l.Silent() {
			c.t.Errorf("a silent caller's utterance sounds: %+v", l)
		}
	}
	// The call goes on: the caller can still be played to.
	id := pbx.PlaybackID(fmt.Sprintf("contract-play-%d", c.next()))
	c.ok(c.h.Switch.Play(c.ctx, ch, id, prompt), "play after a listen")
	if f := c.wait(isPlayback(id)).(pbx.PlaybackFinished); f.Stopped || f.Failed {
		c.t.Errorf("PlaybackFinished after a listen = %s, want played out", Format(f))
	}
}

// testListenSilenceLonger: the silence that ends an utterance is the
// request's, not a fixed one. Two silent callers are listened to at once,
// one until 1 s of silence, the other until 4 s (both capped at 12 s):
// the second utterance ends about 3 s after the first (the backend's own
// clock, so a fast simulated one counts too), well before its cap.
func testListenSilenceLonger(c *contractCase) {
	short, long := c.answered(farend.CallScript{SilentAudio: true}), c.answered(farend.CallScript{SilentAudio: true})
	a := c.startListen(short, 12*time.Second, time.Second)
	b := c.startListen(long, 12*time.Second, 4*time.Second)
	ua, ub := c.utterance(short, a), c.utterance(long, b)
	if ua.Failed || ub.Failed {
		c.t.Fatalf("Utterances %s, %s: want neither failed", Format(ua), Format(ub))
	}
	// b started after a, so a late start only widens the gap; its upper
	// bound leaves the simulator's fast clock room for the test's own pace.
	if gap := ub.At.Sub(ua.At); gap < 2*time.Second || gap > 8*time.Second {
		c.t.Errorf("the 4 s silence ended %v after the 1 s one, want about 3s (%s, %s)", gap, Format(ua), Format(ub))
	}
}

// testListenHangup: the caller hangs up while Hotline listens, or
// Hotline stops the listen (a key pressed): an Utterance ends it either way.
func testListenHangup(c *contractCase) {
	ch := c.answered(farend.CallScript{})
	c.listen(ch, func(name string) { c.ok(c.h.Switch.StopRecording(c.ctx, name), "stop the listen") })
	ch = c.answered(farend.CallScript{HangupAfter: time.Second})
	c.listen(ch, nil)
	c.wait(On[pbx.HungUp](ch))
}
