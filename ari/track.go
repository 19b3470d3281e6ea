package ari

import (
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	goari "github.com/CyCoreSystems/ari/v6"

	"github.com/hotline-cc/hotline/acd/pbx"
)

// Stasis arguments that tell the kinds of channels apart: the dialplan sends
// callers in with "entry"; Hotline originates its own legs with "leg" and
// snoop channels with "snoop".
const (
	argEntry = "entry"
	argLeg   = "leg"
	argSnoop = "snoop"
	// argAMD comes back from the answering-machine detection context
	// (dialplan.AsteriskAMDContext) with AMDSTATUS and AMDCAUSE.
	argAMD = "amd"
)

// Extensions of the detection context: s detects, beep also waits for a
// machine's beep.
const (
	amdDetect   = "s"
	amdWaitBeep = "beep"
)

// Ids of the channels and bridges this package makes for itself behind a
// Spy. The engine never sees them.
const (
	snoopPrefix     = "hotline-snoop-"
	spyBridgePrefix = "hotline-spy-"
)

func internalID(id string) bool {
	return strings.HasPrefix(id, snoopPrefix) || strings.HasPrefix(id, spyBridgePrefix)
}

// softHangupShutdown is the cause of the soft hang-up ChannelHangupRequest
// reports for each channel Asterisk ends as it shuts down ("core stop
// now"): AST_SOFTHANGUP_SHUTDOWN, the flag itself, not a Q.850 cause.
const softHangupShutdown = 4

// softHangupExplicit is the cause of the soft hang-up ChannelHangupRequest
// reports when a hang-up was asked of Asterisk by name (the console, AMI,
// ARI): AST_SOFTHANGUP_EXPLICIT. A party hanging up is no soft hang-up.
const softHangupExplicit = 32

// role is what a channel is to Hotline.
type role int

const (
	roleInbound role = iota + 1 // entered from the dialplan
	roleLeg                     // originated by Hotline
	roleSnoop                   // snoop channel behind a Spy
)

// chanState is what the tracker remembers of one channel.
type chanState struct {
	role       role
	inStasis   bool
	answered   bool
	ringing    bool
	hangingUp  bool   // a hangup was requested, by anyone
	byUs       bool   // ... by Hotline, with cause
	cause      int    // the cause Hotline asked for, or the last non-zero one Asterisk reported
	dialStatus string // last status of the dial of an originated leg
	noted      uint64 // tracker.notes when Hotline originated it; 0 = learned from Asterisk
	// amd is the detection context's extension an answered leg is sent to
	// ("" = none); detecting is set while it runs there, out of Stasis.
	amd       string
	detecting bool
	// shutdown: Asterisk hung it up as it shuts down (core stop now).
	shutdown bool
	// console: a caller's or a leg's channel someone else asked Asterisk
	// to hang up (the console's "channel request hangup", AMI's Hangup,
	// another ARI application), not its caller or callee.
	console bool
	// goneNote: originated into the lead context, whose hangup handler
	// notes how the leg ended unanswered (GoneLeadPrefix); the note is
	// cleared when Hotline sees that end itself.
	goneNote bool
}

// recState is a recording Hotline started. started is closed when Asterisk
// reports it running (or over): a stop sent before that is lost.
type recState struct {
	ch      string // "" for a bridge
	started chan struct{}
	listen  bool // an utterance (Client.Listen): reported as pbx.Utterance
}

func (r *recState) markStarted() {
	select {
	case <-r.started:
	default:
		close(r.started)
	}
}

// playState is a playback Hotline started, by the id the engine knows.
// Asterisk 22 stops only the current item of a multi-item playback when
// that item is a number: or digits: (the rest goes on playing), so the
// client plays the items one by one: cur is the ARI playback playing now
// (the first under the engine's id, then <id>~2, <id>~3, ...), rest what
// follows.
type playState struct {
	ch      string
	cur     string
	rest    []string
	items   int
	stopped bool
	failed  bool // an item failed; said when the last one ends
}

// playOf finds the playback whose current item is the ARI playback ariID.
func (t *tracker) playOf(ariID string) (string, *playState) {
	if p := t.plays[ariID]; p != nil && p.cur == ariID {
		return ariID, p
	}
	if i := strings.LastIndex(ariID, "~"); i > 0 {
		if p := t.plays[ariID[:i]]; p != nil && p.cur == ariID {
			return ariID[:i], p
		}
	}
	return "", nil
}

// spy links a supervisor leg to its snoop channel and private bridge.
type spy struct {
	supervisor, snoop, bridge string
	noted                     uint64 // tracker.notes when Hotline asked for it; 0 = rebuilt from a snapshot
}

// effectKind is work the client must do at Asterisk because of an event.
type effectKind int

const (
	effectConnectSpy    effectKind = iota + 1 // bridge supervisor leg and snoop channel
	effectTeardownSpy                         // hang up the snoop channel and the supervisor leg, destroy the bridge
	effectPlayNext                            // play the next item of a playback
	effectDetectMachine                       // send an answered leg through answering-machine detection
	effectUtterance                           // fetch an utterance's file, report it, delete it at Asterisk
	effectClearGone                           // clear the note the lead context left for an unanswered leg
	effectEndFromNote                         // end an unanswered leg whose end said nothing by the lead context's note
)

type effect struct {
	kind effectKind
	spy  spy
	item playItem
	utt  pbx.Utterance
}

// playItem is one item of a playback for Asterisk to play.
type playItem struct {
	ch, id, media string // channel, ARI playback id, media URI
}

// tracker translates ARI events into pbx events. It keeps just enough state
// to tell an originated leg's answer from an inbound call, to give a failed
// originate its reason, and to report each channel's end once. It does no
// I/O and is not safe for concurrent use.
type tracker struct {
	recDir string
	chans  map[string]*chanState
	plays  map[string]*playState
	recs   map[string]*recState
	spies  map[string]*spy // by supervisor id and by snoop id
	notes  uint64          // how many notes were taken; a snapshot remembers it

	// unlisted are the ChannelVars the first caller's snapshot lacked (nil
	// until a caller came); the client warns about them once.
	unlisted []string
	varsSeen bool

	// ended are channels reported HungUp in the last minute, by when:
	// Asterisk lists a channel for a moment after it left the
	// application, and Snapshot must not show it again.
	ended map[string]time.Time
}

func newTracker(recDir string) *tracker {
	return &tracker{
		recDir: recDir,
		chans:  map[string]*chanState{},
		plays:  map[string]*playState{},
		recs:   map[string]*recState{},
		spies:  map[string]*spy{},
	}
}

// envelope is the part every ARI event has.
type envelope struct {
	Type      string         `json:"type"`
	Timestamp goari.DateTime `json:"timestamp"`
}

// apply translates one raw ARI event. Events about channels Hotline does
// not handle (the far halves of Local channels, other applications' calls)
// yield nothing.
func (t *tracker) apply(raw []byte) ([]pbx.Event, []effect, error) {
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return nil, nil, fmt.Errorf("%w: event: %w", ErrResponse, err)
	}
	at := time.Time(env.Timestamp)
	dec := func(v any) error {
		if err := json.Unmarshal(raw, v); err != nil {
			return fmt.Errorf("%w: %s event: %w", ErrResponse, env.Type, err)
		}
		return nil
	}
	switch env.Type {
	case "StasisStart":
		var e goari.StasisStart
		if err := dec(&e); err != nil {
			return nil, nil, err
		}
		evs, effs := t.stasisStart(at, e)
		return evs, effs, nil
	case "StasisEnd":
		var e goari.StasisEnd
		if err := dec(&e); err != nil {
			return nil, nil, err
		}
		if st := t.chans[e.Channel.ID]; st != nil && st.detecting {
			st.inStasis = false // off to detection; it comes back with argAMD
			return nil, nil, nil
		}
		evs, effs := t.gone(at, e.Channel.ID, 0)
		return evs, effs, nil
	case "ChannelDestroyed":
		var e goari.ChannelDestroyed
		if err := dec(&e); err != nil {
			return nil, nil, err
		}
		evs, effs := t.gone(at, e.Channel.ID, e.Cause)
		return evs, effs, nil
	case "ChannelStateChange":
		var e goari.ChannelStateChange
		if err := dec(&e); err != nil {
			return nil, nil, err
		}
		return t.stateChange(at, e.Channel), nil, nil
	case "Dial":
		var e goari.Dial
		if err := dec(&e); err != nil {
			return nil, nil, err
		}
		return t.dial(at, e), nil, nil
	case "ChannelHangupRequest":
		var e goari.ChannelHangupRequest
		if err := dec(&e); err != nil {
			return nil, nil, err
		}
		st := t.chans[e.Channel.ID]
		if st == nil {
			return nil, nil, nil
		}
		st.hangingUp = true
		if e.Soft && e.Cause == softHangupShutdown {
			// core stop: every channel is hung up so, then the link closes.
			st.shutdown = true
			return []pbx.Event{pbx.SwitchStopping{Base: pbx.Base{At: at}}}, nil, nil
		}
		if e.Soft && e.Cause == softHangupExplicit && !st.byUs && (st.role == roleInbound || st.role == roleLeg) {
			st.console = true
			return nil, nil, nil
		}
		if e.Cause != 0 && !st.byUs {
			st.cause = e.Cause
		}
		return nil, nil, nil
	case "ChannelDtmfReceived":
		var e goari.ChannelDtmfReceived
		if err := dec(&e); err != nil {
			return nil, nil, err
		}
		st := t.chans[e.Channel.ID]
		if st == nil || st.role == roleSnoop || len(e.Digit) != 1 || !pbx.ValidDigit(rune(e.Digit[0])) {
			return nil, nil, nil
		}
		return []pbx.Event{pbx.DTMF{
			Base:     base(e.Channel.ID, at),
			Digit:    rune(e.Digit[0]),
			Duration: time.Duration(e.DurationMs) * time.Millisecond,
		}}, nil, nil
	case "ChannelEnteredBridge", "ChannelLeftBridge":
		var e goari.ChannelEnteredBridge // both events have the same shape
		if err := dec(&e); err != nil {
			return nil, nil, err
		}
		if st := t.chans[e.Channel.ID]; st == nil || st.role == roleSnoop || internalID(e.Bridge.ID) {
			return nil, nil, nil
		}
		b := base(e.Channel.ID, at)
		if env.Type == "ChannelEnteredBridge" {
			return []pbx.Event{pbx.BridgeJoined{Base: b, Bridge: pbx.BridgeID(e.Bridge.ID)}}, nil, nil
		}
		return []pbx.Event{pbx.BridgeLeft{Base: b, Bridge: pbx.BridgeID(e.Bridge.ID)}}, nil, nil
	case "PlaybackFinished":
		var e goari.PlaybackFinished
		if err := dec(&e); err != nil {
			return nil, nil, err
		}
		evs, effs := t.playbackFinished(at, e.Playback)
		return evs, effs, nil
	case "RecordingStarted":
		var e goari.RecordingStarted
		if err := dec(&e); err != nil {
			return nil, nil, err
		}
		r := t.recs[e.Recording.Name]
		if r == nil {
			return nil, nil, nil
		}
		r.markStarted()
		if r.listen {
			return nil, nil, nil
		}
		// Asterisk's time, as RecordingFinished's is the end.
		return []pbx.Event{pbx.RecordingStarted{Base: base(r.ch, at), Name: e.Recording.Name}}, nil, nil
	case "RecordingFinished", "RecordingFailed":
		var e goari.RecordingFinished // both events have the same shape
		if err := dec(&e); err != nil {
			return nil, nil, err
		}
		evs, effs := t.recordingDone(at, e.Recording, env.Type == "RecordingFailed")
		return evs, effs, nil
	}
	return nil, nil, nil
}

func base(ch string, at time.Time) pbx.Base {
	return pbx.Base{Channel: pbx.ChannelID(ch), At: at}
}

func (t *tracker) stasisStart(at time.Time, e goari.StasisStart) ([]pbx.Event, []effect) {
	id := e.Channel.ID
	if id == "" {
		return nil, nil
	}
	kind := ""
	if len(e.Args) > 0 {
		kind = e.Args[0]
	}
	st := t.chans[id]
	switch {
	case kind == argSnoop || strings.HasPrefix(id, snoopPrefix):
		t.chans[id] = &chanState{role: roleSnoop, inStasis: true, answered: true}
		return nil, nil
	case kind == argAMD && (st == nil || st.detecting):
		// Back from detection; unknown (st nil) when a restart of Hotline
		// came while it ran there.
		if st == nil {
			st = &chanState{role: roleLeg}
			t.chans[id] = st
		}
		st.inStasis, st.answered, st.detecting, st.amd = true, true, false, ""
		detected := pbx.MachineDetected{Base: base(id, at), Status: pbx.AMDNotSure}
		if len(e.Args) > 1 && e.Args[1] != "" {
			detected.Status = e.Args[1]
		}
		if len(e.Args) > 2 {
			detected.Cause = e.Args[2]
		}
		return []pbx.Event{detected, pbx.Answered{Base: base(id, at)}}, nil
	case kind == argLeg:
		if st == nil {
			st = &chanState{role: roleLeg}
			t.chans[id] = st
		}
		if st.inStasis {
			return nil, nil // already adopted from a snapshot
		}
		st.inStasis, st.answered = true, true
		if st.amd != "" {
			// Answered reaches the engine once detection is over.
			st.detecting = true
			return nil, []effect{{kind: effectDetectMachine, item: playItem{ch: id, media: st.amd}}}
		}
		evs := []pbx.Event{pbx.Answered{Base: base(id, at)}}
		if sp := t.spies[id]; sp != nil {
			return evs, []effect{{kind: effectConnectSpy, spy: *sp}}
		}
		return evs, nil
	}
	if st != nil && st.inStasis {
		return nil, nil // already adopted from a snapshot
	}
	st = &chanState{role: roleInbound, inStasis: true}
	t.chans[id] = st
	if !t.varsSeen {
		t.varsSeen = true
		t.unlisted = missingVars(e.Channel.ChannelVars)
	}
	arrived := pbx.CallArrived{
		Base:   base(id, at),
		Called: calledNumber(e.Args, e.Channel),
		Args:   e.Args,
		Vars:   setVars(e.Channel.ChannelVars),
	}
	if c := e.Channel.Caller; c != nil {
		arrived.Caller, arrived.CallerName = c.Number, c.Name
	}
	evs := []pbx.Event{arrived}
	if e.Channel.State == "Up" { // answered in the dialplan before Stasis
		st.answered = true
		evs = append(evs, pbx.Answered{Base: base(id, at)})
	}
	return evs, nil
}

// calledNumber is the number the caller dialed: the argument after "entry",
// else the dialplan extension.
func calledNumber(args []string, ch goari.ChannelData) string {
	if len(args) >= 2 && args[0] == argEntry {
		return args[1]
	}
	if ch.Dialplan != nil {
		return ch.Dialplan.Exten
	}
	return ""
}

// setVars drops the variables ARI lists as empty (channelvars in ari.conf
// lists every configured name, set or not).
func setVars(vars map[string]string) map[string]string {
	var out map[string]string
	for k, v := range vars {
		if v == "" {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		out[k] = v
	}
	return out
}

func (t *tracker) stateChange(at time.Time, ch goari.ChannelData) []pbx.Event {
	st := t.chans[ch.ID]
	if st == nil {
		return nil
	}
	switch {
	case ch.State == "Up" && st.role == roleInbound && !st.answered:
		st.answered = true
		return []pbx.Event{pbx.Answered{Base: base(ch.ID, at)}}
	case ch.State == "Ringing" && st.role == roleLeg:
		return t.ringing(at, ch.ID, st)
	}
	return nil
}

func (t *tracker) ringing(at time.Time, id string, st *chanState) []pbx.Event {
	if st.ringing || st.answered {
		return nil
	}
	st.ringing = true
	return []pbx.Event{pbx.Ringing{Base: base(id, at)}}
}

func (t *tracker) dial(at time.Time, e goari.Dial) []pbx.Event {
	id := e.Peer.ID
	st := t.chans[id]
	if st == nil || st.role != roleLeg || e.Dialstatus == "" {
		return nil
	}
	st.dialStatus = e.Dialstatus
	if e.Dialstatus == "RINGING" {
		return t.ringing(at, id, st)
	}
	return nil
}

// gone ends a channel: OriginateFailed first for a leg that never answered,
// then HungUp. StasisEnd and ChannelDestroyed both call it; the second call
// finds nothing.
func (t *tracker) gone(at time.Time, id string, cause int) ([]pbx.Event, []effect) {
	st := t.chans[id]
	if st == nil {
		return nil, nil
	}
	delete(t.chans, id)
	if t.ended == nil {
		t.ended = map[string]time.Time{}
	}
	for e, when := range t.ended {
		if at.Sub(when) > time.Minute {
			delete(t.ended, e)
		}
	}
	t.ended[id] = at
	// Playbacks still running end first, stopped, as the port promises; the
	// PlaybackFinished Asterisk may send later finds nothing and is dropped.
	var evs []pbx.Event
	var stopped []string
	for pid, p := range t.plays {
		if p.ch == id {
			stopped = append(stopped, pid)
		}
	}
	slices.Sort(stopped)
	for _, pid := range stopped {
		delete(t.plays, pid)
		if st.role != roleSnoop {
			evs = append(evs, pbx.PlaybackFinished{Base: base(id, at), Playback: pbx.PlaybackID(pid), Stopped: true})
		}
	}
	var effs []effect
	if sp := t.spies[id]; sp != nil {
		delete(t.spies, sp.supervisor)
		delete(t.spies, sp.snoop)
		// Either end takes the rest down: the supervisor hung up, or the
		// spied channel ended and its snoop with it.
		effs = append(effs, effect{kind: effectTeardownSpy, spy: *sp})
	}
	if st.role == roleSnoop {
		return nil, effs
	}
	c := hangupCause(st, cause)
	switch {
	case st.shutdown:
		c = pbx.CauseSwitchShutdown
	case st.console && !st.byUs:
		c = pbx.CauseManagerRequest
	}
	if st.detecting {
		// Hung up during answering-machine detection: the verdict says so.
		evs = append(evs, pbx.MachineDetected{Base: base(id, at), Status: pbx.AMDHangup, Cause: "hangup during detection"})
	}
	if st.role == roleLeg && !st.answered {
		if st.goneNote && saysNothing(st, cause) {
			// The Dial event that said why came before Hotline followed the
			// channel: its hangup handler's note says it instead, and the
			// client ends the leg once it has read it.
			return evs, append(effs, effect{kind: effectEndFromNote, item: playItem{ch: id}})
		}
		if st.goneNote {
			effs = append(effs, effect{kind: effectClearGone, item: playItem{ch: id}})
		}
		reason, why := failReason(st, cause)
		switch {
		case st.shutdown:
			reason, why = pbx.FailCancelled, pbx.CauseSwitchShutdown
		case st.console && !st.byUs:
			reason, why = pbx.ReasonForCause(pbx.CauseManagerRequest), pbx.CauseManagerRequest
		}
		evs = append(evs, pbx.OriginateFailed{Base: base(id, at), Reason: reason, Cause: why})
		if cause == 0 && !st.byUs && !st.shutdown {
			c = why // a busy Local channel ends with cause 0; say busy twice
		}
	}
	return append(evs, pbx.HungUp{Base: base(id, at), Cause: c}), effs
}

// endedUnseen ends a leg that ended while the link was down, with the
// cause the switch noted for it: its events were lost.
func (t *tracker) endedUnseen(at time.Time, id string, cause int) []pbx.Event {
	st := t.chans[id]
	if st == nil {
		return nil
	}
	st.goneNote = false // read already
	evs, _ := t.gone(at, id, cause)
	return evs
}

func hangupCause(st *chanState, reported int) pbx.Cause {
	switch {
	case st.byUs && st.cause != 0:
		return pbx.Cause(st.cause)
	case reported != 0:
		return pbx.Cause(reported)
	case st.cause != 0:
		return pbx.Cause(st.cause)
	}
	return pbx.CauseNormal
}

// failReason says why an originated leg never answered. A specific hangup
// cause is the surest witness: Asterisk reports a SIP 603 Decline with dial
// status NOANSWER but cause 21 (call rejected). The dial status comes next,
// for causes that say nothing (0, normal clearing): a busy Local channel
// ends with cause 0 and dial status BUSY.
func failReason(st *chanState, cause int) (pbx.FailReason, pbx.Cause) {
	if st.byUs {
		return pbx.FailCancelled, pbx.CauseOriginatorCancel
	}
	if cause == 0 {
		cause = st.cause
	}
	switch c := pbx.Cause(cause); c {
	case 0, pbx.CauseNormal, pbx.CauseNormalUnspec:
	default:
		return pbx.ReasonForCause(c), c
	}
	if d, ok := dialEnds[st.dialStatus]; ok {
		return d.reason, d.cause
	}
	if cause == 0 {
		return pbx.FailUnreachable, pbx.CauseUnreachable
	}
	return pbx.ReasonForCause(pbx.Cause(cause)), pbx.Cause(cause)
}

// dialEnds are the reasons and causes the final dial statuses of a leg say.
var dialEnds = map[string]struct {
	reason pbx.FailReason
	cause  pbx.Cause
}{
	"BUSY":        {pbx.FailBusy, pbx.CauseBusy},
	"NOANSWER":    {pbx.FailNoAnswer, pbx.CauseNoAnswer},
	"CHANUNAVAIL": {pbx.FailUnreachable, pbx.CauseUnreachable},
	"CONGESTION":  {pbx.FailUnreachable, pbx.CauseCongestion},
	"CANCEL":      {pbx.FailCancelled, pbx.CauseOriginatorCancel},
}

// saysNothing reports whether an unanswered leg's end gives no reason at
// all: not ended by Hotline, no cause, no final dial status. A Local
// channel whose far half ran Busy() at once ends so.
func saysNothing(st *chanState, cause int) bool {
	_, dialed := dialEnds[st.dialStatus]
	return !st.byUs && cause == 0 && st.cause == 0 && !dialed
}

// playbackFinished ends an item: the next one starts (an effect), or the
// playback is over and the engine hears of it.
func (t *tracker) playbackFinished(at time.Time, p goari.PlaybackData) ([]pbx.Event, []effect) {
	id, ps := t.playOf(p.ID)
	ch := ""
	if ps != nil {
		ch = ps.ch
	} else if kind, cid, ok := strings.Cut(p.TargetURI, ":"); ok && kind == "channel" {
		id, ch = p.ID, cid
	}
	st := t.chans[ch]
	if ps == nil && st == nil {
		return nil, nil
	}
	// A caller who hangs up during a prompt makes it fail: that is a stop.
	failed := p.State == "failed" && st != nil && !st.hangingUp
	if ps != nil {
		ps.failed = ps.failed || failed
		failed = ps.failed
		if len(ps.rest) > 0 && !ps.stopped && st != nil && !st.hangingUp {
			ps.items++
			ps.cur = id + "~" + strconv.Itoa(ps.items)
			item := playItem{ch: ch, id: ps.cur, media: ps.rest[0]}
			ps.rest = ps.rest[1:]
			return nil, []effect{{kind: effectPlayNext, item: item}}
		}
		delete(t.plays, id)
	}
	stopped := (ps != nil && ps.stopped) || st == nil || st.hangingUp || p.State == "cancelled" || p.State == "stopped"
	return []pbx.Event{pbx.PlaybackFinished{
		Base:     base(ch, at),
		Playback: pbx.PlaybackID(id),
		Stopped:  stopped && !failed,
		Failed:   failed,
	}}, nil
}

// playAborted ends a playback whose next item Asterisk refused to start;
// gone: because its channel was gone, a stop rather than a failure.
func (t *tracker) playAborted(at time.Time, ariID string, gone bool) []pbx.Event {
	id, ps := t.playOf(ariID)
	if ps == nil {
		return nil // ended meanwhile: the channel went, or it was stopped
	}
	delete(t.plays, id)
	stopped := ps.stopped || gone
	return []pbx.Event{pbx.PlaybackFinished{Base: base(ps.ch, at), Playback: pbx.PlaybackID(id), Stopped: stopped, Failed: !stopped}}
}

func (t *tracker) recordingDone(at time.Time, r goari.LiveRecordingData, failed bool) ([]pbx.Event, []effect) {
	// A recording started before a restart is reported too: the engine
	// completes the call record with it.
	ch, listen := "", false
	if rs := t.recs[r.Name]; rs != nil {
		ch, listen = rs.ch, rs.listen
		rs.markStarted()
		delete(t.recs, r.Name)
	} else if kind, id, _ := strings.Cut(r.TargetURI, ":"); kind == "channel" {
		ch = id
	}
	if listen {
		return nil, []effect{{kind: effectUtterance, utt: pbx.Utterance{
			Base:     base(ch, at),
			Name:     r.Name,
			Path:     path.Join(t.recDir, r.Name+"."+r.Format),
			Duration: time.Duration(r.Duration),
			Failed:   failed || r.State == "failed",
			Err:      r.Cause,
		}}}
	}
	return []pbx.Event{pbx.RecordingFinished{
		Base:     base(ch, at),
		Name:     r.Name,
		Path:     path.Join(t.recDir, r.Name+"."+r.Format),
		Duration: time.Duration(r.Duration),
		Failed:   failed || r.State == "failed",
		End:      at, // Asterisk's time, however late the event reaches Hotline
	}}, nil
}

// note is what Hotline asked of Asterisk. The client tells the tracker
// before the request goes out, so the events the request causes find the
// tracker ready. Notes are JSON so that recorded event scripts
// (testdata/ari/*.jsonl) carry them between the events.
type note struct {
	Op     string `json:"hotline"`
	ID     string `json:"id"`               // channel, playback or recording
	Ch     string `json:"ch,omitempty"`     // channel a playback or recording is on
	Cause  int    `json:"cause,omitempty"`  // hangup cause
	Snoop  string `json:"snoop,omitempty"`  // spy: snoop channel
	Bridge string `json:"bridge,omitempty"` // spy: private bridge
	AMD    string `json:"amd,omitempty"`    // originate: the detection extension
	// Rest are the media items of a playback after the first, played one
	// by one.
	Rest []string `json:"rest,omitempty"`
}

// Note operations; an "un" operation undoes a note when Asterisk refused
// the request.
const (
	opOriginate   = "originate"
	opLeadContext = "lead-context" // the originate went into LeadContext
	opUnoriginate = "unoriginate"
	opHangup      = "hangup"
	opPlay        = "play"
	opUnplay      = "unplay"
	opStopPlay    = "stop-play"
	opRecord      = "record"
	opUnrecord    = "unrecord"
	opListen      = "listen"
	opSpy         = "spy"
	opUnspy       = "unspy"
)

// note applies n. It reports false when n cannot be taken: an originate or
// spy whose channel id is in use.
func (t *tracker) note(n note) bool {
	t.notes++
	switch n.Op {
	case opOriginate:
		if _, taken := t.chans[n.ID]; taken {
			return false
		}
		t.chans[n.ID] = &chanState{role: roleLeg, noted: t.notes, amd: n.AMD}
		delete(t.ended, n.ID) // the id lives again
	case opUnoriginate:
		delete(t.chans, n.ID)
	case opLeadContext:
		if st := t.chans[n.ID]; st != nil {
			st.goneNote = true
		}
	case opHangup:
		if st := t.chans[n.ID]; st != nil && !st.hangingUp {
			st.hangingUp, st.byUs, st.cause = true, true, n.Cause
		}
	case opPlay:
		t.plays[n.ID] = &playState{ch: n.Ch, cur: n.ID, rest: n.Rest, items: 1}
	case opUnplay:
		delete(t.plays, n.ID)
	case opStopPlay:
		if p := t.plays[n.ID]; p != nil {
			p.stopped = true
		}
	case opRecord, opListen:
		if _, taken := t.recs[n.ID]; taken && n.Op == opListen {
			return false
		}
		t.recs[n.ID] = &recState{ch: n.Ch, started: make(chan struct{}), listen: n.Op == opListen}
	case opUnrecord:
		delete(t.recs, n.ID)
	case opSpy:
		if _, taken := t.chans[n.ID]; taken {
			return false
		}
		sp := &spy{supervisor: n.ID, snoop: n.Snoop, bridge: n.Bridge, noted: t.notes}
		t.spies[sp.supervisor] = sp
		t.spies[sp.snoop] = sp
	case opUnspy:
		if sp := t.spies[n.ID]; sp != nil {
			delete(t.spies, sp.supervisor)
			delete(t.spies, sp.snoop)
		}
	}
	return true
}
