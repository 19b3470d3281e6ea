package ivr

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// State is where one call is in a flow. The zero State is a call outside
// any flow. It holds only plain values so it can be stored and restored.
type State struct {
	Node  string            `json:"node"`            // the node the call is at; "" once the call left the flow
	Tries int               `json:"tries,omitempty"` // no-input or invalid-input rounds spent at Node
	Buf   string            `json:"buf,omitempty"`   // digits collected so far at Node
	Vars  map[string]string `json:"vars,omitempty"`  // what the flow learned: collected values, lookups, language
	// Secret names the variables that hold secret values (a card number):
	// hosts show them masked (Mask), store them not at all (Flow.Stored),
	// and the flow drops them when the call leaves it.
	Secret []string `json:"secret,omitempty"`
}

// Done reports whether the call has left the flow (to a queue, or to hang up).
func (s State) Done() bool { return s.Node == "" }

// String is the state as traces show it; Buf and Vars only when set,
// secret values masked.
func (s State) String() string {
	out := "{Node:" + s.Node + " Tries:" + itoa(s.Tries)
	if s.Buf != "" {
		out += " Buf:" + s.Buf
	}
	if len(s.Vars) > 0 {
		out += " Vars:"
		for i, k := range slices.Sorted(maps.Keys(s.Vars)) {
			if i > 0 {
				out += ","
			}
			out += k + "=" + s.Mask(s.Vars[k])
		}
	}
	return out + "}"
}

// Equal reports whether two states are the same place with the same variables.
func (s State) Equal(o State) bool {
	return s.Node == o.Node && s.Tries == o.Tries && s.Buf == o.Buf && maps.Equal(s.Vars, o.Vars) && slices.Equal(s.Secret, o.Secret)
}

// With returns s with the variable set; s itself is not changed (its map may
// be shared with the host's copy).
func (s State) With(name, value string) State {
	vars := maps.Clone(s.Vars)
	if vars == nil {
		vars = map[string]string{}
	}
	vars[name] = value
	s.Vars = vars
	return s
}

// WithSecret is With for a secret value (see State.Secret).
func (s State) WithSecret(name, value string) State {
	s = s.With(name, value)
	if !slices.Contains(s.Secret, name) {
		s.Secret = append(slices.Clone(s.Secret), name)
	}
	return s
}

// Masked is how a secret value is shown.
const Masked = "****"

// Mask replaces every secret value in text by Masked, for a timeline, a
// log or a status.
func (s State) Mask(text string) string {
	for _, name := range s.Secret {
		if v := s.Vars[name]; v != "" {
			text = strings.ReplaceAll(text, v, Masked)
		}
	}
	return text
}

// public is s's variables without the secret ones, and with secret values
// masked in the others (a text made with {card}).
func (s State) public() map[string]string {
	if len(s.Secret) == 0 {
		return s.Vars
	}
	vars := make(map[string]string, len(s.Vars))
	for k, v := range s.Vars {
		if !slices.Contains(s.Secret, k) {
			vars[k] = s.Mask(v)
		}
	}
	return vars
}

// Var is a variable's value, "" when unset.
func (s State) Var(name string) string { return s.Vars[name] }

// Variables the host sets when a call enters a flow, and that nodes set.
const (
	VarCaller   = "caller"   // the caller's number
	VarKnown    = "known"    // "yes" when the caller is a known customer
	VarTags     = "tags"     // the caller's tags, comma separated (VIP, ...)
	VarLanguage = "language" // the prompt language chosen ("en", "ru")
	// VarServed is set when the flow gave the caller what it came for (the
	// FAQ entry answered): a caller who hangs up then was served, not lost.
	VarServed = "served"
	// SkillPrefix marks variables that are skills a queue node requires:
	// "skill.russian" = "1" asks for skill russian at level 1 or more.
	SkillPrefix = "skill."
)

// Input is something that happened to a call in a flow.
type Input interface{ input() }

// Digit is a DTMF key the caller pressed: "0"-"9", "*", "#", "A"-"D".
type Digit struct{ Key string }

// Timeout is the timer of the last StartTimer running out.
type Timeout struct{}

// PlaybackDone is the media of the last Play having finished (or failed).
type PlaybackDone struct{}

// LookupResult is the answer of the last Lookup: the values read from the
// service's JSON answer, or Err when the request failed (not a timeout:
// that is a Timeout input).
type LookupResult struct {
	Values map[string]string
	Err    string
}

// Phrase is what a speech recognizer heard the caller say.
type Phrase struct{ Text string }

// HungUp is the caller having hung up. Nodes may still leave work for
// later (a voicemail's callback task); the host carries out only Callback
// actions, without their media.
type HungUp struct{}

func (Digit) input()        {}
func (Timeout) input()      {}
func (PlaybackDone) input() {}
func (LookupResult) input() {}
func (Phrase) input()       {}
func (HungUp) input()       {}

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

// ToQueue hands the call to a queue; the flow is done. Skills (name →
// minimum level) are required of the agent on top of the queue's own;
// Priority is added to the call's priority.
type ToQueue struct {
	Queue    string
	Skills   map[string]int
	Priority int
}

// Transfer sends the call to a number outside Hotline; the flow is done.
type Transfer struct{ Number string }

// Callback asks the host to make a callback task for Queue to Number and
// hang up after Media; the flow is done. Recording, if set, is a voicemail
// the caller left.
type Callback struct {
	Queue, Number, Recording string
	Media                    []string
}

// Record records the caller into a file named Name for at most Max; a
// PlaybackDone input follows when the recording ends (silence, a key,
// Max reached).
type Record struct {
	Name string
	Max  time.Duration
}

// Lookup asks the host to call a service over HTTP, outside its own loop,
// and come back with a LookupResult (or let the flow's timer run out).
// Read maps variable names to dotted paths in the JSON answer.
type Lookup struct {
	Method, URL string
	Body        map[string]string
	Read        map[string]string
	Timeout     time.Duration // the flow waits this long; the host need not wait longer
}

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
func (Transfer) action()    {}
func (Callback) action()    {}
func (Record) action()      {}
func (Lookup) action()      {}
func (Leave) action()       {}
func (Goto) action()        {}

func (a Enter) String() string      { return "enter " + a.Kind + " " + a.Node }
func (a Note) String() string       { return "note " + a.Kind + " " + a.Detail }
func (a Warn) String() string       { return "warn " + a.Code + ": " + a.Text }
func (a Play) String() string       { return "play " + strings.Join(a.Media, ",") }
func (StopPlay) String() string     { return "stop-play" }
func (a StartTimer) String() string { return "timer " + a.After.String() }
func (CancelTimer) String() string  { return "cancel-timer" }
func (a ToQueue) String() string {
	s := "queue " + a.Queue
	for _, k := range slices.Sorted(maps.Keys(a.Skills)) {
		s += " " + k + ">=" + itoa(a.Skills[k])
	}
	if a.Priority != 0 {
		s += " priority " + itoa(a.Priority)
	}
	return s
}
func (a Transfer) String() string { return "transfer " + a.Number }
func (a Callback) String() string {
	s := "callback " + a.Queue + " to " + a.Number
	if a.Recording != "" {
		s += " with " + a.Recording
	}
	return s
}
func (a Record) String() string { return "record " + a.Name + " max " + a.Max.String() }
func (a Lookup) String() string {
	s := "lookup " + a.Method + " " + a.URL
	for _, k := range slices.Sorted(maps.Keys(a.Body)) {
		s += " " + k + "=" + a.Body[k]
	}
	return s
}
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
func (in LookupResult) String() string {
	if in.Err != "" {
		return "lookup-failed " + in.Err
	}
	s := "lookup-result"
	for _, k := range slices.Sorted(maps.Keys(in.Values)) {
		s += " " + k + "=" + in.Values[k]
	}
	return s
}
func (in Phrase) String() string { return "phrase " + strconv.Quote(in.Text) }
func (HungUp) String() string    { return "hung-up" }

func itoa(n int) string { return strconv.Itoa(n) }
