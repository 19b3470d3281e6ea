package ivr

import (
	"strings"
	"time"
)

// State is where one call is in a flow. The zero State is a call outside
// any flow. It holds only plain values so it can be stored and restored.
type State struct {
	Node  string `json:"node"`            // the node the call is at; "" once the call left the flow
	Tries int    `json:"tries,omitempty"` // no-input or invalid-input rounds spent at Node
}

// Done reports whether the call has left the flow (to a queue, or to hang up).
func (s State) Done() bool { return s.Node == "" }

// Input is something that happened to a call in a flow.
type Input interface{ input() }

// Digit is a DTMF key the caller pressed: "0"-"9", "*", "#", "A"-"D".
type Digit struct{ Key string }

// Timeout is the timer of the last StartTimer running out.
type Timeout struct{}

// PlaybackDone is the media of the last Play having finished (or failed).
type PlaybackDone struct{}

func (Digit) input()        {}
func (Timeout) input()      {}
func (PlaybackDone) input() {}

// Action is something the host must do for the call, in order.
type Action interface{ action() }

// Enter reports that the call arrived at a node of the given kind; the host
// notes it in the call's timeline and saves the flow state.
type Enter struct{ Kind, Node string }

// Note is a line for the call's timeline (a menu choice, a retry).
type Note struct{ Kind, Detail string }

// Warn is an unexpected input worth a warning; Code is a short stable name.
type Warn struct{ Code, Text string }

// Play plays media to the caller, replacing whatever plays; a PlaybackDone
// input follows when it ends.
type Play struct{ Media []string }

// StopPlay stops the media playing to the caller, if any; no PlaybackDone follows.
type StopPlay struct{}

// StartTimer arms the call's flow timer; a Timeout input follows after After
// unless another StartTimer or a CancelTimer comes first.
type StartTimer struct{ After time.Duration }

// CancelTimer disarms the call's flow timer.
type CancelTimer struct{}

// ToQueue hands the call to a queue; the flow is done.
type ToQueue struct{ Queue string }

// Leave plays Media (if any) and hangs the caller up; the flow is done.
// Failed says the flow could not go on (a node it lacks, a loop), as
// opposed to an exit the flow designs.
type Leave struct {
	Media  []string
	Failed bool
}

// Goto moves the call to another node of the flow. Nodes return it; Step
// follows it and never passes it to the host.
type Goto struct{ Node string }

func (Enter) action()       {}
func (Note) action()        {}
func (Warn) action()        {}
func (Play) action()        {}
func (StopPlay) action()    {}
func (StartTimer) action()  {}
func (CancelTimer) action() {}
func (ToQueue) action()     {}
func (Leave) action()       {}
func (Goto) action()        {}

func (a Enter) String() string      { return "enter " + a.Kind + " " + a.Node }
func (a Note) String() string       { return "note " + a.Kind + " " + a.Detail }
func (a Warn) String() string       { return "warn " + a.Code + ": " + a.Text }
func (a Play) String() string       { return "play " + strings.Join(a.Media, ",") }
func (StopPlay) String() string     { return "stop-play" }
func (a StartTimer) String() string { return "timer " + a.After.String() }
func (CancelTimer) String() string  { return "cancel-timer" }
func (a ToQueue) String() string    { return "queue " + a.Queue }
func (a Leave) String() string {
	s := strings.TrimSpace("leave " + strings.Join(a.Media, ","))
	if a.Failed {
		s += " (failed)"
	}
	return s
}
func (a Goto) String() string { return "goto " + a.Node }

func (in Digit) String() string     { return "digit " + in.Key }
func (Timeout) String() string      { return "timeout" }
func (PlaybackDone) String() string { return "playback-done" }
