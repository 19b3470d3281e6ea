package dialer

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Mode is how a campaign paces its calls.
type Mode int

// Dial modes.
const (
	Preview Mode = iota + 1
	Progressive
	Power
	Predictive
)

var modeNames = map[Mode]string{Preview: "preview", Progressive: "progressive", Power: "power", Predictive: "predictive"}

func (m Mode) String() string {
	if s, ok := modeNames[m]; ok {
		return s
	}
	return fmt.Sprintf("mode(%d)", int(m))
}

// ErrBadOptions is returned for pacer options that cannot work.
var ErrBadOptions = errors.New("dialer: bad options")

// ParseMode reads a mode name.
func ParseMode(s string) (Mode, error) {
	for m, n := range modeNames {
		if strings.EqualFold(strings.TrimSpace(s), n) {
			return m, nil
		}
	}
	return 0, fmt.Errorf("%w: unknown dial mode %q; known: preview, progressive, power, predictive", ErrBadOptions, s)
}

// Options configure a Pacer.
type Options struct {
	Mode Mode
	// Ratio is the calls per free agent in Power mode (e.g. 1.5).
	Ratio float64
	// AbandonCap is the highest share of live answers that may be
	// abandoned over Window (0.03 = 3 %).
	AbandonCap float64
	// Window is the rolling period the cap is measured over (30 days by
	// default; 24 h for the stricter mode).
	Window time.Duration
	// ConnectWithin is how long an answered call may wait for an agent
	// before it counts as abandoned (the two-second rule).
	ConnectWithin time.Duration
	// Priors until the campaign has its own figures.
	AnswerRate float64       // share of dials answered live
	HandleTime time.Duration // mean talk + wrap-up
	MaxDials   int           // most calls in flight at once, 0 = no limit
}

// DefaultOptions are the regulatory defaults: 3 % over 30 days, two seconds.
func DefaultOptions(m Mode) Options {
	return Options{Mode: m, Ratio: 1.5, AbandonCap: 0.03, Window: 30 * 24 * time.Hour,
		ConnectWithin: 2 * time.Second, AnswerRate: 0.3, HandleTime: 2 * time.Minute}
}

// Validate lists what is wrong with the options.
func (o Options) Validate() error {
	var errs []error
	bad := func(f string, a ...any) {
		errs = append(errs, fmt.Errorf("%w: "+f, append([]any{ErrBadOptions}, a...)...))
	}
	if _, ok := modeNames[o.Mode]; !ok {
		bad("mode %d is not a dial mode", int(o.Mode))
	}
	if o.Mode == Power && !(o.Ratio >= 1 && o.Ratio <= 10) {
		bad("power ratio %v: want 1 to 10 calls per free agent", o.Ratio)
	}
	if !(o.AbandonCap > 0 && o.AbandonCap < 1) {
		bad("abandonment cap %v: want a share between 0 and 1, e.g. 0.03", o.AbandonCap)
	}
	if o.Window < time.Hour {
		bad("abandonment window %v: want at least 1h", o.Window)
	}
	if o.ConnectWithin <= 0 {
		bad("connect-within %v: want a positive duration", o.ConnectWithin)
	}
	if !(o.AnswerRate > 0 && o.AnswerRate <= 1) {
		bad("answer-rate prior %v: want a share above 0", o.AnswerRate)
	}
	if o.HandleTime <= 0 {
		bad("handle-time prior %v: want a positive duration", o.HandleTime)
	}
	if o.MaxDials < 0 {
		bad("max dials %d: must not be negative", o.MaxDials)
	}
	return errors.Join(errs...)
}

// Snapshot is the campaign's moment when the pacer is asked.
type Snapshot struct {
	Now time.Time
	// FreeAgents are ready for a call of this campaign now.
	FreeAgents int
	// Busy holds, per agent handling a call of this campaign (talking or
	// in wrap-up), when that handling began.
	Busy []time.Time
	// Ringing holds, per dial in flight, when it was placed.
	Ringing []time.Time
	// Waiting is the number of answered calls waiting for an agent now.
	Waiting int
}

// Pacer keeps a campaign's recent figures and decides its dialing. It is not
// safe for concurrent use; the campaign runner owns it.
type Pacer struct {
	o Options

	// Recent dial outcomes (ring time, answered live or not) and handle
	// times, with sorted copies for counting.
	outcomes []outcome
	nextOut  int
	answered sorted // ring times of the live answers among outcomes
	ended    sorted // ring times of all outcomes
	handle   ring

	// Abandonment over the window, in hourly buckets.
	buckets []bucket

	// Tables derived from the samples, rebuilt after every refreshEvery new
	// samples: ansTab[r][t] is answerProb(r, t) for whole seconds, freeTab[e]
	// is freeProb(e, t + ConnectWithin) for t = 1..horizon (built on demand).
	unripe []outcome
	latest time.Time

	fresh   int
	ansTab  [][horizon + 1]float64
	freeTab []*[horizon + 1]float64
}

const refreshEvery = 25

func (p *Pacer) touch() {
	p.fresh++
	if p.fresh >= refreshEvery || p.ansTab == nil {
		p.ansTab, p.freeTab, p.fresh = nil, nil, 0
	}
}

// maxRing bounds the ring times tabled; a dial ringing longer uses the last row.
const maxRing = 120

// maxHandle bounds the handle times tabled, in seconds.
const maxHandle = 3600

func (p *Pacer) answerRow(r float64) *[horizon + 1]float64 {
	if p.ansTab == nil {
		p.ansTab = make([][horizon + 1]float64, maxRing+1)
		for ri := range p.ansTab {
			for t := 1; t <= horizon; t++ {
				p.ansTab[ri][t] = p.answerProb(float64(ri), float64(t))
			}
		}
	}
	return &p.ansTab[min(maxRing, max(0, int(r)))]
}

func (p *Pacer) freeRow(e float64) *[horizon + 1]float64 {
	i := min(maxHandle, max(0, int(e)))
	if i >= len(p.freeTab) {
		p.freeTab = append(p.freeTab, make([]*[horizon + 1]float64, i+1-len(p.freeTab))...)
	}
	if p.freeTab[i] == nil {
		row := new([horizon + 1]float64)
		w := p.o.ConnectWithin.Seconds()
		for t := 1; t <= horizon; t++ {
			row[t] = p.freeProb(float64(i), float64(t)+w, nil)
		}
		p.freeTab[i] = row
	}
	return p.freeTab[i]
}

type bucket struct {
	hour      int64 // Unix hour
	live      int   // live answers
	abandoned int
}

// keep is how many recent samples the estimates use.
const keep = 600

// sorted is a multiset of samples kept in order for counting.
type sorted []float64

func (s *sorted) add(x float64) {
	i, _ := slices.BinarySearch(*s, x)
	*s = slices.Insert(*s, i, x)
}

func (s *sorted) remove(x float64) {
	if i, ok := slices.BinarySearch(*s, x); ok {
		*s = slices.Delete(*s, i, i+1)
	}
}

// countIn is the number of samples in (lo, hi].
func (s sorted) countIn(lo, hi float64) int {
	a, _ := slices.BinarySearch(s, math.Nextafter(lo, math.Inf(1)))
	b, _ := slices.BinarySearch(s, math.Nextafter(hi, math.Inf(1)))
	return b - a
}

// countAbove is the number of samples > x.
func (s sorted) countAbove(x float64) int {
	a, _ := slices.BinarySearch(s, math.Nextafter(x, math.Inf(1)))
	return len(s) - a
}

// ring keeps the last keep samples, sorted.
type ring struct {
	buf    []float64
	next   int
	sorted sorted
}

func (r *ring) add(x float64) {
	if len(r.buf) < keep {
		r.buf = append(r.buf, x)
	} else {
		r.sorted.remove(r.buf[r.next])
		r.buf[r.next] = x
		r.next = (r.next + 1) % keep
	}
	r.sorted.add(x)
}

// NewPacer builds a pacer.
func NewPacer(o Options) (*Pacer, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	return &Pacer{o: o}, nil
}

// Options returns the pacer's options.
func (p *Pacer) Options() Options { return p.o }

// DialEnded records a dial placed at placed that stopped ringing at ended:
// answered live or not (no answer, busy, failed, machine).
//
// Outcomes count only once their dial is ripe (placed ringRipe before the
// latest time the pacer saw): until then the quick answers of a young batch
// of dials are in and its slow ones are not, which would make answers look
// both likelier and quicker than they are.
func (p *Pacer) DialEnded(placed, ended time.Time, live bool) {
	p.unripe = append(p.unripe, outcome{placed: placed, ring: ended.Sub(placed).Seconds(), live: live})
	p.ripen(ended)
}

type outcome struct {
	placed time.Time
	ring   float64
	live   bool
}

func (p *Pacer) addOutcome(o outcome) {
	if len(p.outcomes) < keep {
		p.outcomes = append(p.outcomes, o)
	} else {
		old := p.outcomes[p.nextOut]
		p.ended.remove(old.ring)
		if old.live {
			p.answered.remove(old.ring)
		}
		p.outcomes[p.nextOut] = o
		p.nextOut = (p.nextOut + 1) % keep
	}
	p.ended.add(o.ring)
	if o.live {
		p.answered.add(o.ring)
	}
	p.touch()
}

// ringRipe is longer than any ring a switch lets run.
const ringRipe = 90 * time.Second

func (p *Pacer) ripen(now time.Time) {
	if now.After(p.latest) {
		p.latest = now
	}
	cut := p.latest.Add(-ringRipe)
	kept := p.unripe[:0]
	for _, o := range p.unripe {
		if o.placed.After(cut) {
			kept = append(kept, o)
			continue
		}
		p.addOutcome(o)
	}
	p.unripe = kept
}

// Handled records a finished call's handle time (talk + wrap-up).
func (p *Pacer) Handled(d time.Duration) {
	p.handle.add(d.Seconds())
	p.touch()
}

// Connected records a live answer that reached an agent in time, or was
// abandoned (no agent within ConnectWithin), at now.
func (p *Pacer) Connected(now time.Time, abandoned bool) {
	h := now.Unix() / 3600
	if n := len(p.buckets); n == 0 || p.buckets[n-1].hour != h {
		p.buckets = append(p.buckets, bucket{hour: h})
	}
	b := &p.buckets[len(p.buckets)-1]
	b.live++
	if abandoned {
		b.abandoned++
	}
	p.expire(now)
}

func (p *Pacer) expire(now time.Time) {
	oldest := now.Add(-p.o.Window).Unix() / 3600
	i := 0
	for i < len(p.buckets) && p.buckets[i].hour < oldest {
		i++
	}
	p.buckets = p.buckets[i:]
}

// Abandonment returns the live answers and abandons within the window
// before now, and their ratio (0 with no answers).
func (p *Pacer) Abandonment(now time.Time) (live, abandoned int, rate float64) {
	oldest := now.Add(-p.o.Window).Unix() / 3600
	for _, b := range p.buckets {
		if b.hour >= oldest {
			live += b.live
			abandoned += b.abandoned
		}
	}
	if live > 0 {
		rate = float64(abandoned) / float64(live)
	}
	return live, abandoned, rate
}

// Pace returns how many calls to place now.
func (p *Pacer) Pace(s Snapshot) int {
	p.ripen(s.Now)
	n := p.pace(s)
	if p.o.MaxDials > 0 {
		n = min(n, p.o.MaxDials-len(s.Ringing))
	}
	return max(0, n)
}

func (p *Pacer) pace(s Snapshot) int {
	free := s.FreeAgents - s.Waiting
	switch p.o.Mode {
	case Progressive:
		return free - len(s.Ringing)
	case Power:
		return int(math.Ceil(p.o.Ratio*float64(max(0, free)))) - len(s.Ringing)
	case Predictive:
		return p.predict(s)
	}
	return 0
}

// The pacer looks this far ahead, in slices of step.
const (
	step    = time.Second
	horizon = 30
	margin  = 0.95 // aim this share of the cap
	// Live answers before the full share applies: per agent, at most.
	warmUpPerAgent = 10
	warmUpMax      = 1000
	// youngCalls is how many finished calls a campaign needs before ongoing
	// ones stop counting in the handle-time estimate.
	youngCalls = keep
	maxNew     = 1000
	// slackShare is the part of the window's unspent abandonment budget one
	// decision may use.
	slackShare = 0.1
)

// predict finds the largest number of new dials whose expected abandons
// keep the window's abandonment under the cap.
func (p *Pacer) predict(s Snapshot) int {
	if s.FreeAgents+len(s.Busy) == 0 {
		return 0
	}
	// While the campaign has few finished calls, the ongoing ones are
	// counted at risk, or the short calls that ended first would make agents
	// look quicker to free up than they are (no table then: it depends on
	// the moment).
	var busyCens []float64
	youngHandle := len(p.handle.buf) < youngCalls
	if youngHandle {
		busyCens = elapsed(s.Now, s.Busy)
	}
	within := p.o.ConnectWithin.Seconds()
	ansRow := p.answerRow
	// Per slice t (answers by t seconds from now), the mean and variance of
	// answers from ringing dials, and of agents free by t + within.
	// xc[t] and yc[t] are the covariances between slices t−1 and t.
	var xm, xv, xc, ym, yv, yc [horizon + 1]float64
	for _, at := range s.Ringing {
		row := ansRow(s.Now.Sub(at).Seconds())
		for t := 1; t <= horizon; t++ {
			q := row[t]
			xm[t] += q
			xv[t] += q * (1 - q)
			xc[t] += row[t-1] * (1 - q)
		}
	}
	for _, at := range s.Busy {
		e := s.Now.Sub(at).Seconds()
		var row *[horizon + 1]float64
		if youngHandle {
			row = new([horizon + 1]float64)
			for t := 1; t <= horizon; t++ {
				row[t] = p.freeProb(e, float64(t)+within, busyCens)
			}
		} else {
			row = p.freeRow(e)
		}
		for t := 1; t <= horizon; t++ {
			q := row[t]
			ym[t] += q
			yv[t] += q * (1 - q)
			if t > 1 {
				yc[t] += row[t-1] * (1 - q)
			}
		}
	}
	free := float64(s.FreeAgents - s.Waiting)
	pn := ansRow(0) // answer probability of a new dial by t
	// The exact law of the answers from the ringing dials, over the whole
	// horizon: with few agents the normal approximation sees abandons where
	// there cannot be any (fewer possible answers than free agents).
	ringLaw := []float64{1}
	for _, at := range s.Ringing {
		ringLaw = addBernoulli(ringLaw, ansRow(s.Now.Sub(at).Seconds())[horizon])
	}
	live, ab, _ := p.Abandonment(s.Now)
	capShare := p.o.AbandonCap * margin
	// A young campaign's window is short: a few abandons weigh heavily in
	// it, so it starts at half the share (a larger team brings more answers
	// at once, so it stays careful for longer).
	if agents := s.FreeAgents + len(s.Busy); live < min(warmUpMax, warmUpPerAgent*agents) {
		capShare /= 2
	}
	ok := func(k int) bool {
		kf := float64(k)
		// The abandons are the running maximum of answers less agents
		// (an agent who frees up after a caller gave up cannot take that
		// caller back): its mean by Clark's normal approximation of the
		// maximum, slice after slice.
		var mm, mv, mc float64 // running max: mean, variance, cov with D_{t−1}
		var dv float64         // variance of D_{t−1}
		for t := 1; t <= horizon; t++ {
			mean := xm[t] + kf*pn[t] - ym[t] - free
			v := xv[t] + kf*pn[t]*(1-pn[t]) + yv[t]
			c := xc[t] + kf*pn[t-1]*(1-pn[t]) + yc[t] // cov(D_{t−1}, D_t)
			// cov(M_{t−1}, D_t) through D_{t−1}.
			cmd := 0.0
			if dv > 1e-12 {
				cmd = mc * c / dv
			}
			nm, nv, ncov := clarkMax(mm, mv, mean, v, cmd)
			mm, mv, mc, dv = nm, nv, ncov, v
		}
		worst := math.Min(mm, excess(ringLaw, k, pn[horizon], free))
		answers := xm[horizon] + kf*pn[horizon]
		base := capShare * answers
		// What the window has left under the cap is spent slowly, and a
		// window over the cap tightens the next decisions without stopping
		// the campaign (which would never bring the rate down).
		slack := capShare*float64(live) - float64(ab)
		allowed := base + math.Max(-0.9*base, math.Min(base, slack*slackShare))
		return worst <= allowed+1e-9
	}
	// Expected abandons grow with k: search the largest k that is ok
	// (placing none is always allowed).
	lo, hi := 0, 1
	for hi < maxNew && ok(hi) {
		lo, hi = hi, hi*2
	}
	if hi > maxNew {
		hi = maxNew
		if ok(hi) {
			return hi
		}
	}
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if ok(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}

// elapsed returns the sorted seconds since each time.
func elapsed(now time.Time, ts []time.Time) []float64 {
	out := make([]float64, len(ts))
	for i, t := range ts {
		out[i] = now.Sub(t).Seconds()
	}
	slices.Sort(out)
	return out
}

// addBernoulli returns the law of X+B for X with law (P(X=0), P(X=1), ...)
// and B a yes/no outcome with probability q.
func addBernoulli(law []float64, q float64) []float64 {
	out := make([]float64, len(law)+1)
	for x, px := range law {
		out[x] += px * (1 - q)
		out[x+1] += px * q
	}
	return out
}

// excess is E[(X + K − a)⁺] where X has the given law and K counts the
// answers of k new dials, each answered with probability q. It bounds the
// abandons from above when a agents are free now (each answer takes one of
// them or, at worst, is abandoned).
func excess(law []float64, k int, q, a float64) float64 {
	for range k {
		law = addBernoulli(law, q)
	}
	var e float64
	for x, px := range law {
		if d := float64(x) - a; d > 0 {
			e += px * d
		}
	}
	return e
}

// clarkMax approximates max(A, B) of jointly normal A (mean ma, variance
// va) and B (mb, vb) with covariance cab by a normal (Clark, 1961): its
// mean, its variance, and its covariance with B.
func clarkMax(ma, va, mb, vb, cab float64) (mean, variance, covB float64) {
	a2 := va + vb - 2*cab
	if a2 < 1e-12 {
		if ma >= mb {
			return ma, va, cab
		}
		return mb, vb, vb
	}
	a := math.Sqrt(a2)
	alpha := (ma - mb) / a
	pa, pb, d := normCDF(alpha), normCDF(-alpha), normPDF(alpha)
	mean = ma*pa + mb*pb + a*d
	second := (ma*ma+va)*pa + (mb*mb+vb)*pb + (ma+mb)*a*d
	variance = math.Max(0, second-mean*mean)
	covB = cab*pa + vb*pb
	return mean, variance, covB
}

func normCDF(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }
func normPDF(z float64) float64 { return math.Exp(-z*z/2) / math.Sqrt(2*math.Pi) }

// priorWeight and handlePriorWeight are how many dials and calls the
// priors count for.
const (
	priorWeight       = 20
	handlePriorWeight = 50
)

// answerProb is the chance that a dial ringing for r seconds is answered
// live within the next t seconds.
func (p *Pacer) answerProb(r, t float64) float64 {
	// Prior: answers spread evenly over 4..16 s, other endings over 10..26 s.
	pa := p.o.AnswerRate
	priorIn := priorWeight * (pa * uniformIn(r, r+t, 4, 16))
	priorAbove := priorWeight * (pa*uniformAbove(r, 4, 16) + (1-pa)*uniformAbove(r, 10, 26))
	in := float64(p.answered.countIn(r, r+t)) + priorIn
	above := float64(p.ended.countAbove(r)) + priorAbove
	if above <= 0 {
		return 0
	}
	return math.Min(1, in/above)
}

// freeProb is the chance that an agent handling a call for e seconds is
// free within the next t seconds.
func (p *Pacer) freeProb(e, t float64, cens []float64) float64 {
	mean := p.o.HandleTime.Seconds()
	// Prior: lognormal handle time with the configured mean and a CV of
	// 0.5, which frees agents later than an exponential would: the prior
	// leans towards fewer dials, not more.
	const sigma2 = 0.22314355131420976 // ln(1 + 0.5²)
	mu := math.Log(mean) - sigma2/2
	surv := func(x float64) float64 {
		if x <= 0 {
			return 1
		}
		return normCDF(-(math.Log(x) - mu) / math.Sqrt(sigma2))
	}
	priorIn := handlePriorWeight * (surv(e) - surv(e+t))
	priorAbove := handlePriorWeight * surv(e)
	in := float64(p.handle.sorted.countIn(e, e+t)) + priorIn
	above := float64(p.handle.sorted.countAbove(e)+censoredAbove(cens, e)) + priorAbove
	if above <= 1e-9 {
		return 1 - math.Exp(-t/mean)
	}
	return math.Min(1, in/above)
}

// censoredAbove counts the sorted ongoing durations above x.
func censoredAbove(sorted []float64, x float64) int {
	if len(sorted) == 0 {
		return 0
	}
	i, _ := slices.BinarySearch(sorted, math.Nextafter(x, math.Inf(1)))
	return len(sorted) - i
}

// uniformIn is P(lo' < U ≤ hi') for U uniform on [a, b].
func uniformIn(lo, hi, a, b float64) float64 {
	lo, hi = math.Max(lo, a), math.Min(hi, b)
	if hi <= lo {
		return 0
	}
	return (hi - lo) / (b - a)
}

// uniformAbove is P(U > x) for U uniform on [a, b].
func uniformAbove(x, a, b float64) float64 {
	switch {
	case x <= a:
		return 1
	case x >= b:
		return 0
	}
	return (b - x) / (b - a)
}
