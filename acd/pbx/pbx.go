package pbx

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// Switch is the call-control port every backend implements.
//
// Methods may block on the network and are safe for concurrent use. Events
// returns the same channel on every call; it is closed after Close.
type Switch interface {
	// Events is the stream of normalized events, in switch order.
	Events() <-chan Event

	// Answer answers an inbound channel.
	Answer(ctx context.Context, ch ChannelID) error
	// Hangup ends a channel with a cause; a channel already gone is not an error.
	Hangup(ctx context.Context, ch ChannelID, cause Cause) error

	// Play plays media items in order on a channel; PlaybackFinished with id follows.
	// Media are URIs in the backend-neutral form "sound:NAME", "recording:NAME",
	// "file:/path", "digits:123", "number:42", "tone:ring".
	Play(ctx context.Context, ch ChannelID, id PlaybackID, media ...string) error
	// StopPlayback stops a playback early; PlaybackFinished follows with Stopped set.
	StopPlayback(ctx context.Context, id PlaybackID) error
	// StartMOH starts music on hold on a channel ("" class = default).
	StartMOH(ctx context.Context, ch ChannelID, class string) error
	// StopMOH stops music on hold.
	StopMOH(ctx context.Context, ch ChannelID) error

	// Originate dials an endpoint. It returns once the switch accepted the
	// request; progress comes as Ringing, Answered, OriginateFailed, HungUp.
	Originate(ctx context.Context, req OriginateRequest) error

	// Bridge puts channels into the mixing bridge id, creating it if needed.
	Bridge(ctx context.Context, id BridgeID, chans ...ChannelID) error
	// Unbridge takes a channel out of a bridge.
	Unbridge(ctx context.Context, id BridgeID, ch ChannelID) error
	// DestroyBridge tears a bridge down; its channels stay up.
	DestroyBridge(ctx context.Context, id BridgeID) error

	// StartRecording records a bridge (or a channel, if Target is a channel id)
	// to a named recording; RecordingFinished follows when it stops.
	StartRecording(ctx context.Context, req RecordRequest) error
	// StopRecording stops a named recording.
	StopRecording(ctx context.Context, name string) error
	// PauseRecording leaves what is said from now on out of a running
	// recording (a card number read out), until ResumeRecording. Pausing a
	// paused recording, or resuming a running one, is not an error.
	PauseRecording(ctx context.Context, name string) error
	// ResumeRecording records again after PauseRecording.
	ResumeRecording(ctx context.Context, name string) error

	// Listen records what the caller on a channel says: after a beep (if
	// asked), until the caller has been silent for Silence after speaking,
	// or for Silence before speaking at all, or for Max in all. Utterance
	// follows with the audio when it ends that way, when the caller hangs
	// up, on StopRecording(req.Name), or when the switch fails it.
	Listen(ctx context.Context, req ListenRequest) error

	// SendDTMF sends digits on a channel.
	SendDTMF(ctx context.Context, ch ChannelID, digits string) error
	// SetVar sets a channel variable.
	SetVar(ctx context.Context, ch ChannelID, name, value string) error
	// GetVar reads a channel variable; ErrNoVariable if unset.
	GetVar(ctx context.Context, ch ChannelID, name string) (string, error)

	// Spy connects a supervisor endpoint to a channel's audio: listen, whisper
	// (speak to ch only) or barge (speak to both). The supervisor leg is
	// originated with req.ChannelID and reported like any originated channel.
	Spy(ctx context.Context, target ChannelID, mode SpyMode, req OriginateRequest) error

	// Snapshot lists the channels and bridges that belong to Hotline now.
	Snapshot(ctx context.Context) (Snapshot, error)

	// Close releases the link to the switch and closes Events.
	Close() error
}

// RecordingChecker is a Switch that can tell, when asked, whether a
// recording is over, for a RecordingFinished lost (a link cut, a restart of
// Hotline) or never sent. CheckRecording stops a recording that still runs
// (its RecordingFinished follows), and reports one that is over as a
// RecordingFinished: with its path when the switch stored it, Failed when
// it stored nothing under that name. It may report nothing while the
// switch is still writing the file; the caller asks again later.
type RecordingChecker interface {
	CheckRecording(ctx context.Context, name string) error
}

// ListenStopper is a Switch that stops a Listen only by its channel when
// it does not know it by name (one a previous run of Hotline started, on a
// switch that keeps no list of them). StopListen stops whatever Listen
// runs on ch; it reports nothing of it (the Utterance is not this run's).
type ListenStopper interface {
	StopListen(ctx context.Context, ch ChannelID, name string) error
}

// PlaybackStopper is a Switch that can stop a playback it does not know by
// id (one a previous run of Hotline started) with the help of its channel.
// StopCutPlayback stops playback id on ch if it still plays; it reports
// nothing of it (the PlaybackFinished is not this run's).
type PlaybackStopper interface {
	StopCutPlayback(ctx context.Context, ch ChannelID, id PlaybackID) error
}

// ChannelID names a channel. For inbound calls the switch chooses it; for
// originated channels Hotline does.
type ChannelID string

// BridgeID names a mixing bridge; Hotline chooses it.
type BridgeID string

// PlaybackID names one Play request; Hotline chooses it.
type PlaybackID string

// OriginateRequest describes an outbound leg.
type OriginateRequest struct {
	ChannelID ChannelID         // chosen by Hotline, unique
	Endpoint  string            // "PJSIP/1001", "Local/100@agents", "user/1001", "sim/agent-3"
	CallerID  string            // number shown to the callee, may be ""
	Timeout   time.Duration     // ring timeout; 0 = backend default (30 s)
	Vars      map[string]string // channel variables set at creation
	// CallerName is the name shown with CallerID, may be "".
	CallerName string
	// Machine asks for answering-machine detection: Answered then comes
	// once the switch has told a person from a machine, just after a
	// MachineDetected. A backend that cannot detect ignores it (the answer
	// comes as usual, with no MachineDetected).
	Machine MachineDetection
	// AutoAnswer asks the callee's phone to answer by itself, at once: the
	// agent answered from the desk. SIP backends add the usual headers
	// (Call-Info answer-after=0, Alert-Info auto answer); a phone that
	// ignores them rings as usual.
	AutoAnswer bool
	// Unattended is what the callee hears, if it answers while Hotline
	// cannot take the call (Hotline down, or its link to the switch cut),
	// before the switch hangs up: a campaign's safe-harbour message. Not
	// nil, it also asks the switch to note such an answer (see
	// UnattendedReader), even when empty: nothing to play. A backend that
	// keeps such a call for Hotline instead (FreeSWITCH parks it) ignores
	// it.
	Unattended []string
	// MachineMessage is what a machine hears, if answering-machine
	// detection ends while Hotline cannot take the call: a campaign's
	// machine_message, left by the switch itself before it hangs up (none:
	// it hangs up at once). A backend that keeps such a call for Hotline
	// ignores it.
	MachineMessage []string
}

// UnattendedReader is implemented by a switch that plays a lead's
// OriginateRequest.Unattended itself when the lead answers while Hotline is
// away (Asterisk, through the dialplan "hotline dialplan render" writes),
// and notes how a lead it could not report ended. UnattendedAnswers
// returns, of the channels asked about, those whose end the switch noted,
// and forgets them at the switch.
type UnattendedReader interface {
	UnattendedAnswers(ctx context.Context, chans []ChannelID) (map[ChannelID]UnattendedEnd, error)
}

// UnattendedEnd is how a lead ended while Hotline could not follow it, as
// the switch noted: answered at At, and taken care of by the switch (a
// person, or one detection was not sure of, heard
// OriginateRequest.Unattended; a machine, Machine, its MachineMessage or
// nothing); or, At zero, never answered, with Cause.
type UnattendedEnd struct {
	At      time.Time
	Machine bool
	Cause   Cause
}

// MachineDetection is what an originate does about answering machines.
type MachineDetection uint8

// Answering-machine detection modes.
const (
	MachineIgnore    MachineDetection = iota // no detection
	MachineDetect                            // tell a person from a machine
	MachineAfterBeep                         // and, for a machine, report it after its beep
)

// Answering-machine detection results (Asterisk's AMDSTATUS words).
const (
	AMDHuman   = "HUMAN"
	AMDMachine = "MACHINE"
	AMDNotSure = "NOTSURE"
	AMDHangup  = "HANGUP"
)

// RecordRequest describes a recording.
type RecordRequest struct {
	Name   string // unique; file name without extension, may hold directories ("2026-11-30/support/c1")
	Format string // "wav" (default), "gsm", ...
	Bridge BridgeID
	// Channel is recorded when Bridge is empty.
	Channel ChannelID
}

// ListenRequest describes one utterance to record (see Switch.Listen).
type ListenRequest struct {
	Name    string // unique; a recording name (CheckRecordingName), recorded as WAV
	Channel ChannelID
	Max     time.Duration // longest utterance; 0 = DefaultListenMax
	Silence time.Duration // silence that ends it; 0 = DefaultListenSilence
	Beep    bool          // a beep tells the caller to speak
}

// Listen defaults.
const (
	DefaultListenMax     = 8 * time.Second
	DefaultListenSilence = 2 * time.Second
)

// Limits returns the request's Max and Silence with the defaults filled
// in, whole seconds at least (what switches take).
func (r ListenRequest) Limits() (maxLen, silence time.Duration) {
	maxLen, silence = r.Max, r.Silence
	if maxLen <= 0 {
		maxLen = DefaultListenMax
	}
	if silence <= 0 {
		silence = DefaultListenSilence
	}
	return max(maxLen.Round(time.Second), time.Second), max(silence.Round(time.Second), time.Second)
}

// SpyMode is how a supervisor joins a call.
type SpyMode int

// Spy modes.
const (
	SpyListen  SpyMode = iota + 1 // hears both sides, speaks to no one
	SpyWhisper                    // hears both sides, speaks to the target only
	SpyBarge                      // hears and speaks to both sides
)

func (m SpyMode) String() string {
	switch m {
	case SpyListen:
		return "listen"
	case SpyWhisper:
		return "whisper"
	case SpyBarge:
		return "barge"
	}
	return "unknown"
}

// MarshalText writes listen | whisper | barge (a stored live call keeps
// its supervisors' modes so).
func (m SpyMode) MarshalText() ([]byte, error) {
	if m < SpyListen || m > SpyBarge {
		return nil, fmt.Errorf("spy mode %d: %w", int(m), ErrBadRequest)
	}
	return []byte(m.String()), nil
}

// UnmarshalText reads listen | whisper | barge.
func (m *SpyMode) UnmarshalText(b []byte) error {
	for _, k := range []SpyMode{SpyListen, SpyWhisper, SpyBarge} {
		if string(b) == k.String() {
			*m = k
			return nil
		}
	}
	return fmt.Errorf("spy mode %q is unknown; known: listen, whisper, barge: %w", b, ErrBadRequest)
}

// Cause is a hang-up cause, in Q.850 terms.
type Cause int

// The causes Hotline uses and recognizes.
const (
	CauseNormal           Cause = 16 // normal clearing
	CauseBusy             Cause = 17 // user busy
	CauseNoAnswer         Cause = 19 // no answer (user alerted)
	CauseNoUserResponse   Cause = 18
	CauseRejected         Cause = 21 // call rejected
	CauseUnallocated      Cause = 1  // unallocated number
	CauseUnreachable      Cause = 27 // destination out of order
	CauseCongestion       Cause = 34 // no circuit available
	CauseNormalUnspec     Cause = 31
	CauseOriginatorCancel Cause = 487 // SIP-ish; FreeSWITCH ORIGINATOR_CANCEL
	// CauseSwitchShutdown: the switch hung the channel up because it is
	// shutting down (FreeSWITCH's SYSTEM_SHUTDOWN, whose number it is;
	// Asterisk's soft hang-up of every channel at "core stop now"). No
	// party to the call ended it.
	CauseSwitchShutdown Cause = 501
	// CauseManagerRequest: the channel was hung up through the switch's API
	// or console, or by the switch itself (FreeSWITCH's MANAGER_REQUEST,
	// whose number it is: "uuid_kill UUID MANAGER_REQUEST", hupall, a SIP
	// profile stopped; a bare uuid_kill says NORMAL_CLEARING, which the
	// esl adapter reads as this on a SIP channel that got no BYE): an
	// administrator, another program or the switch, not a party to the
	// call. Hotline's own hang-ups name other causes.
	CauseManagerRequest Cause = 503
)

func (c Cause) String() string {
	switch c {
	case CauseNormal:
		return "normal"
	case CauseBusy:
		return "busy"
	case CauseNoAnswer, CauseNoUserResponse:
		return "no-answer"
	case CauseRejected:
		return "rejected"
	case CauseUnallocated:
		return "unallocated"
	case CauseUnreachable:
		return "unreachable"
	case CauseCongestion:
		return "congestion"
	case CauseNormalUnspec:
		return "normal-unspecified"
	case CauseOriginatorCancel:
		return "originator-cancel"
	case CauseSwitchShutdown:
		return "switch-shutdown"
	case CauseManagerRequest:
		return "manager-request"
	}
	return "cause-" + strconv.Itoa(int(c))
}

// FailReason says why an originate did not reach an answer.
type FailReason string

// Originate failure reasons.
const (
	FailBusy        FailReason = "busy"
	FailNoAnswer    FailReason = "no-answer"
	FailUnreachable FailReason = "unreachable"
	FailRejected    FailReason = "rejected"
	FailCancelled   FailReason = "cancelled" // Hotline hung it up itself before answer
)

// ReasonForCause maps a hang-up cause of an unanswered leg to a FailReason.
func ReasonForCause(c Cause) FailReason {
	switch c {
	case CauseBusy:
		return FailBusy
	case CauseNoAnswer, CauseNoUserResponse:
		return FailNoAnswer
	case CauseRejected:
		return FailRejected
	case CauseOriginatorCancel, CauseSwitchShutdown:
		return FailCancelled // nobody's doing: no agent to blame
	}
	return FailUnreachable
}

// Snapshot is what a switch holds for Hotline at one moment.
type Snapshot struct {
	Channels []ChannelInfo
	Bridges  []BridgeInfo
	// Unattended are the channels Hotline originated that answered while
	// the link was down and heard their OriginateRequest.Unattended from the
	// switch (see UnattendedReader), with when they answered; a backend
	// that reads such notes fills it at a reconnect.
	Unattended map[ChannelID]UnattendedEnd
	// Started is when the switch last started, by Hotline's clock (the
	// switch's uptime taken from the moment of the snapshot), or zero when
	// the backend cannot tell. A call Hotline last saw before then, and
	// that the switch no longer holds, went with the switch's restart.
	Started time.Time
}

// ChannelInfo describes one live channel.
type ChannelInfo struct {
	ID       ChannelID
	Answered bool
	Caller   string
	// CallerName is the name shown with Caller, "" where the switch gives
	// none: a caller taken over after a restart keeps it.
	CallerName string
	Called     string
	Vars       map[string]string // the HOTLINE_* variables at least, where the backend can read them
	Bridge     BridgeID          // "" if not bridged
}

// BridgeInfo describes one live bridge.
type BridgeInfo struct {
	ID       BridgeID
	Channels []ChannelID
}
