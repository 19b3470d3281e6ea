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
	ErrStopped      = errors.New("engine stopped")
	ErrBadConfig    = errors.New("invalid configuration")
)
