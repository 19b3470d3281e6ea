// Package campaign holds the rules of outbound campaigns: a lead's
// lifecycle, retries by outcome, calling windows in the lead's own time zone,
// do-not-call matching and lead-list import. Everything here is pure: the
// campaign runner passes the time in.
package campaign

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"
)

// LeadState is where a lead is in its lifecycle.
type LeadState uint8

// Lead states.
const (
	New       LeadState = iota // imported, never dialed
	Scheduled                  // waiting for its next attempt (a retry)
	Dialing                    // a call to it is ringing
	Answered                   // answered live, waiting for an agent
	Connected                  // talking to an agent
	Callback                   // an agent set a time to call back
	Done                       // finished with a final disposition
	Failed                     // attempts used up without a final result
	DoNotCall                  // on a do-not-call list, or asked not to be called
)

var leadStateNames = [...]string{
	New: "new", Scheduled: "scheduled", Dialing: "dialing", Answered: "answered", Connected: "connected",
	Callback: "callback", Done: "done", Failed: "failed", DoNotCall: "do-not-call",
}

func (s LeadState) String() string {
	if int(s) < len(leadStateNames) {
		return leadStateNames[s]
	}
	return fmt.Sprintf("lead-state(%d)", s)
}

// Errors of the lead lifecycle.
var (
	ErrIllegalTransition = errors.New("campaign: illegal transition")
	ErrUnknown           = errors.New("campaign: unknown name")
)

// ParseLeadState is the inverse of String.
func ParseLeadState(s string) (LeadState, error) {
	for i, n := range leadStateNames {
		if n == s {
			return LeadState(i), nil
		}
	}
	return 0, fmt.Errorf("%w: lead state %q", ErrUnknown, s)
}

// MarshalText writes the state by name, as the store persists it.
func (s LeadState) MarshalText() ([]byte, error) {
	if int(s) >= len(leadStateNames) {
		return nil, fmt.Errorf("%w: lead state %d", ErrUnknown, s)
	}
	return []byte(leadStateNames[s]), nil
}

// UnmarshalText reads a state written by MarshalText.
func (s *LeadState) UnmarshalText(b []byte) error {
	v, err := ParseLeadState(string(b))
	if err == nil {
		*s = v
	}
	return err
}

// Final reports whether a lead in s is never dialed again.
func (s LeadState) Final() bool { return s == Done || s == Failed || s == DoNotCall }

// Dialable reports whether a lead in s may be picked for a dial (once due).
func (s LeadState) Dialable() bool { return s == New || s == Scheduled || s == Callback }

// leadTransitions is the table of allowed moves; anything else is refused.
var leadTransitions = map[LeadState][]LeadState{
	New:       {Dialing, DoNotCall, Done},
	Scheduled: {Dialing, DoNotCall, Done},
	Callback:  {Dialing, DoNotCall, Done, Scheduled},
	Dialing:   {Answered, Scheduled, Callback, Failed, DoNotCall, Done}, // Callback: a kept callback's retry
	Answered:  {Connected, Scheduled, Failed, Done, DoNotCall},
	Connected: {Done, Callback, Scheduled, Failed, DoNotCall},
	Done:      {},
	Failed:    {Scheduled}, // an admin may give a lead more attempts
	DoNotCall: {},
}

// CheckLeadTransition reports whether a lead may go from one state to another.
func CheckLeadTransition(from, to LeadState) error {
	for _, s := range leadTransitions[from] {
		if s == to {
			return nil
		}
	}
	return fmt.Errorf("lead %s → %s: %w", from, to, ErrIllegalTransition)
}

// Outcome is what came of one dial.
type Outcome uint8

// Dial outcomes.
const (
	NoAnswer  Outcome = iota + 1
	Busy              // the line was busy
	Machine           // an answering machine took the call
	Unreached         // the network could not reach the number (failed, invalid)
	Human             // a person answered (then Connected or Abandoned)
	Abandoned         // answered live, no agent in time
	// SwitchShutdown: the switch hung the call up because it was shutting
	// down. The lead is not to blame: it is retried, and the attempt does
	// not use up one of its max_attempts.
	SwitchShutdown
	// Unattended: a person answered a survey or notification while
	// Hotline was away and heard nothing of it but what the switch played
	// (the safe-harbour message, or nothing): called again.
	Unattended
)

var outcomeNames = map[Outcome]string{NoAnswer: "no-answer", Busy: "busy", Machine: "machine", Unreached: "failed",
	Human: "answered", Abandoned: "abandoned", SwitchShutdown: "switch-shutdown",
	Unattended: "unattended"}

func (o Outcome) String() string {
	if s, ok := outcomeNames[o]; ok {
		return s
	}
	return fmt.Sprintf("outcome(%d)", o)
}

// MarshalText writes the outcome by name.
func (o Outcome) MarshalText() ([]byte, error) {
	if s, ok := outcomeNames[o]; ok {
		return []byte(s), nil
	}
	return nil, fmt.Errorf("%w: dial outcome %d", ErrUnknown, o)
}

// UnmarshalText reads an outcome written by MarshalText.
func (o *Outcome) UnmarshalText(b []byte) error {
	v, err := ParseOutcome(string(b))
	if err == nil {
		*o = v
	}
	return err
}

// ParseOutcome is the inverse of String.
func ParseOutcome(s string) (Outcome, error) {
	for o, n := range outcomeNames {
		if n == s {
			return o, nil
		}
	}
	return 0, fmt.Errorf("%w: dial outcome %q; known: no-answer, busy, machine, failed, answered, abandoned, switch-shutdown, unattended", ErrUnknown, s)
}

// Lead is one number to call and where it stands.
type Lead struct {
	ID       string            `json:"id"`
	Campaign string            `json:"campaign"`
	Phone    string            `json:"phone"` // E.164
	Name     string            `json:"name,omitempty"`
	TimeZone string            `json:"timezone,omitempty"` // IANA name; "" = the campaign's
	Fields   map[string]string `json:"fields,omitempty"`
	State    LeadState         `json:"state"`
	Attempts int               `json:"attempts,omitempty"`
	// Cut counts the attempts the switch's shutdown cut short: they are
	// not counted against the campaign's max_attempts.
	Cut         int       `json:"cut,omitempty"`
	NextAttempt time.Time `json:"next_attempt,omitzero"` // when it may be dialed next; zero = now
	LastOutcome Outcome   `json:"last_outcome,omitempty"`
	// AbandonedAt is the last time a live answer of this lead found no
	// agent: it is not called again within the quiet period after that
	// unless an agent is reserved for it.
	AbandonedAt time.Time `json:"abandoned_at,omitzero"`
	Disposition string    `json:"disposition,omitempty"`
	// CallbackAgent is the agent a Callback lead is kept for (empty =
	// anyone); any other outcome of the lead clears it, but a retry within
	// its grace (Retry.KeptGrace).
	CallbackAgent string `json:"callback_agent,omitempty"`
	// CallbackDue is when a kept callback retried for its agent was first
	// due: its grace counts from then, not from the retry. Zero: its
	// NextAttempt (KeptSince).
	CallbackDue time.Time `json:"callback_due,omitzero"`
	// Answers are what the lead answered a survey's flow: its variables
	// by name (collected digits, menu choices), secret ones left out.
	Answers map[string]string `json:"answers,omitempty"`
	// PreviewAgent is the agent a preview campaign shows the lead to, and
	// PreviewUntil when that reservation ends: until then the lead is shown
	// to no one else, across restarts too. Empty when it is shown to no one.
	PreviewAgent string    `json:"preview_agent,omitempty"`
	PreviewUntil time.Time `json:"preview_until,omitzero"`
	// Skips counts the times the lead was skipped in preview mode, by
	// reason ("" when none was given, SkipTimedOut when no one decided);
	// LastSkip is the latest, and SkipHistory the latest MaxSkipHistory,
	// oldest first (see SkipLog: a lead stored before the history has its
	// last skip only).
	Skips       map[string]int `json:"skips,omitempty"`
	LastSkip    *SkipNote      `json:"last_skip,omitempty"`
	SkipHistory []SkipNote     `json:"skip_history,omitempty"`
}

// MaxSkipHistory is how many skips a lead keeps, the latest: a lead
// passed over day after day stays small, and Skips still counts them all.
const MaxSkipHistory = 10

// SkipLog is the lead's skips kept, oldest first: its SkipHistory, or,
// for a lead stored by a version that kept only the last skip, that one.
func (l Lead) SkipLog() []SkipNote {
	if len(l.SkipHistory) == 0 && l.LastSkip != nil {
		return []SkipNote{*l.LastSkip}
	}
	return l.SkipHistory
}

// InFlight reports whether a run may leave l mid-call: a dial placed or
// about to be (Dialing, Answered, Connected), or shown to an agent in
// preview mode (its reservation run out or not). These are the leads a
// restart settles.
func (l Lead) InFlight() bool {
	return l.State == Dialing || l.State == Answered || l.State == Connected || l.PreviewAgent != ""
}

// ReadAtRestart reports whether a restart reads l: in flight (InFlight),
// or waiting for a callback, which the dialer reads ahead of the leads due
// before it. The store indexes these leads, so a start costs them rather
// than every lead of a campaign.
func (l Lead) ReadAtRestart() bool { return l.InFlight() || l.State == Callback }

// ReservedFor is the agent the lead is held for at now in preview mode, or
// "" when it is held for no one (never shown, decided, or expired).
func (l Lead) ReservedFor(now time.Time) string {
	if l.PreviewAgent == "" || !now.Before(l.PreviewUntil) {
		return ""
	}
	return l.PreviewAgent
}

// Reserve holds a due lead for an agent who is shown it until until.
func Reserve(l Lead, agent string, until time.Time) (Lead, error) {
	if !l.State.Dialable() {
		return l, fmt.Errorf("lead %q: %w: a %s lead cannot be shown for a dial", l.ID, ErrIllegalTransition, l.State)
	}
	if agent == "" {
		return l, fmt.Errorf("lead %q: a preview needs an agent: %w", l.ID, ErrIllegalTransition)
	}
	l.PreviewAgent, l.PreviewUntil = agent, until
	return l, nil
}

// Release ends a lead's reservation: it is due again for anyone.
func Release(l Lead) Lead {
	l.PreviewAgent, l.PreviewUntil = "", time.Time{}
	return l
}

// Skip puts off a lead an agent chose not to dial (or let time out) until
// next, counting the skip under its reason: its state and attempts are
// untouched and its reservation ends.
func Skip(l Lead, next time.Time, why SkipNote) (Lead, error) {
	if !l.State.Dialable() {
		return l, fmt.Errorf("lead %q: %w: a %s lead cannot be skipped", l.ID, ErrIllegalTransition, l.State)
	}
	l = Release(l)
	l.NextAttempt = next
	l.Skips = maps.Clone(l.Skips) // l is a copy; its map is shared
	if l.Skips == nil {
		l.Skips = map[string]int{}
	}
	l.Skips[why.Reason]++
	// A new slice: l's history is shared with the caller's copy.
	hist := append(slices.Clone(l.SkipLog()), why)
	l.SkipHistory = hist[max(0, len(hist)-MaxSkipHistory):]
	l.LastSkip = &why
	return l, nil
}

// Retry holds how a campaign retries.
type Retry struct {
	MaxAttempts int
	// After is the wait before the next attempt, by outcome. An outcome
	// left out is not retried.
	After map[Outcome]time.Duration
	// AbandonQuiet is how long a number whose live answer was abandoned
	// is left alone (72 h by default).
	AbandonQuiet time.Duration
	// KeptGrace is how long past its time a callback kept for an agent
	// stays theirs (1 h by default): a dial of it that does not reach the
	// lead is retried for them while the retry falls within it.
	KeptGrace time.Duration
}

// DefaultRetry retries busy lines after 10 minutes, no-answers after an
// hour, machines after four and network failures after 30 minutes, up to
// five attempts; abandoned calls wait 72 hours; a call the switch's
// shutdown cut is tried again after 5 minutes, and a survey or
// notification answered while Hotline was away after an hour.
func DefaultRetry() Retry {
	return Retry{MaxAttempts: 5, AbandonQuiet: 72 * time.Hour, KeptGrace: time.Hour, After: map[Outcome]time.Duration{
		Busy: 10 * time.Minute, NoAnswer: time.Hour, Machine: 4 * time.Hour, Unreached: 30 * time.Minute,
		Abandoned: 72 * time.Hour, SwitchShutdown: 5 * time.Minute, Unattended: time.Hour,
	}}
}

// StartDial moves a due lead to Dialing and counts the attempt.
func StartDial(l Lead, now time.Time) (Lead, error) {
	if !l.State.Dialable() {
		return l, fmt.Errorf("lead %q: %w: %s cannot be dialed", l.ID, ErrIllegalTransition, l.State)
	}
	if now.Before(l.NextAttempt) {
		return l, fmt.Errorf("lead %q: not due until %s: %w", l.ID, l.NextAttempt.Format(time.RFC3339), ErrIllegalTransition)
	}
	if err := CheckLeadTransition(l.State, Dialing); err != nil {
		return l, err
	}
	l.State = Dialing
	l.Attempts++
	return Release(l), nil
}

// DialEnded applies the outcome of a dial: a live answer waits for an
// agent; the others are retried after their delay while attempts remain.
// A call the switch's shutdown cut (answered, or talking to an agent who
// gave no disposition) is retried too.
func DialEnded(l Lead, o Outcome, r Retry, now time.Time) (Lead, error) {
	if l.State != Dialing && !(l.State == Answered && o == Abandoned) &&
		!(o == SwitchShutdown && (l.State == Answered || l.State == Connected)) {
		return l, fmt.Errorf("lead %q: outcome %s in state %s: %w", l.ID, o, l.State, ErrIllegalTransition)
	}
	l.LastOutcome = o
	if o == Human {
		l.State = Answered
		return l, nil
	}
	if o == Abandoned {
		l.AbandonedAt = now
	}
	return scheduleRetry(l, o, r, now)
}

// scheduleRetry retries l after o's delay, by anyone; but a callback kept
// for an agent whose dial did not reach the lead stays a callback for
// them if the retry falls within its grace (its agent held for it, the
// rest after an abandoned answer does not hold it back, as at its time).
func scheduleRetry(l Lead, o Outcome, r Retry, now time.Time) (Lead, error) {
	wait, ok := r.After[o]
	next := Scheduled
	if o == SwitchShutdown {
		l.Cut++ // no attempt of the lead's: not one of its max_attempts
	}
	if !ok || (r.MaxAttempts > 0 && l.Attempts-l.Cut >= r.MaxAttempts) {
		next = Failed
	}
	at := now.Add(wait)
	if next == Scheduled && l.KeptRetry(o, at, r) {
		next = Callback
		l.CallbackDue = l.KeptSince()
	} else {
		l.CallbackAgent, l.CallbackDue = "", time.Time{}
	}
	if err := CheckLeadTransition(l.State, next); err != nil {
		return l, err
	}
	l.State = next
	switch next {
	case Callback:
		l.NextAttempt = at
	case Scheduled:
		l.NextAttempt = r.AfterQuiet(l, at)
	default:
		l.NextAttempt = time.Time{} // ended: no attempt comes (a callback's time would show as one)
	}
	return l, nil
}

// KeptSince is when l, a callback kept for an agent, was first due: its
// grace counts from then.
func (l Lead) KeptSince() time.Time {
	if !l.CallbackDue.IsZero() {
		return l.CallbackDue
	}
	return l.NextAttempt
}

// KeptRetry reports whether a dial of l that ended in o, retried at at,
// stays kept for l's agent: l is kept for one, the dial did not reach the
// lead (an abandoned answer is anyone's after its rest), and at is
// within the grace of l's first due time.
func (l Lead) KeptRetry(o Outcome, at time.Time, r Retry) bool {
	return l.CallbackAgent != "" && o != Abandoned && at.Before(l.KeptSince().Add(r.KeptGrace))
}

// AfterQuiet is next, or the end of the rest after l's last abandoned
// answer (AbandonQuiet) if that is later: when l may be called by anyone.
func (r Retry) AfterQuiet(l Lead, next time.Time) time.Time {
	if !l.AbandonedAt.IsZero() && r.AbandonQuiet > 0 {
		if quiet := l.AbandonedAt.Add(r.AbandonQuiet); next.Before(quiet) {
			return quiet
		}
	}
	return next
}

// Connect records that an agent took the answered lead.
func Connect(l Lead) (Lead, error) {
	if err := CheckLeadTransition(l.State, Connected); err != nil {
		return l, fmt.Errorf("lead %q: %w", l.ID, err)
	}
	l.State = Connected
	return l, nil
}

// Disposition is an agent's result for a call, with what it means for the lead.
type Disposition struct {
	Name     string
	Final    bool // the lead is done
	Sale     bool // the lead is done too
	DNC      bool // the person asked not to be called again
	Callback bool // call back at a time the agent sets
	Contact  bool // a right-party contact
}

// Dispose applies an agent's disposition to a connected lead. A callback
// needs its time (and an agent, or "" for anyone: then not before the rest
// after an abandoned answer is over); a non-final disposition without a
// callback is retried like a no-answer. A sale is final, flagged so or not.
func Dispose(l Lead, d Disposition, callbackAt time.Time, callbackAgent string, r Retry, now time.Time) (Lead, error) {
	if l.State != Connected && l.State != Answered {
		return l, fmt.Errorf("lead %q: disposition %q in state %s: %w", l.ID, d.Name, l.State, ErrIllegalTransition)
	}
	l.Disposition, l.CallbackAgent, l.CallbackDue = d.Name, "", time.Time{}
	switch {
	case d.DNC:
		l.State, l.NextAttempt = DoNotCall, time.Time{}
	case d.Final, d.Sale: // a sale ends the lead: dialing it again would sell twice
		l.State, l.NextAttempt = Done, time.Time{}
	case d.Callback:
		if callbackAt.IsZero() || !callbackAt.After(now) {
			return l, fmt.Errorf("lead %q: disposition %q needs a callback time after now", l.ID, d.Name)
		}
		l.State, l.NextAttempt, l.CallbackAgent = Callback, callbackAt, callbackAgent
		if callbackAgent == "" {
			// Anyone's: the rest after an abandoned answer holds; one kept
			// for an agent is dialed with that agent held for it.
			l.NextAttempt = r.AfterQuiet(l, callbackAt)
		}
	default:
		return scheduleRetry(l, NoAnswer, r, now)
	}
	return l, nil
}

// MarkDNC moves a lead to DoNotCall (a listed number, or the caller's key).
func MarkDNC(l Lead) (Lead, error) {
	if l.State == DoNotCall {
		return l, nil
	}
	if err := CheckLeadTransition(l.State, DoNotCall); err != nil {
		return l, fmt.Errorf("lead %q: %w", l.ID, err)
	}
	l.State, l.NextAttempt = DoNotCall, time.Time{}
	return l, nil
}
