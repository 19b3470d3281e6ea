package acd

import (
	"errors"
	"fmt"
)

// AgentState is where an agent is in its lifecycle.
type AgentState uint8

// Agent states.
const (
	LoggedOut AgentState = iota
	Available            // ready for a call
	Ringing              // reserved: a call is being offered
	OnCall               // talking
	WrapUp               // after-call work
	Paused               // logged in, not taking calls (with a reason)
)

var agentStateNames = [...]string{
	LoggedOut: "logged-out",
	Available: "available",
	Ringing:   "ringing",
	OnCall:    "on-call",
	WrapUp:    "wrap-up",
	Paused:    "paused",
}

func (s AgentState) String() string {
	if int(s) < len(agentStateNames) {
		return agentStateNames[s]
	}
	return fmt.Sprintf("agent-state(%d)", s)
}

// ParseAgentState is the inverse of String.
func ParseAgentState(s string) (AgentState, error) {
	for i, n := range agentStateNames {
		if n == s {
			return AgentState(i), nil
		}
	}
	return 0, fmt.Errorf("%w: agent state %q", ErrUnknownState, s)
}

// MarshalText writes the state by name, as the store persists it.
func (s AgentState) MarshalText() ([]byte, error) {
	if int(s) >= len(agentStateNames) {
		return nil, fmt.Errorf("%w: agent state %d", ErrUnknownState, s)
	}
	return []byte(agentStateNames[s]), nil
}

// UnmarshalText reads a state written by MarshalText.
func (s *AgentState) UnmarshalText(b []byte) error {
	v, err := ParseAgentState(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// AgentStates lists every state, in order.
func AgentStates() []AgentState {
	return []AgentState{LoggedOut, Available, Ringing, OnCall, WrapUp, Paused}
}

// AgentCause says why an agent's state changed; every change in the stored
// log has one, so a report or a supervisor can tell a lunch break from an
// agent who stopped answering.
type AgentCause string

// Agent change causes.
const (
	CauseLogin     AgentCause = "login"       // the agent logged in (By: who asked, if a request)
	CauseLogout    AgentCause = "logout"      // the agent logged out
	CauseReady     AgentCause = "ready"       // the agent said ready (from a pause or wrap-up)
	CausePause     AgentCause = "pause"       // the agent paused (Reason: why)
	CauseOffer     AgentCause = "offer"       // a call rings the agent
	CauseAnswer    AgentCause = "answer"      // the agent answered
	CauseNoAnswer  AgentCause = "no-answer"   // the agent let a call ring out (or is paused for doing so too often)
	CauseOfferEnd  AgentCause = "offer-ended" // an offer ended unanswered otherwise (Reason: busy, cancelled, ...)
	CauseCallEnd   AgentCause = "call-end"    // the agent's call ended (to wrap-up, or on at once)
	CauseWrapUpEnd AgentCause = "wrap-up-end" // the wrap-up time ran out
	CauseReload    AgentCause = "reload"      // a config reload added the agent logged in, or removed it
	CauseRestart   AgentCause = "restart"     // the restart reconciliation: the call did not survive it
)

// AgentCauses lists every cause.
func AgentCauses() []AgentCause {
	return []AgentCause{CauseLogin, CauseLogout, CauseReady, CausePause, CauseOffer, CauseAnswer,
		CauseNoAnswer, CauseOfferEnd, CauseCallEnd, CauseWrapUpEnd, CauseReload, CauseRestart}
}

// agentTransitions is the table of allowed agent transitions. Anything not
// listed is a bug somewhere upstream (or a bad admin request) and is reported
// as ErrIllegalTransition, never applied silently.
var agentTransitions = map[AgentState][]AgentState{
	LoggedOut: {Available, Paused},
	Available: {Ringing, Paused, LoggedOut},
	Ringing:   {OnCall, Available, Paused, LoggedOut},
	OnCall:    {WrapUp, Available, Paused, LoggedOut},
	WrapUp:    {Available, Paused, LoggedOut},
	Paused:    {Available, LoggedOut, Ringing, Paused},
}

// ErrIllegalTransition is returned for a transition the table does not allow.
var ErrIllegalTransition = errors.New("illegal transition")

// ErrUnknownState is returned when a state name is not known.
var ErrUnknownState = errors.New("unknown state")

// CheckAgentTransition reports whether an agent may go from one state to another.
//
// Paused → Ringing is allowed because a callback or a direct call may be
// offered to a paused agent on purpose (never by the queue strategies).
func CheckAgentTransition(from, to AgentState) error {
	for _, s := range agentTransitions[from] {
		if s == to {
			return nil
		}
	}
	return fmt.Errorf("agent %s → %s: %w", from, to, ErrIllegalTransition)
}

// LoggedIn reports whether the state counts as logged in.
func (s AgentState) LoggedIn() bool { return s != LoggedOut }

// Busy reports whether the agent is handling a call (ringing, talking, wrap-up).
func (s AgentState) Busy() bool { return s == Ringing || s == OnCall || s == WrapUp }
