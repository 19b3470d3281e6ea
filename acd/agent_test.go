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
	for p := CallNew; p <= CallEnded; p++ {
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
}
