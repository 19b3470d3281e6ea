package dialer

import (
	"testing"
	"time"
)

func TestPoissonQuantile(t *testing.T) {
	for _, tc := range []struct {
		mean, q float64
		want    int
	}{
		{0, 0.9, 0},
		{-1, 0.9, 0},
		{0.45, 0.5, 0},  // P(0) = 0.638
		{0.45, 0.9, 1},  // P(≤1) = 0.925
		{0.45, 0.99, 3}, // P(≤2) = 0.989, short of 0.99
		{0.75, 0.9, 2},  // P(≤1) = 0.827, P(≤2) = 0.959
		{0.75, 0.99, 3}, // P(≤3) = 0.993
		{10, 0.5, 10},
		{10, 0.99, 18},
	} {
		if got := PoissonQuantile(tc.mean, tc.q); got != tc.want {
			t.Errorf("PoissonQuantile(%v, %v) = %d, want %d", tc.mean, tc.q, got, tc.want)
		}
	}
}

func TestArrivalsClaims(t *testing.T) {
	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	a := NewArrivals(t0, 15*time.Minute)
	if got := a.Claims(at(10), 18*time.Second, 0.9); got != 0 {
		t.Errorf("no callers yet: claims %d, want 0", got)
	}
	// One caller in the first 10 s: the rate is over a minute at least,
	// not over 10 s, or one caller would look like six a minute.
	a.Add(at(5))
	if got, want := a.Rate(at(10)), 1.0/60; got != want {
		t.Errorf("rate after one caller in 10 s = %v/s, want %v/s", got, want)
	}
	// 2.5 callers a minute for 20 minutes: the rate is over the last 15.
	for i := range 50 {
		a.Add(at(60 + 24*float64(i)))
	}
	now := at(60 + 24*50)
	if got, want := a.Rate(now), 2.5/60; got < want*0.95 || got > want*1.05 {
		t.Errorf("rate at 2.5 a minute = %v/s, want about %v/s", got, want)
	}
	// 0.75 callers expected within 18 s: two at 90 %, three at 99 %.
	if got := a.Claims(now, 18*time.Second, 0.9); got != 2 {
		t.Errorf("claims at 90 %% = %d, want 2", got)
	}
	if got := a.Claims(now, 18*time.Second, 0.99); got != 3 {
		t.Errorf("claims at 99 %% = %d, want 3", got)
	}
	// Callers stop: a quarter of an hour later none are expected.
	if got := a.Claims(now.Add(15*time.Minute), 18*time.Second, 0.99); got != 0 {
		t.Errorf("claims 15 min after the last caller = %d, want 0", got)
	}
}
