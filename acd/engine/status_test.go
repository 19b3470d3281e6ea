package engine

import (
	"testing"
	"time"
)

func TestServiceLevelAndOccupancy(t *testing.T) {
	for _, tt := range []struct {
		inSL, answered, abandonedAfter int
		want                           float64
	}{
		{0, 0, 0, 1}, // nothing offered yet: nobody was failed
		{8, 10, 0, 0.8},
		{8, 10, 6, 0.5}, // late abandons count against the service level
		{10, 10, 0, 1},
	} {
		if got := ServiceLevel(tt.inSL, tt.answered, tt.abandonedAfter); got != tt.want {
			t.Errorf("ServiceLevel(%d, %d, %d) = %v, want %v", tt.inSL, tt.answered, tt.abandonedAfter, got, tt.want)
		}
	}
	for _, tt := range []struct {
		handle, staffed time.Duration
		want            float64
	}{
		{0, 0, 0},
		{30 * time.Minute, time.Hour, 0.5},
		{2 * time.Hour, time.Hour, 1}, // capped: handle time spilling over a shift boundary
	} {
		if got := Occupancy(tt.handle, tt.staffed); got != tt.want {
			t.Errorf("Occupancy(%v, %v) = %v, want %v", tt.handle, tt.staffed, got, tt.want)
		}
	}
}
