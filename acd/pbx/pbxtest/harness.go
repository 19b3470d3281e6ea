// Package pbxtest holds the contract every pbx.Switch backend must meet
// (RunSwitchContract) and helpers to record events, in the style of httptest.
package pbxtest

import (
	"context"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
)

// Harness is what a backend gives the contract suite: the switch under test
// and ways to make the far ends (callers, agent phones) behave.
type Harness struct {
	Switch pbx.Switch

	// PlaceCall makes an inbound call arrive at Hotline as the script says.
	// It returns once the call was placed; the suite waits for CallArrived.
	PlaceCall func(ctx context.Context, c CallScript) error

	// Endpoint returns a dial string for a far-end phone that behaves as p.
	Endpoint func(p Phone) string

	// Patience scales every wait in the suite (real Asterisk needs seconds,
	// the sim milliseconds). 0 = 5 s.
	Patience time.Duration

	// Skip names contract cases this backend cannot run, with the reason.
	Skip map[string]string
}

// CallScript is how a synthetic caller behaves.
type CallScript struct {
	From, To string
	// DTMF is sent DTMFDelay after the call is answered by Hotline.
	DTMF      string
	DTMFDelay time.Duration
	// HangupAfter: the caller hangs up this long after being answered; 0 = never.
	HangupAfter time.Duration
	// Args and Vars reach Hotline in CallArrived where the backend can pass
	// them (the sim does); the contract suite does not rely on them.
	Args []string
	Vars map[string]string
}

// PhoneMode is how a far-end phone reacts to a ring.
type PhoneMode int

// Phone modes.
const (
	PhoneAnswer      PhoneMode = iota // answers after AnswerDelay
	PhoneBusy                         // rejects with busy
	PhoneNoAnswer                     // rings until the originate times out
	PhoneUnreachable                  // endpoint does not exist / is offline
)

// Phone describes a far-end phone.
type Phone struct {
	Mode        PhoneMode
	AnswerDelay time.Duration
	// HangupAfter: the phone hangs up this long after answering; 0 = never.
	HangupAfter time.Duration
	// DTMF is sent DTMFDelay after answering.
	DTMF      string
	DTMFDelay time.Duration
}
