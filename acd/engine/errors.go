package engine

import "errors"

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
