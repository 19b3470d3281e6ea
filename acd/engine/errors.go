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
	ErrStopped      = errors.New("engine stopped")
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
