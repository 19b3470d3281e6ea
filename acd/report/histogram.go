package report

import "time"

// Histogram counts waits in fixed buckets, so a percentile over any number
// of calls takes the same small memory: one-second buckets up to two
// minutes, five-second ones up to ten, one-minute ones up to an hour, and
// one bucket beyond. A percentile is exact to the width of its bucket.
type Histogram struct {
	counts [bucketCount]uint32
	n      int
	max    time.Duration
}

const (
	fineUpTo    = 120  // seconds of 1-second buckets
	mediumUpTo  = 600  // then 5-second buckets
	coarseUpTo  = 3600 // then 1-minute buckets
	bucketCount = fineUpTo + (mediumUpTo-fineUpTo)/5 + (coarseUpTo-mediumUpTo)/60 + 1
)

// bucket returns the bucket of a wait and its bounds in seconds.
func bucket(d time.Duration) int {
	s := int(d / time.Second)
	switch {
	case s < 0:
		return 0
	case s < fineUpTo:
		return s
	case s < mediumUpTo:
		return fineUpTo + (s-fineUpTo)/5
	case s < coarseUpTo:
		return fineUpTo + (mediumUpTo-fineUpTo)/5 + (s-mediumUpTo)/60
	}
	return bucketCount - 1
}

// bounds are the lower and upper bound of bucket i.
func bounds(i int) (lo, hi time.Duration) {
	sec := func(n int) time.Duration { return time.Duration(n) * time.Second }
	m := fineUpTo + (mediumUpTo-fineUpTo)/5
	switch {
	case i < fineUpTo:
		return sec(i), sec(i + 1)
	case i < m:
		lo := fineUpTo + (i-fineUpTo)*5
		return sec(lo), sec(lo + 5)
	case i < bucketCount-1:
		lo := mediumUpTo + (i-m)*60
		return sec(lo), sec(lo + 60)
	}
	return sec(coarseUpTo), time.Duration(1 << 62) // capped by the longest wait
}

// Add counts one wait.
func (h *Histogram) Add(d time.Duration) {
	h.counts[bucket(d)]++
	h.n++
	h.max = max(h.max, d)
}

// Merge adds the counts of o.
func (h *Histogram) Merge(o *Histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// N is the number of waits counted.
func (h *Histogram) N() int { return h.n }

// Max is the longest wait counted.
func (h *Histogram) Max() time.Duration { return h.max }

// Quantile is the wait under which a share q of the waits fall (nearest
// rank), interpolated within its bucket and never above the longest wait;
// 0 when nothing was counted.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := int(q*float64(h.n) + 0.999999999) // ceil, robust to 0.9*10 = 9.000000000000002
	rank = min(max(rank, 1), h.n)
	seen := 0
	for i, c := range h.counts {
		if c == 0 {
			continue
		}
		if seen+int(c) >= rank {
			lo, hi := bounds(i)
			hi = min(hi, h.max)
			if hi < lo {
				return h.max
			}
			frac := float64(rank-seen) / float64(c)
			return lo + time.Duration(frac*float64(hi-lo))
		}
		seen += int(c)
	}
	return h.max
}
