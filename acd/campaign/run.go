package campaign

import (
	"encoding/json"
	"fmt"
	"time"
)

// RunState is whether a campaign dials. The runner keeps it in the store,
// so a restart picks a campaign up as it was.
type RunState string

// Run states.
const (
	Stopped RunState = "stopped" // not dialing; start reads its leads afresh
	Running RunState = "running"
	Paused  RunState = "paused" // dials in flight finish, no new ones
)

// Run actions, the inputs of the run state machine.
const (
	ActionStart  = "start"
	ActionPause  = "pause"
	ActionResume = "resume"
	ActionStop   = "stop"
)

// runTransitions is, per state, what each action leads to; an action not
// listed is refused. An action that finds the campaign already in its
// state (starting or resuming a running campaign, pausing a paused one,
// stopping a stopped one) changes nothing and is not an error, so a script
// may repeat it; resuming or pausing a stopped one is refused, as it would
// not read the leads afresh as a start does.
var runTransitions = map[RunState]map[string]RunState{
	Stopped: {ActionStart: Running, ActionStop: Stopped},
	Running: {ActionStart: Running, ActionResume: Running, ActionPause: Paused, ActionStop: Stopped},
	Paused:  {ActionStart: Running, ActionResume: Running, ActionPause: Paused, ActionStop: Stopped},
}

// RunAction returns the state an action takes a campaign to from s, or
// ErrIllegalTransition.
func RunAction(s RunState, action string) (RunState, error) {
	switch action {
	case ActionStart, ActionPause, ActionResume, ActionStop:
	default:
		return s, fmt.Errorf("%w: campaign action %q; known: start, pause, resume, stop", ErrUnknown, action)
	}
	next, ok := runTransitions[s][action]
	if !ok {
		return s, fmt.Errorf("a %s campaign cannot %s (%s): %w", s, action, runRefusedHint[s], ErrIllegalTransition)
	}
	return next, nil
}

// runRefusedHint says, per state, what to do instead of a refused action.
var runRefusedHint = map[RunState]string{
	Stopped: "start it",
}

// Counts are what a campaign's dials came to since it was first started.
type Counts struct {
	Dialed         int `json:"dialed"`
	Answered       int `json:"answered"`
	Connected      int `json:"connected"`
	Abandoned      int `json:"abandoned"`
	Busy           int `json:"busy"`
	NoAnswer       int `json:"no_answer"`
	Failed         int `json:"failed"`
	Machine        int `json:"machine"`
	SkippedDNC     int `json:"skipped_dnc"`
	SkippedWindow  int `json:"skipped_window"`
	SkippedPreview int `json:"skipped_preview"` // skipped by an agent in preview mode
	// SwitchShutdown counts the dials the switch hung up as it shut down:
	// retried, neither failed nor abandoned.
	SwitchShutdown int `json:"switch_shutdown"`
}

// UnmarshalJSON reads the snake_case keys Counts are written with, and
// the Go field names (Dialed, SkippedDNC...) that earlier versions stored
// a campaign's progress under, so that a store written by them still
// reads; the next save writes the new keys. Where an object holds both,
// the snake_case key wins.
func (c *Counts) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var m map[string]int
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("campaign counts: %w", err)
	}
	for _, f := range []struct {
		key, old string
		n        *int
	}{
		{"dialed", "Dialed", &c.Dialed}, {"answered", "Answered", &c.Answered},
		{"connected", "Connected", &c.Connected}, {"abandoned", "Abandoned", &c.Abandoned},
		{"busy", "Busy", &c.Busy}, {"no_answer", "NoAnswer", &c.NoAnswer},
		{"failed", "Failed", &c.Failed}, {"machine", "Machine", &c.Machine},
		{"skipped_dnc", "SkippedDNC", &c.SkippedDNC}, {"skipped_window", "SkippedWindow", &c.SkippedWindow},
		{"skipped_preview", "SkippedPreview", &c.SkippedPreview}, {"switch_shutdown", "SwitchShutdown", &c.SwitchShutdown},
	} {
		n, ok := m[f.key]
		if !ok {
			n = m[f.old]
		}
		*f.n = n
	}
	return nil
}

// Progress is what a campaign's runner keeps across restarts: its state
// and counts. The abandonment cap's window is kept beside it, hour by hour
// (HourCount), so that the cap holds across a restart.
type Progress struct {
	Name    string    `json:"name"`
	State   RunState  `json:"state"`
	Changed time.Time `json:"changed"` // of the state
	Counts  Counts    `json:"counts"`
	// Reason is why Hotline paused the campaign itself; "" for an admin's
	// pause.
	Reason string `json:"reason,omitempty"`
}

// Learned is what a campaign's pacer has learned of its answers and talks
// (dialer.Pacer.MarshalLearned), as last saved: a restarted daemon gives it
// back to the campaign's new pacer.
type Learned struct {
	Campaign string    `json:"campaign"`
	Saved    time.Time `json:"saved"`
	Pacer    []byte    `json:"pacer"`
}

// HourCount is one hour of a campaign's live answers and the abandons
// among them.
type HourCount struct {
	Campaign  string    `json:"campaign"`
	Hour      time.Time `json:"hour"` // the hour's start, UTC
	Live      int       `json:"live"`
	Abandoned int       `json:"abandoned"`
}
