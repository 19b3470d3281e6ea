package sipptest

import (
	"math"
	"testing"
)

func TestToneShare(t *testing.T) {
	tone := func(hz float64) []float64 {
		x := make([]float64, 160)
		for i := range x {
			x[i] = 0.5 * math.Sin(2*math.Pi*hz*float64(i)/8000)
		}
		return x
	}
	if s := toneShare(tone(1000), 1000); s < 0.95 {
		t.Errorf("1000 Hz tone: share %.2f, want about 1", s)
	}
	if s := toneShare(tone(440), 1000); s > 0.3 {
		t.Errorf("440 Hz tone: share of 1000 Hz %.2f, want small", s)
	}
	mixed := tone(440)
	for i, v := range tone(1000) {
		mixed[i] += v
	}
	if s := toneShare(mixed, 1000); s < 0.6 || s > 0.8 {
		t.Errorf("equal mix: share %.2f, want about 0.71", s)
	}
	// µ-law: 0xFF is zero, 0x80 and 0x00 the extremes.
	if ulaw(0xFF) != 0 || ulaw(0x80) < 0.9 || ulaw(0x00) > -0.9 {
		t.Errorf("ulaw: %v %v %v", ulaw(0xFF), ulaw(0x80), ulaw(0x00))
	}
}
