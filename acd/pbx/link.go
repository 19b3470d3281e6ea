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
