package dialer

import (
	"math"
	"slices"
)

// keep is how many recent samples the estimates use: enough that the
// chance of an answer in each second of ringing, and the talks' long tail,
// are not noise.
const keep = 2000

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
	return s.countAbove(lo) - s.countAbove(hi)
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

// The estimates are tabled per whole second and rebuilt after every
// refreshEvery new samples.
const (
	refreshEvery = 25
	maxRing      = 120  // ring times tabled; a dial ringing longer uses the last row
	maxTalk      = 3600 // talk times tabled, in seconds
)

// row is a chance per second from now, 0..horizon.
type row [horizon + 1]float64

// tables hold answer and free-up chances: ans[r][t] is answerProb(r, t),
// free[e][t] that of an agent talking for e seconds being free by
// t + ConnectWithin (built on demand).
type tables struct {
	fresh int
	ans   []row
	free  []*talkRow
}

func (t *tables) touch() {
	t.fresh++
	if t.fresh >= refreshEvery {
		t.ans, t.free, t.fresh = nil, nil, 0
	}
}

func (p *Pacer) answerRow(r float64) *row {
	if p.tab.ans == nil {
		p.tab.ans = make([]row, maxRing+1)
		for ri := range p.tab.ans {
			for t := 1; t <= horizon; t++ {
				p.tab.ans[ri][t] = p.answerProb(float64(ri), float64(t))
			}
		}
	}
	return &p.tab.ans[min(maxRing, max(0, int(r)))]
}

// talkRow tables, for an agent talking for e seconds, the chance to be
// free by each second from now plus ConnectWithin (the talk must end and
// the wrap-up pass) as num[t] / (den + the talks still going past e, when
// those count; see predict).
type talkRow struct {
	num, q row // q = num / den
	den    float64
}

func (p *Pacer) freeRow(e float64) *talkRow {
	i := min(maxTalk, max(0, int(e)))
	if i < len(p.tab.free) && p.tab.free[i] != nil {
		return p.tab.free[i]
	}
	r := &talkRow{den: p.talkAbove(float64(i))}
	lead := p.o.ConnectWithin.Seconds() - p.wrap
	unseen := r.den < 1e-9 // longer than anything seen or expected
	for t := 1; t <= horizon; t++ {
		d := float64(t) + lead
		switch {
		case d <= 0:
		case unseen:
			r.num[t] = 1 - math.Exp(-d/p.talkMean())
		default:
			r.num[t] = p.talkEndsIn(float64(i), d)
		}
	}
	if unseen {
		r.den = 1
	}
	for t := range r.q {
		r.q[t] = math.Min(1, r.num[t]/r.den)
	}
	if i >= len(p.tab.free) {
		p.tab.free = append(p.tab.free, make([]*talkRow, i+1-len(p.tab.free))...)
	}
	p.tab.free[i] = r
	return r
}

// priorWeight and talkPriorWeight are how many dials and calls the priors
// count for.
const (
	priorWeight     = 20
	talkPriorWeight = 50
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

// talkEndsIn and talkAbove weigh the talks that ended within d seconds
// after e, and those that lasted longer than e: the recent talks and a
// prior. Their ratio is the chance that a talk going on for e seconds ends
// within the next d.
//
// The prior is a lognormal talk with the configured mean and a CV of 1: a
// long tail, so that an agent long on a call is not taken to be about to
// finish.
func (p *Pacer) talkEndsIn(e, d float64) float64 {
	return float64(p.talk.sorted.countIn(e, e+d)) + talkPriorWeight*(p.talkPriorSurv(e)-p.talkPriorSurv(e+d))
}

func (p *Pacer) talkAbove(e float64) float64 {
	return float64(p.talk.sorted.countAbove(e)) + talkPriorWeight*p.talkPriorSurv(e)
}

func (p *Pacer) talkPriorSurv(x float64) float64 {
	if x <= 0 {
		return 1
	}
	mean := p.talkMean()
	const sigma2 = 0.6931471805599453 // ln(1 + 1²)
	mu := math.Log(mean) - sigma2/2
	return normCDF(-(math.Log(x) - mu) / math.Sqrt(sigma2))
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

func (p *Pacer) talkMean() float64 {
	return math.Max(1, p.o.HandleTime.Seconds()-p.o.WrapUp.Seconds())
}
