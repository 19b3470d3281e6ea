package esl

import "errors"

// Errors of the FreeSWITCH adapter. Command errors also wrap the pbx
// sentinels (pbx.ErrNoChannel, pbx.ErrDisconnected, ...) so the engine can
// test for those alone.
var (
	ErrNoAddress      = errors.New("esl: no event-socket address configured")
	ErrStarted        = errors.New("esl: switch already started")
	ErrCommandTimeout = errors.New("esl: command timed out; connection dropped")
	ErrRejected       = errors.New("esl: FreeSWITCH rejected the command")
	ErrBadMedia       = errors.New("esl: media URI not understood")
	ErrUnsupported    = errors.New("esl: not supported on FreeSWITCH")
)
