package pbx

import "time"

// Event is one normalized switch event. The set is closed: only the types in
// this file implement it.
type Event interface {
	// Chan is the channel the event is about ("" for bridge-less/global events).
	Chan() ChannelID
	// Time is when the switch saw it (backend clock; the engine uses its own now).
	Time() time.Time
	isEvent()
}

// Base carries the fields every event has.
type Base struct {
	Channel ChannelID
	At      time.Time
}

// Chan implements Event.
func (b Base) Chan() ChannelID { return b.Channel }

// Time implements Event.
func (b Base) Time() time.Time { return b.At }
func (Base) isEvent()          {}

// CallArrived: an inbound call entered Hotline (Stasis start, socket connect, sim caller).
type CallArrived struct {
	Base
	Caller     string            // calling number
	CallerName string            // may be ""
	Called     string            // dialed number / extension
	Args       []string          // application arguments (Stasis(hotline,queue,sales) → ["queue","sales"])
	Vars       map[string]string // channel variables the backend passed along
}

// Ringing: an originated channel is alerting.
type Ringing struct{ Base }

// Answered: a channel was answered (inbound after Answer, or an originated leg picked up).
type Answered struct{ Base }

// MachineDetected: answering-machine detection of an originated channel is
// over (see OriginateRequest.Machine); Answered follows.
type MachineDetected struct {
	Base
	Status string // AMDHuman, AMDMachine, AMDNotSure or AMDHangup
	Cause  string // the switch's reason, e.g. "INITIALSILENCE-2500-2500"
}

// DTMF: a caller pressed a key.
type DTMF struct {
	Base
	Digit    rune // 0-9 * # A-D
	Duration time.Duration
}

// PlaybackFinished: a Play request ended, done or stopped.
type PlaybackFinished struct {
	Base
	Playback PlaybackID
	Stopped  bool // ended by StopPlayback or hangup rather than played out
	Failed   bool // media not found or could not be played
}

// OriginateFailed: an originated channel never answered.
type OriginateFailed struct {
	Base
	Reason FailReason
	Cause  Cause
}

// HungUp: a channel is gone.
type HungUp struct {
	Base
	Cause Cause
}

// BridgeJoined: a channel entered a bridge.
type BridgeJoined struct {
	Base
	Bridge BridgeID
}

// BridgeLeft: a channel left a bridge.
type BridgeLeft struct {
	Base
	Bridge BridgeID
}

// RecordingStarted: the switch began a recording (not a Listen's). At is
// the switch's time of it, the recording's start: a recording's two ends
// then read one clock, the switch's, whatever the command or the event
// took on the way.
type RecordingStarted struct {
	Base
	Name string
}

// RecordingFinished: a recording stopped; Path is where the switch stored it (if known).
type RecordingFinished struct {
	Base
	Name     string
	Path     string
	Duration time.Duration
	Failed   bool
	Err      string // why it failed, where the backend knows (e.g. no audio, so no file kept)
	// End is when the recording ended by the switch's clock: its event's
	// timestamp, or when its file was last written where a backend finds
	// it over by asking after the fact; zero when the switch cannot tell.
	// A link cut or a backlog delays the event, not End.
	End time.Time
}

// Utterance: a Listen ended. Audio is the recording, a WAV file, where
// the backend could read it (empty when the caller said nothing the switch
// kept); Path is where the switch stored it. Failed: the switch could not
// record, or the recording could not be read (Err says why).
type Utterance struct {
	Base
	Name     string
	Path     string
	Audio    []byte
	Duration time.Duration
	Failed   bool
	Err      string
}

// Synced: the backend (re)connected; Snapshot is everything live now. The
// engine reconciles its state against it. Channel is "".
type Synced struct {
	Base
	Snapshot  Snapshot
	Reconnect bool // false on first connect
}

// SwitchStopping: the switch said it is shutting down (FreeSWITCH's
// SHUTDOWN event; on Asterisk the first channel it hangs up for a "core
// stop"). Its channels are about to be hung up with CauseSwitchShutdown and
// the link to close; what is gone when it comes back (Synced) went with the
// shutdown. Channel is "".
type SwitchStopping struct{ Base }

// Disconnected: the link to the switch is down; commands will fail until Synced.
type Disconnected struct {
	Base
	Err error
}

// Compile-time guards: the closed set.
var (
	_ Event = CallArrived{}
	_ Event = Ringing{}
	_ Event = Answered{}
	_ Event = DTMF{}
	_ Event = PlaybackFinished{}
	_ Event = OriginateFailed{}
	_ Event = HungUp{}
	_ Event = BridgeJoined{}
	_ Event = BridgeLeft{}
	_ Event = RecordingFinished{}
	_ Event = Utterance{}
	_ Event = Synced{}
	_ Event = SwitchStopping{}
	_ Event = Disconnected{}
)

// ValidDigit reports whether r is a DTMF digit.
func ValidDigit(r rune) bool {
	switch {
	case r >= '0' && r <= '9', r == '*', r == '#', r >= 'A' && r <= 'D':
		return true
	}
	return false
}
