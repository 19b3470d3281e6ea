package store

import (
	"fmt"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/contact"
	"github.com/hotline-cc/hotline/acd/ivr"
	"github.com/hotline-cc/hotline/acd/pbx"
)

// The words inside records (direction, outcome, agent state, call phase,
// callback state, ...) are the domain's own types from package acd,
// persisted by their names.

// CallRecord is the lasting record of one call. The engine saves it when the
// call starts (OutcomeInProgress) and again as it changes; a save replaces
// the previous version of the same ID.
type CallRecord struct {
	ID           string        `json:"id"`
	Direction    acd.Direction `json:"direction,omitempty"`
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
	Bridged      time.Time     `json:"bridged,omitzero"`  // caller and agent both in the bridge; Talk counts from here
	Ended        time.Time     `json:"ended,omitzero"`    // zero while the call lasts
	Wait         time.Duration `json:"wait,omitempty"`
	Talk         time.Duration `json:"talk,omitempty"`
	WrapUp       time.Duration `json:"wrap_up,omitempty"`
	Outcome      acd.Outcome   `json:"outcome,omitempty"`
	HangupBy     acd.HangupBy  `json:"hangup_by,omitempty"`
	Cause        string        `json:"cause,omitempty"`
	// Recording is the call's first recording; MoreRecordings the later
	// ones in the order they began: the leg after a transfer, a recording
	// stopped and started again (see AllRecordings).
	Recording      Recording   `json:"recording,omitzero"`
	MoreRecordings []Recording `json:"more_recordings,omitempty"`
	Disposition    string      `json:"disposition,omitempty"`
	// CallbackAt is when the agent asked a campaign's lead to be called
	// back, with a callback disposition (zero: after the no-answer delay).
	CallbackAt time.Time `json:"callback_at,omitzero"`
	// CallbackAgent is the agent the callback is kept for ("" = anyone).
	CallbackAgent string `json:"callback_agent,omitempty"`
	// Reason is what the call was about, as the agent filed it (a category).
	Reason string `json:"reason,omitempty"`
	// RepeatedBy names a later call from the same contact about the same
	// topic (see CallRecord.Topic) within the repeat window: this one was
	// not resolved at the first contact. Empty: resolved, as far as known.
	RepeatedBy string `json:"repeated_by,omitempty"`
	// Contact is the caller's contact, matched by number on arrival (0:
	// none, or not matched in time).
	Contact  contact.ID `json:"contact,omitempty"`
	Notes    string     `json:"notes,omitempty"`
	Attempts []Attempt  `json:"attempts,omitempty"`
	Timeline []Step     `json:"timeline,omitempty"`
	// Hold is how long the caller was on hold (during consults too); it is
	// not part of Talk. Transfers counts the transfers carried out, and Legs
	// the parties the caller talked to in turn: a transfer is a leg of the
	// same call, not a new one.
	Hold      time.Duration `json:"hold,omitempty"`
	Transfers int           `json:"transfers,omitempty"`
	Legs      []Leg         `json:"legs,omitempty"`
	// EndEarliest is set when the call ended while Hotline was not watching
	// (down, or its link to the switch was): it ended between EndEarliest
	// (last seen up) and Ended (found gone). Talk and Wait count to EndEarliest.
	EndEarliest time.Time `json:"end_earliest,omitzero"`
	// Sealed holds the personal fields (caller, caller name, called, notes,
	// timeline details, recording name and path) of a record read without
	// the key that sealed them; they read empty meanwhile. With the key
	// (see DB.SealCalls) the store opens it and Sealed is nil.
	Sealed []byte `json:"sealed,omitempty"`
}

// Recording is where one recording of a call was written.
type Recording struct {
	Name string `json:"name,omitempty"`
	Path string `json:"path,omitempty"`
	// Failed: the switch could not record the call, or reported the
	// recording failed; there is no file, and the timeline says why.
	Failed bool `json:"failed,omitempty"`
	// Start and End are when it began and ended (End zero while it runs;
	// both zero in records older than several recordings per call).
	Start time.Time `json:"start,omitzero"`
	End   time.Time `json:"end,omitzero"`
	// Agent is the agent of the leg it recorded, Leg that leg's number
	// (1 for the party that answered first, 2 after a transfer, ...; see
	// Legs); "" and 0 where unknown.
	Agent string `json:"agent,omitempty"`
	Leg   int    `json:"leg,omitempty"`
}

// AllRecordings lists the call's recordings in the order they began.
func (c *CallRecord) AllRecordings() []Recording {
	if c.Recording == (Recording{}) {
		return c.MoreRecordings
	}
	return append([]Recording{c.Recording}, c.MoreRecordings...)
}

// RecordingNumber is the call's n-th recording (1: the first), or an
// ErrNotFound error that says how many there are.
func (c *CallRecord) RecordingNumber(n int) (*Recording, error) {
	all := c.AllRecordings()
	if n < 1 || n > len(all) {
		return nil, fmt.Errorf("call %s has %d recordings, no number %d: %w", c.ID, len(all), n, ErrNotFound)
	}
	if c.Recording == (Recording{}) {
		return &c.MoreRecordings[n-1], nil
	}
	if n == 1 {
		return &c.Recording, nil
	}
	return &c.MoreRecordings[n-2], nil
}

// recorded says whether the call has a recording (its names may be
// sealed: say it before sealing).
func (c *CallRecord) recorded() bool {
	return c.Recording != (Recording{}) || len(c.MoreRecordings) > 0
}

// Attempt is one agent rung for a call.
type Attempt struct {
	Agent  string            `json:"agent"`
	At     time.Time         `json:"at"`
	Result acd.AttemptResult `json:"result,omitempty"`
}

// Leg is one party the caller talked to: an agent, or an outside number.
// Via says how the caller reached it: "" for the call's first answer,
// else the transfer's kind (blind or attended) and From the agent who
// transferred it. An agent's wrap-up after its leg is counted in WrapUp.
type Leg struct {
	Agent  string           `json:"agent,omitempty"`
	Number string           `json:"number,omitempty"`
	Queue  string           `json:"queue,omitempty"`
	Via    acd.TransferKind `json:"via,omitempty"`
	From   string           `json:"from,omitempty"`
	Start  time.Time        `json:"start"`
	End    time.Time        `json:"end,omitzero"`
	Talk   time.Duration    `json:"talk,omitempty"`
	Hold   time.Duration    `json:"hold,omitempty"`
	WrapUp time.Duration    `json:"wrap_up,omitempty"`
}

// Step is one event in a call's timeline.
type Step struct {
	At     time.Time `json:"at"`
	Kind   string    `json:"kind"`
	Detail string    `json:"detail,omitempty"`
	Agent  string    `json:"agent,omitempty"`
	// Pos is the caller's place in the queue's line (1 = next) on the
	// steps of entering and leaving it, as the queue_log reports it.
	Pos int `json:"pos,omitempty"`
}

// AgentState is the part of an agent's runtime state that survives a restart.
type AgentState struct {
	ID                  string         `json:"id"`
	State               acd.AgentState `json:"state"`
	PauseReason         string         `json:"pause_reason,omitempty"`
	Since               time.Time      `json:"since,omitzero"`
	LoggedInAt          time.Time      `json:"logged_in_at,omitzero"`
	CallsTaken          int            `json:"calls_taken,omitempty"`
	TalkTime            time.Duration  `json:"talk_time,omitempty"`
	ConsecutiveNoAnswer int            `json:"consecutive_no_answer,omitempty"`
	// PendingState is a pause or logout asked for during a call and not yet
	// applied (paused or logged-out; nil when none), PendingReason the
	// pause's reason, PendingCause and PendingBy why and who asked (see
	// AgentChange).
	PendingState  *acd.AgentState `json:"pending_state,omitempty"`
	PendingReason string          `json:"pending_reason,omitempty"`
	PendingCause  acd.AgentCause  `json:"pending_cause,omitempty"`
	PendingBy     string          `json:"pending_by,omitempty"`
	// WrapUntil is when the wrap-up of an agent in wrap-up ends, WrapCall
	// the call it follows: a restart keeps the agent in wrap-up until then.
	WrapUntil time.Time `json:"wrap_until,omitzero"`
	WrapCall  string    `json:"wrap_call,omitempty"`
	// IdleSince is when the agent's last call ended, or it logged in:
	// longest-idle routing ranks it from then across a restart.
	IdleSince time.Time `json:"idle_since,omitzero"`
	// CampaignTurn is the campaign whose turn it is to dial for the agent,
	// when several running campaigns share them ("": the first by name).
	CampaignTurn string `json:"campaign_turn,omitempty"`
}

// Callback is a caller's request to be called back. Enqueued and Priority
// are the caller's original place in the queue, so the callback keeps it.
type Callback struct {
	ID          string            `json:"id"`
	CallID      string            `json:"call_id,omitempty"` // the call that asked for it
	Queue       string            `json:"queue"`
	Number      string            `json:"number"`
	Requested   time.Time         `json:"requested"`
	Enqueued    time.Time         `json:"enqueued,omitzero"`
	Priority    int               `json:"priority,omitempty"`
	Attempts    int               `json:"attempts,omitempty"`
	NextAttempt time.Time         `json:"next_attempt,omitzero"`
	State       acd.CallbackState `json:"state"`
	// Sealed holds Number when call records are sealed and the request was
	// read without the key (see DB.SealCalls).
	Sealed []byte `json:"sealed,omitempty"`

	// Recording is a voicemail the caller left (a recording name; the
	// call record of CallID has its path).
	Recording string `json:"recording,omitempty"`
}

// ActiveCall is what the engine needs to pick a live call up again after a
// crash. It is saved when the call changes phase and deleted when it ends.
type ActiveCall struct {
	CallID       string        `json:"call_id"`
	Channel      string        `json:"channel,omitempty"`
	Queue        string        `json:"queue,omitempty"`
	Enqueued     time.Time     `json:"enqueued,omitzero"`
	Priority     int           `json:"priority,omitempty"`
	State        acd.CallPhase `json:"state"`
	Direction    acd.Direction `json:"direction,omitempty"` // the call's kind; empty in stores of schema 1
	Since        time.Time     `json:"since,omitzero"`      // when State began; resumes its timers
	Agent        string        `json:"agent,omitempty"`
	AgentChannel string        `json:"agent_channel,omitempty"`
	Bridge       string        `json:"bridge,omitempty"`
	Recording    string        `json:"recording,omitempty"`
	// RecordingPaused says Recording is paused (a card number read out).
	RecordingPaused bool       `json:"recording_paused,omitempty"`
	Flow            *ivr.State `json:"flow,omitempty"` // where a caller in an IVR flow is
	// Listening is the utterance the switch was recording of the caller
	// (Switch.Listen): a restarted daemon stops it and asks again.
	Listening string `json:"listening,omitempty"`
	// Playing is the playback the caller was hearing (a question, a
	// message): a restarted daemon stops it before it plays anything else.
	Playing string `json:"playing,omitempty"`
	// HeldSince is when the caller's current hold began (zero: not held),
	// and LegHold the hold of the current leg before it: a restart counts
	// the hold from then, not from the restart.
	HeldSince time.Time     `json:"held_since,omitzero"`
	LegHold   time.Duration `json:"leg_hold,omitempty"`
	// LegStart is when the party of the current leg of a transferred call
	// answered, LegVia and LegFrom how and from which agent the call came
	// to it, and TalkFrom when the caller began to talk to the current
	// party (both in the bridge): a restart ends the leg, and counts its
	// talk, as it would have without one. The talk of the legs before is
	// in the record's Legs.
	LegStart time.Time        `json:"leg_start,omitzero"`
	LegVia   acd.TransferKind `json:"leg_via,omitempty"`
	LegFrom  string           `json:"leg_from,omitempty"`
	TalkFrom time.Time        `json:"talk_from,omitzero"`
	// Contact is the caller's contact as the call carries it: its tags
	// and preferred and last agent still route a caller who waits.
	Contact *contact.OnCall `json:"contact,omitempty"`
	// Only is the one agent who may take the call: a campaign's callback
	// kept for them. Empty: any agent of its queue.
	Only string `json:"only,omitempty"`
	// Seen is the last checkpoint at which the call was known up: the
	// earliest its end can be if it ends while Hotline is down.
	Seen time.Time `json:"seen,omitzero"`

	// Skills are required of the agent on top of the queue's (an IVR
	// flow's queue node and language choice).
	Skills map[string]int `json:"skills,omitempty"`
	// Consult is the party the agent consults (State consulting), the
	// one a transfer rings (transferring) or the outside party the caller
	// talks to (external).
	Consult *ActiveConsult `json:"consult,omitempty"`
	// Spies are the supervisors listening to the call, whispering or
	// barging in: a restarted daemon keeps their legs.
	Spies []ActiveSpy `json:"spies,omitempty"`
	// Sealed holds Recording, Flow (whose variables carry the caller's
	// number and collected values) and Contact when call records are
	// sealed and the state was read without the key (see DB.SealCalls).
	Sealed []byte `json:"sealed,omitempty"`
}

// ActiveSpy is a supervisor's leg on a live call: its channel, how it
// joined, the phone it rang and who it spies on (the agent).
type ActiveSpy struct {
	Channel  string      `json:"channel"`
	Mode     pbx.SpyMode `json:"mode"`
	Endpoint string      `json:"endpoint,omitempty"`
	Agent    string      `json:"agent,omitempty"`
	Since    time.Time   `json:"since,omitzero"`
	By       string      `json:"by,omitempty"` // the user who asked for it
}

// ActiveConsult is the target of a live call's consult (an attended
// transfer): an agent or a number, its leg, and the consult bridge once it
// answered.
type ActiveConsult struct {
	Agent    string `json:"agent,omitempty"`
	Number   string `json:"number,omitempty"`
	Channel  string `json:"channel"`
	Answered bool   `json:"answered,omitempty"`
	Bridge   string `json:"bridge,omitempty"`
	// Since is when the outside party answered (external).
	Since time.Time `json:"since,omitzero"`
	From  string    `json:"from,omitempty"` // the agent who transferred
}

// Filter selects call records. Zero fields match everything.
type Filter struct {
	From      time.Time // Entered at or after
	To        time.Time // Entered before
	Queue     string    // a queue the call was in (its last, or one it was overflowed or transferred from)
	Agent     string    // an agent who took the call (the last, or one who transferred it on)
	Outcome   acd.Outcome
	Direction acd.Direction
	// Number is the customer's number (see CallRecord.CustomerNumber), in
	// any spelling that normalizes to the same E.164 number. With
	// SealCalls the scan is one of the number index, not of the time range.
	Number string
	// Contact is the caller's contact; the scan is one of its history.
	Contact     contact.ID
	Campaign    string // calls of this outbound campaign
	Disposition string
	Text        string // found in the notes, whatever the case
	Limit       int    // at most this many records; 0 = no limit
	Descending  bool   // newest first
}

func (f *Filter) match(c *CallRecord, s *callSeal) bool {
	return (f.Number == "" || s.sameNumber(c.CustomerNumber(), f.Number)) &&
		(f.Contact == 0 || c.Contact == f.Contact) &&
		(f.Campaign == "" || c.Entry == CampaignEntry(f.Campaign)) &&
		(f.Disposition == "" || c.Disposition == f.Disposition) &&
		(f.Text == "" || containsFold(c.Notes, f.Text)) &&
		(f.Queue == "" || c.InQueue(f.Queue)) &&
		(f.Agent == "" || c.TakenBy(f.Agent)) &&
		(f.Outcome == "" || c.Outcome == f.Outcome) &&
		(f.Direction == "" || c.Direction == f.Direction)
}

// CampaignEntry is the Entry of the calls an outbound campaign places.
func CampaignEntry(campaign string) string { return "campaign:" + campaign }

// containsFold reports whether sub is in s, whatever the case.
func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

func required(field, v string) error {
	if v == "" {
		return fmt.Errorf("%s is empty: %w", field, ErrInvalid)
	}
	return nil
}

// valid wraps a domain word's own check as the store's ErrInvalid.
func valid(err error) error {
	if err != nil {
		return fmt.Errorf("%w: %w", err, ErrInvalid)
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
	for _, err := range []error{c.Direction.Valid(), c.Outcome.Valid(), c.HangupBy.Valid()} {
		if err != nil {
			return fmt.Errorf("call %q: %w", c.ID, valid(err))
		}
	}
	for i, a := range c.Attempts {
		if err := a.Result.Valid(); err != nil {
			return fmt.Errorf("call %q: attempt %d: %w", c.ID, i, valid(err))
		}
	}
	return nil
}

func (a *AgentState) validate() error {
	if err := required("agent id", a.ID); err != nil {
		return err
	}
	if _, err := a.State.MarshalText(); err != nil {
		return fmt.Errorf("agent %q: %w", a.ID, valid(err))
	}
	if p := a.PendingState; p != nil && *p != acd.Paused && *p != acd.LoggedOut {
		return fmt.Errorf("agent %q: pending_state %q is not paused or logged-out: %w", a.ID, *p, ErrInvalid)
	}
	return nil
}

func (cb *Callback) validate() error {
	if err := required("callback id", cb.ID); err != nil {
		return err
	}
	if err := cb.State.Valid(); err != nil {
		return fmt.Errorf("callback %q: %w", cb.ID, valid(err))
	}
	return nil
}

func (ac *ActiveCall) validate() error {
	if err := required("active call id", ac.CallID); err != nil {
		return err
	}
	if _, err := ac.State.MarshalText(); err != nil {
		return fmt.Errorf("active call %q: %w", ac.CallID, valid(err))
	}
	return nil
}
