package ari

import "errors"

// Errors of this package; command errors wrap the pbx sentinels instead.
var (
	ErrOptions  = errors.New("ari: bad options")
	ErrStarted  = errors.New("ari: already started")
	ErrResponse = errors.New("ari: unexpected response from Asterisk")
)
