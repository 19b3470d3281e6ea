package engine

import (
	"errors"
	"strings"
)

// Errors of the engine. Admin requests return them wrapped with context.
var (
	ErrUnknownOp    = errors.New("unknown command")
	ErrUnknownAgent = errors.New("unknown agent")
	ErrUnknownQueue = errors.New("unknown queue")
	ErrUnknownCall  = errors.New("unknown call")
	ErrUnknownEntry = errors.New("unknown entry number")
	ErrNotLoggedIn  = errors.New("agent is not logged in")
	ErrNoMonitor    = errors.New("no such monitor") // no phone listens, whispers or barges in as asked
	// ErrBadSpy refuses a supervisor's phone that cannot listen in: not a
	// dial string, or the agent's own.
	ErrBadSpy = errors.New("bad listen, whisper or barge")
	// ErrPhoneBusy refuses a supervisor's phone that is an agent's, ringing
	// or on a call.
	ErrPhoneBusy = errors.New("the phone is busy")
	ErrStopped   = errors.New("engine stopped")
	// ErrNotSaved answers a request whose change is made but not on disk:
	// the store fails; the change is saved once writes succeed again.
	ErrNotSaved  = errors.New("change made but not saved yet")
	ErrBadConfig = errors.New("invalid configuration")
)

// ErrInUse refuses a reload that removes what live calls, agents or
// campaigns still use; see [InUseError].
var ErrInUse = errors.New("the new config removes what is in use")

// InUseError lists, one line each, what a refused reload would remove
// while it is in use ("queue \"sales\": 2 callers waiting").
type InUseError struct{ Items []string }

func (e *InUseError) Error() string {
	return ErrInUse.Error() + ": " + strings.Join(e.Items, "; ") + " (force the reload to apply it anyway)"
}

func (e *InUseError) Unwrap() error { return ErrInUse }
