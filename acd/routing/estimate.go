package routing

import (
	"math"
	"time"
)

// EstimatorWindow is how many recent handle times an Estimator keeps.
const EstimatorWindow = 64

// Estimator estimates how long a waiting caller still has to wait, from the
// handle times (talk plus wrap-up) of the queue's recent calls.
//
// The model is the one of an M/M/c queue with every server busy: each of c
// serving agents frees up at rate μ = 1 / mean handle time, so the agents
// together free up at rate cμ, and the caller at position p waits for p
// departures: E[wait] = p / (cμ) = p × mean / c. The mean is taken over the
// last EstimatorWindow completions that are no older than Horizon, so the
// estimate follows a change of traffic within a window rather than being
// dragged by an all-time average. With no recent completion, Default stands
// in for the mean.
//
// The zero Estimator keeps every one of the last EstimatorWindow samples and
// has no default. It is a value with no pointers: copy it freely.
type Estimator struct {
	Horizon time.Duration // samples older than this are ignored; 0 = no age limit
	Default time.Duration // mean handle time assumed with no recent sample; 0 = no estimate then

	at     [EstimatorWindow]time.Time
	handle [EstimatorWindow]time.Duration
	n      int // samples held, up to EstimatorWindow
	next   int // ring position of the next sample
}

// Observe records a call completed at now after handle time. A handle time
// below zero is ignored.
func (e *Estimator) Observe(now time.Time, handle time.Duration) {
	if handle < 0 {
		return
	}
	e.at[e.next], e.handle[e.next] = now, handle
	e.next = (e.next + 1) % EstimatorWindow
	e.n = min(e.n+1, EstimatorWindow)
}

// MeanHandle is the mean of the recent handle times and how many samples it
// stands on; ok is false when no sample is recent enough.
func (e *Estimator) MeanHandle(now time.Time) (mean time.Duration, samples int, ok bool) {
	var sum time.Duration
	for i := range e.n {
		if e.Horizon > 0 && now.Sub(e.at[i]) > e.Horizon {
			continue
		}
		sum += e.handle[i]
		samples++
	}
	if samples == 0 {
		return 0, 0, false
	}
	return sum / time.Duration(samples), samples, true
}

// EstimateWait estimates the remaining wait of the caller at position
// (1 = next to be served) with serving agents working the queue. ok is false
// when there is no agent serving, or no recent sample and no Default. A
// position below 1 waits nothing.
func (e *Estimator) EstimateWait(position, serving int, now time.Time) (wait time.Duration, ok bool) {
	if serving < 1 {
		return 0, false
	}
	if position < 1 {
		return 0, true
	}
	mean, _, ok := e.MeanHandle(now)
	if !ok {
		if e.Default <= 0 {
			return 0, false
		}
		mean = e.Default
	}
	// Float arithmetic: mean × position may overflow int64 for absurd inputs.
	w := float64(mean) * float64(position) / float64(serving)
	if w >= math.MaxInt64 {
		return math.MaxInt64, true
	}
	return time.Duration(w), true
}
