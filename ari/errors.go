package ari

import (
	"errors"
	"strings"
)

// Errors of this package; command errors wrap the pbx sentinels instead.
var (
	ErrOptions  = errors.New("ari: bad options")
	ErrStarted  = errors.New("ari: already started")
	ErrResponse = errors.New("ari: unexpected response from Asterisk")
)

// logEndpoint is endpoint as the log shows it: a number in it (a run of
// five digits or more, a customer's as a lead's dial string has it) keeps
// its last two digits only, so that the log holds no customer number;
// agents' endpoints and trunk names are kept.
func logEndpoint(endpoint string) string {
	var b strings.Builder
	for i := 0; i < len(endpoint); {
		j := i
		for j < len(endpoint) && endpoint[j] >= '0' && endpoint[j] <= '9' {
			j++
		}
		switch {
		case j-i >= 5:
			b.WriteString("…" + endpoint[j-2:j])
			i = j
		case j > i:
			b.WriteString(endpoint[i:j])
			i = j
		default:
			b.WriteByte(endpoint[i])
			i++
		}
	}
	return b.String()
}
