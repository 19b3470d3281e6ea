package acd

import (
	"errors"
	"testing"
)

func TestAgentTransitions(t *testing.T) {
	tests := []struct {
		from, to AgentState
		ok       bool
	}{
		{LoggedOut, Available, true},
		{LoggedOut, OnCall, false},
		{LoggedOut, Ringing, false},
		{Available, Ringing, true},
		{Available, WrapUp, false},
		{Ringing, OnCall, true},
		{Ringing, Available, true},
		{Ringing, WrapUp, false},
		{OnCall, WrapUp, true},
		{OnCall, Ringing, false},
		{WrapUp, Available, true},
		{WrapUp, OnCall, false},
		{Paused, Available, true},
		{Paused, OnCall, false},
	}
	for _, tt := range tests {
		err := CheckAgentTransition(tt.from, tt.to)
		if (err == nil) != tt.ok {
			t.Errorf("%s → %s: err=%v, want ok=%v", tt.from, tt.to, err, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrIllegalTransition) {
			t.Errorf("%s → %s: error %v does not wrap ErrIllegalTransition", tt.from, tt.to, err)
		}
	}
}

func TestStateNamesRoundTrip(t *testing.T) {
	for _, s := range AgentStates() {
		got, err := ParseAgentState(s.String())
		if err != nil || got != s {
			t.Errorf("ParseAgentState(%q) = %v, %v", s, got, err)
		}
	}
	if _, err := ParseAgentState("asleep"); !errors.Is(err, ErrUnknownState) {
		t.Errorf("ParseAgentState(asleep) err = %v", err)
	}
	for p := CallNew; p <= CallExternal; p++ {
		got, err := ParseCallPhase(p.String())
		if err != nil || got != p {
			t.Errorf("ParseCallPhase(%q) = %v, %v", p, got, err)
		}
	}
}

func TestCallTransitions(t *testing.T) {
	if err := CheckCallTransition(CallEnded, CallQueued); !errors.Is(err, ErrIllegalTransition) {
		t.Errorf("ended → queued allowed: %v", err)
	}
	if err := CheckCallTransition(CallOffering, CallBridged); err != nil {
		t.Errorf("offering → bridged: %v", err)
	}
	if err := CheckCallTransition(CallMenu, CallBridged); err == nil {
		t.Errorf("menu → bridged allowed")
	}
	// Hold and transfer: only a call with an agent may be held, and a
	// consult ends with the caller back, with the target, or gone.
	for _, tt := range []struct {
		from, to CallPhase
		ok       bool
	}{
		{CallBridged, CallHeld, true}, {CallHeld, CallBridged, true}, {CallQueued, CallHeld, false},
		{CallOffering, CallHeld, false}, {CallHeld, CallHeld, false}, {CallBridged, CallConsulting, true},
		{CallConsulting, CallHeld, true}, {CallConsulting, CallBridged, true}, {CallConsulting, CallTransferring, true}, {CallConsulting, CallQueued, false},
		{CallTransferring, CallQueued, true}, {CallMenu, CallTransferring, true}, {CallExternal, CallHeld, false},
		{CallExternal, CallEnded, true}, {CallQueued, CallTransferring, false},
	} {
		if err := CheckCallTransition(tt.from, tt.to); (err == nil) != tt.ok {
			t.Errorf("%s → %s: err %v, want allowed=%v", tt.from, tt.to, err, tt.ok)
		}
	}
	if !CallHeld.Connected() || CallQueued.Connected() || CallLeaving.Connected() {
		t.Errorf("Connected: held %v queued %v leaving %v", CallHeld.Connected(), CallQueued.Connected(), CallLeaving.Connected())
	}
}

func TestCallbackTransitions(t *testing.T) {
	for _, tt := range []struct {
		from, to CallbackState
		ok       bool
	}{
		{"", CallbackPending, true},
		{"", CallbackDialing, false},
		{CallbackPending, CallbackDialing, true},
		{CallbackDialing, CallbackPending, true}, // a failed attempt, tries left
		{CallbackDialing, CallbackDone, true},
		{CallbackPending, CallbackDone, false}, // done only after dialing
		{CallbackDone, CallbackPending, false},
		{CallbackFailed, CallbackDialing, false},
	} {
		err := CheckCallbackTransition(tt.from, tt.to)
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrIllegalTransition)) {
			t.Errorf("%q → %q: err = %v, want ok=%v", tt.from, tt.to, err, tt.ok)
		}
	}
}

func TestPersistedNames(t *testing.T) {
	// Names older stores wrote still read.
	for name, want := range map[string]CallPhase{"ringing": CallOffering, "dialing": CallOffering, "queued": CallQueued, "menu": CallMenu} {
		var p CallPhase
		if err := p.UnmarshalText([]byte(name)); err != nil || p != want {
			t.Errorf("UnmarshalText(%q) = %v, %v; want %v", name, p, err, want)
		}
	}
	if _, err := CallPhase(99).MarshalText(); !errors.Is(err, ErrUnknownState) {
		t.Errorf("MarshalText(99) err = %v", err)
	}
	var s AgentState
	if err := s.UnmarshalText([]byte("wrap-up")); err != nil || s != WrapUp {
		t.Errorf("UnmarshalText(wrap-up) = %v, %v", s, err)
	}
	// The error names the values there are: "unknown value" alone left a
	// caller of GET /api/v1/calls?outcome= guessing.
	if err := Outcome("won").Valid(); !errors.Is(err, ErrUnknownValue) || err.Error() != `outcome "won": unknown value; known: `+
		"answered, abandoned, overflowed, callback, failed, self-service, in-progress, transferred" {
		t.Errorf("Outcome(won).Valid() = %v", err)
	}
	if err := Direction("").Valid(); err != nil {
		t.Errorf("empty direction: %v", err)
	}
}
