package routing

import (
	"testing"
	"time"
)

func TestEstimator(t *testing.T) {
	min := time.Minute
	for _, tc := range []struct {
		name     string
		e        Estimator
		observe  []time.Duration // handle times, one completion per minute ending at t0
		position int
		serving  int
		want     time.Duration
		wantOK   bool
		later    time.Duration // asked this long after t0
	}{
		{name: "no data no default", position: 1, serving: 2},
		{name: "no data default", e: Estimator{Default: 4 * min}, position: 3, serving: 2, want: 6 * min, wantOK: true},
		{name: "no agents", observe: []time.Duration{min}, position: 1, serving: 0},
		{name: "mean of samples", observe: []time.Duration{min, 3 * min}, position: 1, serving: 1, want: 2 * min, wantOK: true},
		{name: "position and agents", observe: []time.Duration{3 * min}, position: 4, serving: 6, want: 2 * min, wantOK: true},
		{name: "being served", observe: []time.Duration{3 * min}, position: 0, serving: 6, want: 0, wantOK: true},
		// Samples at t0-2m, t0-1m, t0: a 90 s horizon keeps the last two.
		{name: "horizon drops old", e: Estimator{Horizon: 90 * time.Second}, observe: []time.Duration{10 * min, 2 * min, 4 * min}, position: 1, serving: 1, want: 3 * min, wantOK: true},
		{name: "horizon drops all: default", e: Estimator{Horizon: time.Second, Default: 5 * min}, observe: []time.Duration{10 * min, 2 * min}, later: 2 * time.Second, position: 1, serving: 1, want: 5 * min, wantOK: true},
		{name: "negative handle ignored", observe: []time.Duration{-min, 2 * min}, position: 1, serving: 1, want: 2 * min, wantOK: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := tc.e
			for i, h := range tc.observe {
				e.Observe(t0.Add(time.Duration(i-len(tc.observe)+1)*min), h)
			}
			got, ok := e.EstimateWait(tc.position, tc.serving, t0.Add(tc.later))
			if got != tc.want || ok != tc.wantOK {
				t.Errorf("EstimateWait = %v, %v; want %v, %v", got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func TestEstimatorWindowFollowsChange(t *testing.T) {
	var e Estimator
	now := t0
	for range EstimatorWindow {
		now = now.Add(time.Minute)
		e.Observe(now, 10*time.Minute)
	}
	for range EstimatorWindow {
		now = now.Add(time.Minute)
		e.Observe(now, time.Minute)
	}
	mean, n, ok := e.MeanHandle(now)
	if !ok || n != EstimatorWindow || mean != time.Minute {
		t.Errorf("MeanHandle = %v over %d (%v); want 1m over %d: old samples must leave the window", mean, n, ok, EstimatorWindow)
	}
}

func TestEstimatorSaturates(t *testing.T) {
	var e Estimator
	e.Observe(t0, 1<<62)
	if got, ok := e.EstimateWait(1<<20, 1, t0); !ok || got <= 0 {
		t.Errorf("EstimateWait overflowed: %v, %v", got, ok)
	}
}
