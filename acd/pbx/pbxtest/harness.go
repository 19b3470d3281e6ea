// Package pbxtest holds the contract every pbx.Switch backend must meet
// (RunSwitchContract) and helpers to record events, in the style of httptest.
package pbxtest

import (
	"context"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
)

// Harness is what a backend gives the contract suite: the switch under test
// and ways to make the far ends (callers, agent phones) behave.
type Harness struct {
	Switch pbx.Switch

	// PlaceCall makes an inbound call arrive at Hotline as the script says.
	// It returns once the call was placed; the suite waits for CallArrived.
	PlaceCall func(ctx context.Context, c farend.CallScript) error

	// Endpoint returns a dial string for a far-end phone that behaves as p.
	Endpoint func(p farend.Phone) string

	// Patience scales every wait in the suite (real Asterisk needs seconds,
	// the sim milliseconds). 0 = 5 s.
	Patience time.Duration

	// Skip names contract cases this backend cannot run, with the reason.
	Skip map[string]string

	// Shutdown shuts the switch down as its admin would (FreeSWITCH's
	// fsctl shutdown, Asterisk's core stop now), leaving the calls up to
	// it; nil skips CaseSwitchShutdown. A harness sets it only when it owns
	// the switch: a shared one would stop under other tests.
	Shutdown func(ctx context.Context) error
	// ComesBack says the switch Shutdown stops starts again by itself
	// within Patience, and the backend links to it again (the ESL fake):
	// CaseSwitchShutdown then checks the switch says it started anew.
	ComesBack bool

	// LeftBehind reports whether an utterance's file is still where the
	// switch stored it once its audio was delivered (nil: the suite cannot
	// look there). Utterances are for the recognizer, not to be kept.
	LeftBehind func(pbx.Utterance) bool
}
