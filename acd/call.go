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
	// The phases below come after an agent answered (or a flow sent the
	// caller on); they are appended so the numbers above never change.
	CallHeld         // the caller hears music on hold; the agent stays
	CallConsulting   // the caller is held while the agent talks to (or rings) a transfer target
	CallTransferring // the agent is gone; the caller hears music while a transfer target rings
	CallExternal     // the caller talks to an outside number Hotline dialed
)

var callPhaseNames = [...]string{
	CallNew: "new", CallMenu: "menu", CallQueued: "queued", CallOffering: "offering",
	CallBridged: "bridged", CallLeaving: "leaving", CallEnded: "ended",
	CallHeld: "held", CallConsulting: "consulting", CallTransferring: "transferring", CallExternal: "external",
}

func (p CallPhase) String() string {
	if int(p) < len(callPhaseNames) {
		return callPhaseNames[p]
	}
	return fmt.Sprintf("call-phase(%d)", p)
}

// legacyPhases are the names stores of schema 1 wrote before the phase was
// persisted as it is: "ringing" was offering, "dialing" an unanswered
// callback leg (the record's direction says it is a callback).
var legacyPhases = map[string]CallPhase{"ringing": CallOffering, "dialing": CallOffering}

// ParseCallPhase is the inverse of String; it also reads the names older
// stores wrote.
func ParseCallPhase(s string) (CallPhase, error) {
	for i, n := range callPhaseNames {
		if n == s {
			return CallPhase(i), nil
		}
	}
	if p, ok := legacyPhases[s]; ok {
		return p, nil
	}
	return 0, fmt.Errorf("%w: call phase %q", ErrUnknownState, s)
}

// MarshalText writes the phase by name, as the store persists it.
func (p CallPhase) MarshalText() ([]byte, error) {
	if int(p) >= len(callPhaseNames) {
		return nil, fmt.Errorf("%w: call phase %d", ErrUnknownState, p)
	}
	return []byte(callPhaseNames[p]), nil
}

// UnmarshalText reads a phase written by MarshalText (or an older store).
func (p *CallPhase) UnmarshalText(b []byte) error {
	v, err := ParseCallPhase(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}

var callTransitions = map[CallPhase][]CallPhase{
	CallNew:      {CallMenu, CallQueued, CallLeaving, CallEnded},
	CallMenu:     {CallMenu, CallQueued, CallLeaving, CallEnded, CallTransferring},
	CallQueued:   {CallOffering, CallQueued, CallLeaving, CallEnded, CallMenu},
	CallOffering: {CallBridged, CallQueued, CallLeaving, CallEnded},
	CallBridged:  {CallEnded, CallQueued, CallHeld, CallConsulting, CallTransferring},
	CallLeaving:  {CallEnded},
	CallEnded:    {},
	// Hold, consult and transfer (acd/engine/transfer.go).
	CallHeld:         {CallBridged, CallConsulting, CallTransferring, CallQueued, CallEnded},
	CallConsulting:   {CallHeld, CallBridged, CallExternal, CallTransferring, CallEnded},
	CallTransferring: {CallBridged, CallExternal, CallQueued, CallLeaving, CallEnded},
	CallExternal:     {CallEnded},
}

// Connected reports whether the caller is past the queue: talking, held or
// being transferred. A hang-up then is the end of a served call, not an
// abandon.
func (p CallPhase) Connected() bool {
	switch p {
	case CallBridged, CallHeld, CallConsulting, CallTransferring, CallExternal:
		return true
	}
	return false
}

// CheckCallTransition reports whether a call may move between phases; the
// engine refuses (and counts) a move the table does not list. Bridged →
// Queued is a transfer back to a queue; Menu → Transferring a flow's
// transfer to a number.
func CheckCallTransition(from, to CallPhase) error {
	for _, s := range callTransitions[from] {
		if s == to {
			return nil
		}
	}
	return fmt.Errorf("call %s → %s: %w", from, to, ErrIllegalTransition)
}
