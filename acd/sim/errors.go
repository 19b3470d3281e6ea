package sim

import "errors"

// Errors of the simulated switch itself; call-control errors are the pbx
// package's (pbx.ErrNoChannel, ...), wrapped with context.
var (
	ErrBadOptions     = errors.New("sim: bad options")
	ErrBadTraffic     = errors.New("sim: bad traffic")
	ErrAlreadyStarted = errors.New("sim: already started")
)
