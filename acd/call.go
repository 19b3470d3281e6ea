package acd

import "fmt"

// CallPhase is where an inbound call is in its lifecycle.
type CallPhase uint8

// Call phases.
const (
	CallNew      CallPhase = iota // arrived, not yet routed
	CallMenu                      // in a DTMF menu
	CallQueued                    // waiting in a queue, no agent being rung
	CallOffering                  // waiting, one or more agents being rung
	CallBridged                   // talking to an agent
	CallLeaving                   // playing a final message before hang-up
	CallEnded                     // gone
)

var callPhaseNames = [...]string{
	CallNew: "new", CallMenu: "menu", CallQueued: "queued", CallOffering: "offering",
	CallBridged: "bridged", CallLeaving: "leaving", CallEnded: "ended",
}

func (p CallPhase) String() string {
	if int(p) < len(callPhaseNames) {
		return callPhaseNames[p]
	}
	return fmt.Sprintf("call-phase(%d)", p)
}

// ParseCallPhase is the inverse of String.
func ParseCallPhase(s string) (CallPhase, error) {
	for i, n := range callPhaseNames {
		if n == s {
			return CallPhase(i), nil
		}
	}
	return 0, fmt.Errorf("%w: call phase %q", ErrUnknownState, s)
}

var callTransitions = map[CallPhase][]CallPhase{
	CallNew:      {CallMenu, CallQueued, CallLeaving, CallEnded},
	CallMenu:     {CallMenu, CallQueued, CallLeaving, CallEnded},
	CallQueued:   {CallOffering, CallQueued, CallLeaving, CallEnded, CallMenu},
	CallOffering: {CallBridged, CallQueued, CallLeaving, CallEnded},
	CallBridged:  {CallEnded, CallQueued},
	CallLeaving:  {CallEnded},
	CallEnded:    {},
}

// CheckCallTransition reports whether a call may move between phases.
// Bridged → Queued is a transfer back to a queue.
func CheckCallTransition(from, to CallPhase) error {
	for _, s := range callTransitions[from] {
		if s == to {
			return nil
		}
	}
	return fmt.Errorf("call %s → %s: %w", from, to, ErrIllegalTransition)
}
