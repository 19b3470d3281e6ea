package acd

import (
	"errors"
	"fmt"
	"strings"
)

// The words of a call's record. They are persisted as they are spelled
// here, so a constant's string never changes once released (the store's
// format test pins them).

// Direction says who placed a call; it is also the call's kind, which
// decides how the engine treats its legs.
type Direction string

// Directions of a call.
const (
	DirectionInbound  Direction = "inbound"
	DirectionOutbound Direction = "outbound"
	DirectionCallback Direction = "callback" // a queue callback dialed back
)

// Outcome is how a call ended, or OutcomeInProgress while it lasts.
type Outcome string

// Outcomes of a call.
const (
	OutcomeAnswered   Outcome = "answered"
	OutcomeAbandoned  Outcome = "abandoned"
	OutcomeOverflowed Outcome = "overflowed"
	OutcomeCallback   Outcome = "callback" // caller left the queue with a callback request
	OutcomeFailed     Outcome = "failed"
	// OutcomeSelfService: the caller took a menu exit the config designs
	// (a message, then hang-up): served without an agent, not a failure.
	OutcomeSelfService Outcome = "self-service"
	OutcomeInProgress  Outcome = "in-progress"
	// OutcomeTransferred: a flow sent the caller to an outside number,
	// which answered; no agent of Hotline took the call.
	OutcomeTransferred Outcome = "transferred"
)

// StepLeftFlow is the detail of the caller-hangup step of a lead who hung
// up in a survey's or notification's flow before its end: served by the
// flow as far as it went (self-service), never an abandon, not contained.
const StepLeftFlow = "in the campaign's flow, before its end"

// TransferKind is how a call reached a leg after its first: sent on at
// once (blind) or after the agent talked to the target (attended).
type TransferKind string

// Kinds of transfer.
const (
	TransferBlind    TransferKind = "blind"
	TransferAttended TransferKind = "attended"
)

// HangupBy says which side ended a call.
type HangupBy string

// Sides that can end a call.
const (
	HangupCaller HangupBy = "caller"
	HangupAgent  HangupBy = "agent"
	HangupSystem HangupBy = "system"
	// HangupUnknown: both sides left while the link to the switch was
	// down, and the switch kept no word of who left first.
	HangupUnknown HangupBy = "unknown"
)

// AttemptResult is what came of ringing one agent.
type AttemptResult string

// Results of ringing an agent.
const (
	AttemptAnswered    AttemptResult = "answered"
	AttemptNoAnswer    AttemptResult = "no-answer"
	AttemptBusy        AttemptResult = "busy"
	AttemptUnreachable AttemptResult = "unreachable"
	AttemptRejected    AttemptResult = "rejected"
	AttemptCancelled   AttemptResult = "cancelled"
)

// ErrUnknownValue is returned when a word is not one of its type's values.
var ErrUnknownValue = errors.New("unknown value")

// Valid reports an unknown direction; the empty value is allowed (unset).
func (d Direction) Valid() error {
	return oneOf("direction", d, DirectionInbound, DirectionOutbound, DirectionCallback)
}

// Valid reports an unknown outcome; the empty value is allowed (unset).
func (o Outcome) Valid() error {
	return oneOf("outcome", o, OutcomeAnswered, OutcomeAbandoned, OutcomeOverflowed,
		OutcomeCallback, OutcomeFailed, OutcomeSelfService, OutcomeInProgress, OutcomeTransferred)
}

// Valid reports an unknown side; the empty value is allowed (unset).
func (h HangupBy) Valid() error {
	return oneOf("hangup_by", h, HangupCaller, HangupAgent, HangupSystem, HangupUnknown)
}

// Valid reports an unknown result; the empty value is allowed (unset).
func (r AttemptResult) Valid() error {
	return oneOf("result", r, AttemptAnswered, AttemptNoAnswer, AttemptBusy,
		AttemptUnreachable, AttemptRejected, AttemptCancelled)
}

// oneOf reports a value that is not among known; the empty value is allowed.
func oneOf[T ~string](field string, v T, known ...T) error {
	if v == "" {
		return nil
	}
	names := make([]string, len(known))
	for i, k := range known {
		if v == k {
			return nil
		}
		names[i] = string(k)
	}
	return fmt.Errorf("%s %q: %w; known: %s", field, v, ErrUnknownValue, strings.Join(names, ", "))
}
