package kpi

import (
	"testing"
	"time"
)

func TestServiceLevel(t *testing.T) {
	for _, tt := range []struct {
		inSL, answered, abandonedAfter int
		want                           float64
	}{
		{0, 0, 0, 1}, // nothing offered yet: nobody was failed
		{8, 10, 0, 0.8},
		{8, 10, 6, 0.5}, // late abandons count against the service level
		{10, 10, 0, 1},
		{0, 0, 4, 0}, // only late abandons
	} {
		if got := ServiceLevel(tt.inSL, tt.answered, tt.abandonedAfter); got != tt.want {
			t.Errorf("ServiceLevel(%d, %d, %d) = %v, want %v", tt.inSL, tt.answered, tt.abandonedAfter, got, tt.want)
		}
	}
}

func TestOccupancy(t *testing.T) {
	for _, tt := range []struct {
		handle, staffed time.Duration
		want            float64
	}{
		{0, 0, 0},
		{time.Minute, 0, 0},            // never staffed
		{time.Minute, -time.Second, 0}, // paused longer than logged in (clock step): no figure
		{30 * time.Minute, time.Hour, 0.5},
		{2 * time.Hour, time.Hour, 1}, // capped: handle time spilling over a shift boundary
	} {
		if got := Occupancy(tt.handle, tt.staffed); got != tt.want {
			t.Errorf("Occupancy(%v, %v) = %v, want %v", tt.handle, tt.staffed, got, tt.want)
		}
	}
}

func TestAverageAndAbandonRate(t *testing.T) {
	if got := Average(90*time.Second, 4); got != 22500*time.Millisecond {
		t.Errorf("Average(90s, 4) = %v", got)
	}
	if got := Average(90*time.Second, 0); got != 0 {
		t.Errorf("Average over no calls = %v, want 0", got)
	}
	for _, tt := range []struct {
		abandoned, answered int
		want                float64
	}{{0, 0, 0}, {1, 3, 0.25}, {5, 0, 1}} {
		if got := AbandonRate(tt.abandoned, tt.answered); got != tt.want {
			t.Errorf("AbandonRate(%d, %d) = %v, want %v", tt.abandoned, tt.answered, got, tt.want)
		}
	}
}

func TestQueueFigures(t *testing.T) {
	for _, tt := range []struct {
		name string
		q    Queue
		want QueueFigures
	}{
		{"idle", Queue{}, QueueFigures{ServiceLevel: 1}},
		{"busy hour", Queue{Offered: 12, Answered: 8, Abandoned: 4, AbandonedInSL: 2, InSL: 6,
			WaitAnswered: 160 * time.Second, Handled: 8, Handle: 40 * time.Minute},
			QueueFigures{ServiceLevel: 0.6, ASA: 20 * time.Second, AHT: 5 * time.Minute, AbandonRate: 1.0 / 3}},
		{"nobody answered", Queue{Offered: 3, Abandoned: 3, AbandonedInSL: 1},
			QueueFigures{ServiceLevel: 0, AbandonRate: 1}},
		{"callbacks are handled, not answered", Queue{Offered: 2, Answered: 1, Callbacks: 1, InSL: 1, WaitAnswered: 10 * time.Second,
			Handled: 2, Handle: 6 * time.Minute},
			QueueFigures{ServiceLevel: 1, ASA: 10 * time.Second, AHT: 3 * time.Minute}},
	} {
		if got := tt.q.Figures(); got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestAgentFigures(t *testing.T) {
	a := Agent{Answered: 4, Talk: 16 * time.Minute, WrapUp: 4 * time.Minute, LoggedIn: time.Hour, Paused: 20 * time.Minute}
	if got, want := a.Figures(), (AgentFigures{AHT: 5 * time.Minute, Occupancy: 0.5}); got != want {
		t.Errorf("%+v, want %+v", got, want)
	}
}
