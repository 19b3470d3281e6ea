package store

import (
	"fmt"
	"time"
)

// Direction says who placed a call.
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
	OutcomeInProgress Outcome = "in-progress"
)

// HangupBy says which side ended a call.
type HangupBy string

// Sides that can end a call.
const (
	HangupCaller HangupBy = "caller"
	HangupAgent  HangupBy = "agent"
	HangupSystem HangupBy = "system"
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

// AgentStatus is an agent's state as persisted across restarts.
type AgentStatus string

// Agent states.
const (
	AgentLoggedOut AgentStatus = "logged-out"
	AgentAvailable AgentStatus = "available"
	AgentPaused    AgentStatus = "paused"
	AgentWrapUp    AgentStatus = "wrap-up"
	AgentOnCall    AgentStatus = "on-call"
	AgentRinging   AgentStatus = "ringing"
)

// CallbackState is where a callback request stands.
type CallbackState string

// Callback states.
const (
	CallbackPending CallbackState = "pending"
	CallbackDialing CallbackState = "dialing"
	CallbackDone    CallbackState = "done"
	CallbackFailed  CallbackState = "failed"
)

// Phase is the part of its life a live call is in. Unlike the other enums it
// is an open set: the store keeps whatever phase the engine names.
type Phase string

// Phases of a live call.
const (
	PhaseMenu    Phase = "menu"
	PhaseQueued  Phase = "queued"
	PhaseRinging Phase = "ringing"
	PhaseBridged Phase = "bridged"
	PhaseWrapUp  Phase = "wrap-up"
	PhaseDialing Phase = "dialing" // an outbound or callback leg not yet answered
)

// CallRecord is the lasting record of one call. The engine saves it when the
// call starts (OutcomeInProgress) and again as it changes; a save replaces
// the previous version of the same ID.
type CallRecord struct {
	ID           string        `json:"id"`
	Direction    Direction     `json:"direction,omitempty"`
	Caller       string        `json:"caller,omitempty"`
	CallerName   string        `json:"caller_name,omitempty"`
	Called       string        `json:"called,omitempty"`
	Entry        string        `json:"entry,omitempty"`
	Queue        string        `json:"queue,omitempty"`
	Agent        string        `json:"agent,omitempty"`
	AgentChannel string        `json:"agent_channel,omitempty"`
	Channel      string        `json:"channel,omitempty"`
	Entered      time.Time     `json:"entered"`
	Answered     time.Time     `json:"answered,omitzero"` // agent connected
	Ended        time.Time     `json:"ended,omitzero"`    // zero while the call lasts
	Wait         time.Duration `json:"wait,omitempty"`
	Talk         time.Duration `json:"talk,omitempty"`
	WrapUp       time.Duration `json:"wrap_up,omitempty"`
	Outcome      Outcome       `json:"outcome,omitempty"`
	HangupBy     HangupBy      `json:"hangup_by,omitempty"`
	Cause        string        `json:"cause,omitempty"`
	Recording    Recording     `json:"recording,omitzero"`
	Disposition  string        `json:"disposition,omitempty"`
	Notes        string        `json:"notes,omitempty"`
	Attempts     []Attempt     `json:"attempts,omitempty"`
	Timeline     []Step        `json:"timeline,omitempty"`
}

// Recording is where a call's recording was written.
type Recording struct {
	Name string `json:"name,omitempty"`
	Path string `json:"path,omitempty"`
}

// Attempt is one agent rung for a call.
type Attempt struct {
	Agent  string        `json:"agent"`
	At     time.Time     `json:"at"`
	Result AttemptResult `json:"result,omitempty"`
}

// Step is one event in a call's timeline.
type Step struct {
	At     time.Time `json:"at"`
	Kind   string    `json:"kind"`
	Detail string    `json:"detail,omitempty"`
	Agent  string    `json:"agent,omitempty"`
}

// AgentState is the part of an agent's runtime state that survives a restart.
type AgentState struct {
	ID                  string        `json:"id"`
	State               AgentStatus   `json:"state"`
	PauseReason         string        `json:"pause_reason,omitempty"`
	Since               time.Time     `json:"since,omitzero"`
	LoggedInAt          time.Time     `json:"logged_in_at,omitzero"`
	CallsTaken          int           `json:"calls_taken,omitempty"`
	TalkTime            time.Duration `json:"talk_time,omitempty"`
	ConsecutiveNoAnswer int           `json:"consecutive_no_answer,omitempty"`
	// PendingState is a pause or logout asked for during a call and not yet
	// applied (paused or logged-out), PendingReason the pause's reason.
	PendingState  AgentStatus `json:"pending_state,omitempty"`
	PendingReason string      `json:"pending_reason,omitempty"`
}

// Callback is a caller's request to be called back. Enqueued and Priority
// are the caller's original place in the queue, so the callback keeps it.
type Callback struct {
	ID          string        `json:"id"`
	CallID      string        `json:"call_id,omitempty"` // the call that asked for it
	Queue       string        `json:"queue"`
	Number      string        `json:"number"`
	Requested   time.Time     `json:"requested"`
	Enqueued    time.Time     `json:"enqueued,omitzero"`
	Priority    int           `json:"priority,omitempty"`
	Attempts    int           `json:"attempts,omitempty"`
	NextAttempt time.Time     `json:"next_attempt,omitzero"`
	State       CallbackState `json:"state"`
}

// ActiveCall is what the engine needs to pick a live call up again after a
// crash. It is saved when the call changes phase and deleted when it ends.
type ActiveCall struct {
	CallID       string    `json:"call_id"`
	Channel      string    `json:"channel,omitempty"`
	Queue        string    `json:"queue,omitempty"`
	Enqueued     time.Time `json:"enqueued,omitzero"`
	Priority     int       `json:"priority,omitempty"`
	State        Phase     `json:"state"`
	Since        time.Time `json:"since,omitzero"` // when State began; resumes its timers
	Agent        string    `json:"agent,omitempty"`
	AgentChannel string    `json:"agent_channel,omitempty"`
	Bridge       string    `json:"bridge,omitempty"`
	Recording    string    `json:"recording,omitempty"`
}

// Filter selects call records. Zero fields match everything.
type Filter struct {
	From       time.Time // Entered at or after
	To         time.Time // Entered before
	Queue      string
	Agent      string // the agent who took the call (CallRecord.Agent)
	Outcome    Outcome
	Direction  Direction
	Limit      int  // at most this many records; 0 = no limit
	Descending bool // newest first
}

func (f *Filter) match(c *CallRecord) bool {
	return (f.Queue == "" || c.Queue == f.Queue) &&
		(f.Agent == "" || c.Agent == f.Agent) &&
		(f.Outcome == "" || c.Outcome == f.Outcome) &&
		(f.Direction == "" || c.Direction == f.Direction)
}

// oneOf reports an unknown enum value; the empty value is allowed.
func oneOf[T ~string](field string, v T, known ...T) error {
	if v == "" {
		return nil
	}
	for _, k := range known {
		if v == k {
			return nil
		}
	}
	return fmt.Errorf("%s %q is unknown: %w", field, v, ErrInvalid)
}

func required(field, v string) error {
	if v == "" {
		return fmt.Errorf("%s is empty: %w", field, ErrInvalid)
	}
	return nil
}

func (c *CallRecord) validate() error {
	if err := required("call id", c.ID); err != nil {
		return err
	}
	if c.Entered.IsZero() {
		return fmt.Errorf("call %q: entered time is zero: %w", c.ID, ErrInvalid)
	}
	if err := oneOf("direction", c.Direction, DirectionInbound, DirectionOutbound, DirectionCallback); err != nil {
		return fmt.Errorf("call %q: %w", c.ID, err)
	}
	if err := oneOf("outcome", c.Outcome, OutcomeAnswered, OutcomeAbandoned, OutcomeOverflowed,
		OutcomeCallback, OutcomeFailed, OutcomeInProgress); err != nil {
		return fmt.Errorf("call %q: %w", c.ID, err)
	}
	if err := oneOf("hangup_by", c.HangupBy, HangupCaller, HangupAgent, HangupSystem); err != nil {
		return fmt.Errorf("call %q: %w", c.ID, err)
	}
	for i, a := range c.Attempts {
		if err := oneOf("result", a.Result, AttemptAnswered, AttemptNoAnswer, AttemptBusy,
			AttemptUnreachable, AttemptRejected, AttemptCancelled); err != nil {
			return fmt.Errorf("call %q: attempt %d: %w", c.ID, i, err)
		}
	}
	return nil
}

func (a *AgentState) validate() error {
	if err := required("agent id", a.ID); err != nil {
		return err
	}
	if err := oneOf("state", a.State, AgentLoggedOut, AgentAvailable, AgentPaused,
		AgentWrapUp, AgentOnCall, AgentRinging); err != nil {
		return fmt.Errorf("agent %q: %w", a.ID, err)
	}
	if err := oneOf("pending_state", a.PendingState, AgentPaused, AgentLoggedOut); err != nil {
		return fmt.Errorf("agent %q: %w", a.ID, err)
	}
	return nil
}

func (cb *Callback) validate() error {
	if err := required("callback id", cb.ID); err != nil {
		return err
	}
	if err := oneOf("state", cb.State, CallbackPending, CallbackDialing, CallbackDone, CallbackFailed); err != nil {
		return fmt.Errorf("callback %q: %w", cb.ID, err)
	}
	return nil
}

func (ac *ActiveCall) validate() error {
	// State is left open: the engine may add phases without a store change.
	return required("active call id", ac.CallID)
}
