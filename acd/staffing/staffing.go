// Package staffing answers "how many agents does this traffic need?" with the
// two queueing models call centers plan by: Erlang C (callers never give up,
// M/M/N) and Erlang A (callers give up after an exponentially distributed
// patience, M/M/N+M). It is pure arithmetic: no clock, no I/O.
//
// Erlang C overstates waiting when callers abandon, and is undefined when
// the offered load reaches the number of agents; Erlang A stays defined at any
// staffing because impatient callers leave. Both are computed in log space
// or by recursions that stay stable for thousands of agents.
package staffing

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Errors returned for inputs the models cannot take.
var (
	ErrBadInput    = errors.New("staffing: bad input")
	ErrUnreachable = errors.New("staffing: target not reachable")
)

// Traffic is the load a queue is offered.
type Traffic struct {
	CallsPerHour float64
	AHT          time.Duration // mean handle time (talk + hold + wrap-up)
	// Patience is the callers' mean patience; 0 means callers never give up
	// (Erlang C).
	Patience time.Duration
}

// Result is what the model expects with Agents agents.
type Result struct {
	Agents int
	// Load is the offered traffic in Erlangs (calls per second × AHT).
	Load float64
	// Occupancy is the share of agent time spent on calls.
	Occupancy float64
	// PWait is the probability that a caller waits at all.
	PWait float64
	// ServiceLevel is the share of offered calls answered within the
	// threshold (abandoned calls count against it).
	ServiceLevel float64
	// ServiceLevelAnswered is the same share over answered calls only.
	ServiceLevelAnswered float64
	// ASA is the mean wait of answered calls; MaxASA when it is longer
	// (a load a hair under the agents in Erlang C).
	ASA time.Duration
	// Abandon is the share of callers who give up (0 in Erlang C).
	Abandon float64
	// Stable is false when Erlang C has no steady state (load ≥ agents):
	// the queue grows without bound and the other figures are meaningless.
	Stable bool
}

// Validate reports a traffic description the models cannot take.
func (t Traffic) Validate() error {
	switch {
	case math.IsNaN(t.CallsPerHour) || math.IsInf(t.CallsPerHour, 0) || t.CallsPerHour <= 0:
		return fmt.Errorf("%w: calls per hour must be a positive number, not %v", ErrBadInput, t.CallsPerHour)
	case t.CallsPerHour < MinCallsPerHour:
		// Fewer, and the arrival rate per second rounds to nothing in the
		// arithmetic (abandonment came out NaN).
		return fmt.Errorf("%w: calls per hour must be at least %v (one call in 114 years), not %v", ErrBadInput, MinCallsPerHour, t.CallsPerHour)
	case t.AHT <= 0:
		return fmt.Errorf("%w: handle time must be positive, not %v", ErrBadInput, t.AHT)
	case t.Patience < 0:
		return fmt.Errorf("%w: patience must not be negative, not %v", ErrBadInput, t.Patience)
	}
	if t.load() > maxLoad {
		return fmt.Errorf("%w: offered load %.0f Erlangs is beyond %d", ErrBadInput, t.load(), maxLoad)
	}
	return nil
}

// MinCallsPerHour is the least traffic the models take.
const MinCallsPerHour = 1e-6

// MaxASA is the longest ASA a Result gives: the longest time.Duration.
const MaxASA = time.Duration(math.MaxInt64)

// maxLoad bounds the offered load so that every computation stays in
// milliseconds; 20,000 Erlangs is far more than any single queue.
const maxLoad = 20000

func (t Traffic) load() float64 { return t.CallsPerHour / 3600 * t.AHT.Seconds() }

// Model computes the expected figures with n agents and a service-level
// threshold.
func Model(t Traffic, n int, threshold time.Duration) (Result, error) {
	if err := t.Validate(); err != nil {
		return Result{}, err
	}
	if n < 1 {
		return Result{}, fmt.Errorf("%w: agents must be at least 1, not %d", ErrBadInput, n)
	}
	if threshold < 0 {
		return Result{}, fmt.Errorf("%w: service-level threshold must not be negative", ErrBadInput)
	}
	if t.Patience == 0 {
		return erlangC(t, n, threshold), nil
	}
	return erlangA(t, n, threshold)
}

// Target is a service-level goal: Share of calls answered within Within.
type Target struct {
	Share  float64
	Within time.Duration
}

// Agents returns the smallest staffing that meets the target (and, in
// Erlang A, keeps abandonment at or under maxAbandon when it is above 0),
// with its figures.
func Agents(t Traffic, target Target, maxAbandon float64) (Result, error) {
	if err := t.Validate(); err != nil {
		return Result{}, err
	}
	if target.Share <= 0 || target.Share >= 1 || math.IsNaN(target.Share) {
		return Result{}, fmt.Errorf("%w: service-level share must be between 0 and 1 (exclusive), not %v", ErrBadInput, target.Share)
	}
	if target.Within < 0 {
		return Result{}, fmt.Errorf("%w: service-level threshold must not be negative", ErrBadInput)
	}
	a := t.load()
	meets := func(n int) (Result, bool, error) {
		r, err := Model(t, n, target.Within)
		if err != nil {
			return r, false, err
		}
		return r, r.Stable && r.ServiceLevel >= target.Share && (maxAbandon <= 0 || r.Abandon <= maxAbandon), nil
	}
	// Below the load no staffing is stable in Erlang C; start there. More
	// agents never lower the service level nor raise abandonment, so the
	// least staffing that meets the target is found by halving the range
	// (a few models, not one per staffing: a model of thousands of agents
	// takes milliseconds).
	lo := max(1, int(math.Floor(a)))
	limit := int(a) + 10 + int(10*math.Sqrt(a)) + 100
	best, ok, err := meets(limit)
	if err != nil {
		return Result{}, err
	}
	if !ok {
		return Result{}, fmt.Errorf("%w: no staffing up to %d agents gives %.0f%% within %v", ErrUnreachable, limit, 100*target.Share, target.Within)
	}
	for hi := limit; lo < hi; {
		mid := lo + (hi-lo)/2
		r, ok, err := meets(mid)
		if err != nil {
			return Result{}, err
		}
		if ok {
			hi, best = mid, r
		} else {
			lo = mid + 1
		}
	}
	return best, nil
}

// erlangC is M/M/N.
func erlangC(t Traffic, n int, threshold time.Duration) Result {
	a := t.load()
	r := Result{Agents: n, Load: a}
	if a >= float64(n) {
		r.Occupancy = 1
		r.PWait = 1
		return r
	}
	r.Stable = true
	r.Occupancy = a / float64(n)
	// Erlang B by its stable recursion, then C from B.
	b := 1.0
	for k := 1; k <= n; k++ {
		b = a * b / (float64(k) + a*b)
	}
	rho := a / float64(n)
	r.PWait = b / (1 - rho + rho*b)
	aht := t.AHT.Seconds()
	decay := (float64(n) - a) / aht
	r.ServiceLevel = 1 - r.PWait*math.Exp(-decay*threshold.Seconds())
	r.ServiceLevelAnswered = r.ServiceLevel
	r.ASA = seconds(r.PWait / decay)
	return r
}

// erlangA is M/M/N+M. The number of callers in the system is a birth-death
// chain: arrivals at λ, departures at kμ below N and Nμ + (k−N)θ above. Its
// stationary law is computed up to where the tail is negligible, then a
// tagged arriving caller is followed through the queue to get the service
// level and the mean wait of those answered.
func erlangA(t Traffic, n int, threshold time.Duration) (Result, error) {
	lambda := t.CallsPerHour / 3600
	mu := 1 / t.AHT.Seconds()
	theta := 1 / t.Patience.Seconds()
	a := lambda / mu
	r := Result{Agents: n, Load: a, Stable: true}

	// Unnormalized log-probabilities, relative to state 0.
	logp := []float64{0}
	lp, top := 0.0, 0.0
	for k := 1; ; k++ {
		var out float64
		if k <= n {
			out = float64(k) * mu
		} else {
			out = float64(n)*mu + float64(k-n)*theta
		}
		lp += math.Log(lambda / out)
		logp = append(logp, lp)
		top = math.Max(top, lp)
		// Past N and the mode, stop once a state is 1e-16 of the largest.
		if k > n && lambda < out && lp < top-37 {
			break
		}
		if k-n > maxQueued {
			return Result{}, tooPatient(t, a)
		}
	}
	p := make([]float64, len(logp))
	var sum float64
	for k, l := range logp {
		p[k] = math.Exp(l - top)
		sum += p[k]
	}
	var busy, queued, pWait float64
	for k := range p {
		p[k] /= sum
		busy += p[k] * float64(min(k, n))
		if k >= n {
			pWait += p[k]
			queued += p[k] * float64(k-n)
		}
	}
	r.PWait = pWait
	r.Occupancy = busy / float64(n)
	// Abandonments happen at θ per waiting caller.
	r.Abandon = theta * queued / lambda

	// A tagged caller who finds k ≥ N in the system has j = k−N callers
	// ahead. While j are ahead, the line moves at Nμ + jθ and the caller
	// itself gives up at θ.
	nmu := float64(n) * mu
	var servedWaitSum float64 // E[wait · 1{served}] over those who wait
	var pServedAfterWait float64
	sPrev, mPrev := 1.0, 0.0 // j = −1: being served
	maxJ := len(p) - 1 - n
	start := make([]float64, maxJ+1)
	for j := 0; j <= maxJ; j++ {
		rate := nmu + float64(j+1)*theta
		q := (nmu + float64(j)*theta) / rate
		s := q * sPrev
		m := q * (sPrev/rate + mPrev)
		start[j] = p[n+j]
		pServedAfterWait += p[n+j] * s
		servedWaitSum += p[n+j] * m
		sPrev, mPrev = s, m
	}
	answered := (1 - pWait) + pServedAfterWait
	if answered > 0 {
		r.ASA = seconds(servedWaitSum / answered)
	}
	served, ok := servedWithin(start, nmu, theta, threshold.Seconds())
	if !ok {
		return Result{}, tooPatient(t, a)
	}
	within := (1 - pWait) + served
	r.ServiceLevel = within
	if answered > 0 {
		r.ServiceLevelAnswered = within / answered
	}
	return r, nil
}

// servedWithin is the probability mass, over the start vector (j callers
// ahead), that reaches service within t seconds, by uniformization of the
// tagged caller's pure-death chain with its own abandonment.
func servedWithin(start []float64, nmu, theta, t float64) (float64, bool) {
	if t == 0 || len(start) == 0 {
		return 0, true
	}
	J := len(start)
	rate := nmu + float64(J)*theta // the largest total rate leaving a state
	v := append([]float64(nil), start...)
	next := make([]float64, J)
	var served float64
	lt := rate * t
	// Poisson(lt) weights, summed until the tail is negligible or the chain
	// has absorbed all its mass (then later steps change nothing).
	logWeight := -lt
	var cumServed, total, wsum float64 // served mass after i steps; Σ w_i·served_i; Σ w_i
	for i := 0; ; i++ {
		if i*J > maxSteps {
			return 0, false
		}
		if i > 0 {
			logWeight += math.Log(lt / float64(i))
		}
		weight := math.Exp(logWeight)
		total += weight * cumServed
		wsum += weight
		if i > int(lt) && weight < 1e-15 {
			break
		}
		// One uniformized step.
		clear(next)
		var left float64
		for j, m := range v {
			if m == 0 {
				continue
			}
			fwd := (nmu + float64(j)*theta) / rate
			ab := theta / rate
			if j == 0 {
				served += m * fwd
			} else {
				next[j-1] += m * fwd
			}
			stay := m * (1 - fwd - ab)
			next[j] += stay
			left += stay
			if j > 0 {
				left += m * fwd
			}
		}
		v, next = next, v
		cumServed = served
		if left < 1e-14 {
			total += cumServed * math.Max(0, 1-wsum)
			break
		}
	}
	return total, true
}

// Bounds on the work of one Erlang A model, so that any input answers
// within a second or so: callers far more patient than a call lasts, at a
// load of thousands of Erlangs, would need millions of queue states, or
// hundreds of millions of steps to follow a caller through them.
const (
	maxQueued = 250_000
	maxSteps  = 200_000_000
)

// tooPatient is the answer to a model beyond those bounds.
func tooPatient(t Traffic, load float64) error {
	return fmt.Errorf("%w: Erlang A with a mean patience of %v at %.0f Erlangs is beyond what Hotline computes; leave out the patience (Erlang C) or shorten it",
		ErrBadInput, t.Patience, load)
}

// seconds converts to a Duration, saturating at MaxASA: a float beyond
// the Duration's range converts to a negative one.
func seconds(s float64) time.Duration {
	if !(s*float64(time.Second) < float64(MaxASA)) {
		return MaxASA
	}
	return time.Duration(s * float64(time.Second))
}
