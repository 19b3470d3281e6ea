// Package farend describes the far ends of a call as a script: the caller who
// dials in and the phone that answers an originated leg. The simulated switch
// plays them out, and the contract suite in acd/pbx/pbxtest asks every backend
// to; the types live here so that production code (the simulator behind
// `hotline demo` and `hotline serve --pbx sim`) can use them without linking
// package testing.
package farend

import "time"

// CallScript is how a synthetic caller behaves.
type CallScript struct {
	From, To string
	// Name is the caller's name shown with From, where the backend can
	// set it (the sim does).
	Name string
	// DTMF is sent DTMFDelay after the call is answered by Hotline.
	DTMF      string
	DTMFDelay time.Duration
	// HangupAfter: the caller hangs up this long after being answered; 0 = never.
	HangupAfter time.Duration
	// Say is what the caller says, SayDelay after Hotline first listens
	// (pbx.Switch.Listen). The sim records the words themselves (see
	// sim.Recognizer). A real switch's test caller cannot tell when Hotline
	// listens: it plays, SayDelay after the answer, a sound of that name
	// (Asterisk's "hello-world" for "hello world"), or the file Say names
	// when it is an absolute path without extension.
	Say      string
	SayDelay time.Duration
	// SayNext is said to the Listens after the first, one each, in turn
	// ("" says nothing to that one), SayDelay after each beep (the sim
	// only): answers to a survey's questions, in one call.
	SayNext []string
	// SilentAudio: while the caller says nothing, their phone sends silent
	// audio, as a SIP phone's RTP does. A test caller on Asterisk's Local
	// channels otherwise sends no frames at all, and a recording there ends
	// after 4 s without audio whatever its silence setting. The sim and
	// FreeSWITCH's loopback callers send silence anyway.
	SilentAudio bool
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
	// Machine: an answering machine answers (for detection, see
	// pbx.OriginateRequest.Machine).
	Machine bool
	// Say is what the person who answers says, SayDelay after Hotline
	// first listens (as CallScript.Say; the sim only), and SayNext to the
	// Listens after, one each.
	Say      string
	SayDelay time.Duration
	SayNext  []string
}
