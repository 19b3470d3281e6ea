package pbx

import "time"

// LinkState is the state of a backend's link to its switch, for health
// checks and metrics. A backend that keeps a link has a method
// LinkState() LinkState; callers define the interface they need.
type LinkState struct {
	Up bool `json:"up"`
	// Since is when the link last came up or went down; zero before the
	// first attempt.
	Since time.Time `json:"since"`
	// Error is why the link is down ("" while up or before the first
	// attempt).
	Error string `json:"error,omitempty"`
	// Attempts counts the failed connection attempts since the link went
	// down.
	Attempts int `json:"attempts,omitempty"`
}

// Down notes at now that the link went down with err, or, with attempt,
// that one more attempt to bring it up failed: Since stays when it first
// went down.
func (s *LinkState) Down(now time.Time, err error, attempt bool) {
	if s.Up || s.Since.IsZero() {
		*s = LinkState{Since: now}
	}
	s.Error = err.Error()
	if attempt {
		s.Attempts++
	}
}
