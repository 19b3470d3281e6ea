package report

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// The histogram's 90th percentile is the exact one (nearest rank over the
// sorted waits) to the width of the bucket that holds it.
func TestHistogramQuantileMatchesSorted(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, scale := range []time.Duration{3 * time.Second, 40 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour} {
		for _, n := range []int{1, 2, 9, 10, 11, 1000} {
			var h Histogram
			waits := make([]time.Duration, n)
			for i := range waits {
				waits[i] = time.Duration(rng.ExpFloat64() * float64(scale))
				h.Add(waits[i])
			}
			slices.Sort(waits)
			for _, q := range []float64{0.5, 0.9, 1} {
				exact := waits[max(0, int(q*float64(n)+0.999999999)-1)]
				lo, hi := bounds(bucket(exact))
				got := h.Quantile(q)
				if got < lo || got > min(hi, waits[n-1]) {
					t.Errorf("scale %v n %d: q%.2f = %v, exact %v, bucket [%v, %v)", scale, n, q, got, exact, lo, hi)
				}
			}
			if h.Max() != waits[n-1] || h.N() != n {
				t.Errorf("max %v n %d, want %v %d", h.Max(), h.N(), waits[n-1], n)
			}
		}
	}
}

func TestHistogramBucketsCoverInOrder(t *testing.T) {
	prevHi := time.Duration(0)
	for i := range bucketCount - 1 {
		lo, hi := bounds(i)
		if lo != prevHi || hi <= lo {
			t.Fatalf("bucket %d is [%v, %v), previous ended %v", i, lo, hi, prevHi)
		}
		if bucket(lo) != i || bucket(hi-time.Millisecond) != i {
			t.Fatalf("bucket(%v) = %d, bucket(%v) = %d, want %d", lo, bucket(lo), hi-time.Millisecond, bucket(hi-time.Millisecond), i)
		}
		prevHi = hi
	}
	if var0 := new(Histogram).Quantile(0.9); var0 != 0 {
		t.Errorf("empty histogram q90 = %v", var0)
	}
}
