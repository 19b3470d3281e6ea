package dialer

import (
	"math"
	"time"
)

// Arrivals counts the inbound callers offered to a campaign's shared
// agents, so that the campaign does not count on an agent a caller is
// about to take: a dial needs its agent free from the moment it is placed
// until its answer has been connected, and a caller who arrives meanwhile
// takes a free agent first (a queue offers a free agent at once, whatever
// the campaign's inbound_first). The rate is the arrivals over the last
// Window (or since the estimator began, when that is shorter, but at least
// a minute).
type Arrivals struct {
	Window time.Duration
	since  time.Time
	at     []time.Time // within Window of the latest, oldest first
}

// NewArrivals starts counting at since, over window.
func NewArrivals(since time.Time, window time.Duration) *Arrivals {
	return &Arrivals{Window: window, since: since}
}

// Add records an arrival at now (times come in order).
func (a *Arrivals) Add(now time.Time) {
	a.at = append(a.at, now)
	a.expire(now)
}

func (a *Arrivals) expire(now time.Time) {
	cut := now.Add(-a.Window)
	i := 0
	for i < len(a.at) && !a.at[i].After(cut) {
		i++
	}
	a.at = a.at[i:]
}

// Rate returns the arrivals per second at now.
func (a *Arrivals) Rate(now time.Time) float64 {
	a.expire(now)
	span := min(a.Window, max(time.Minute, now.Sub(a.since)))
	return float64(len(a.at)) / span.Seconds()
}

// Claims returns how many callers to expect within d of now at the given
// quantile of a Poisson count at the current rate: the most free agents
// callers may take, but for a chance of 1−quantile, before a dial placed
// now is answered and connected.
func (a *Arrivals) Claims(now time.Time, d time.Duration, quantile float64) int {
	return PoissonQuantile(a.Rate(now)*d.Seconds(), quantile)
}

// PoissonQuantile is the smallest k with P(N ≤ k) ≥ q for N Poisson of
// the given mean (0 for a mean of 0 or less).
func PoissonQuantile(mean, q float64) int {
	if !(mean > 0) {
		return 0
	}
	p := math.Exp(-mean)
	cdf := p
	k := 0
	for cdf < q && k < maxNew {
		k++
		p *= mean / float64(k)
		cdf += p
	}
	return k
}
