package dialer

import (
	"math"
	"slices"
	"time"
)

// The pacer looks horizon seconds ahead, second by second.
const (
	horizon = 30
	// youngCalls is how many finished calls a campaign needs before ongoing
	// ones stop counting in the talk-time estimate.
	youngCalls = 600
	maxNew     = 1000
	// The budget is planned over the next budgetAhead, keeping budgetSafety
	// standard deviations of that period's abandons in hand; the share
	// moves by a factor e per budgetStep standard deviations of credit off
	// the safety, or per budgetStepMax abandons if fewer.
	budgetAhead   = 30 * time.Minute
	budgetSafety  = 3
	budgetStep    = 4
	budgetStepMax = 18
	// The bias term moves by biasRate per live answer per standard
	// deviation of credit off the safety, within ±biasMax.
	biasRate = 0.0004
	biasMax  = 5
)

// forecast is what the next horizon seconds hold, per second t from now:
// the mean and variance of the answers by t from the dials ringing (x), of
// the agents free by t + ConnectWithin (y), and their covariances between
// t−1 and t (xc, yc).
type forecast struct {
	xm, xv, xc, ym, yv, yc row
	busy                   row       // the part of ym from agents talking
	free                   float64   // agents free now, less the callers waiting
	pn                     *row      // answer chance of a new dial by t
	law                    []float64 // exact law of the ringing dials' answers by the horizon
	ring                   []float64 // each ringing dial's answer chance by the horizon
	rung                   []float64 // each ringing dial's seconds since it was placed
	now                    time.Time
}

func (p *Pacer) forecast(s Snapshot) *forecast {
	f := &forecast{free: float64(s.FreeAgents - s.Waiting), pn: p.answerRow(0), now: s.Now, rung: elapsedAll(s.Now, s.Ringing)}
	for _, e := range f.rung {
		r := p.answerRow(e)
		for t := 1; t <= horizon; t++ {
			q := r[t]
			f.xm[t] += q
			f.xv[t] += q * (1 - q)
			f.xc[t] += r[t-1] * (1 - q)
		}
	}
	// While the campaign has few finished calls, the ongoing ones are
	// counted at risk, or the short calls that ended first would make
	// agents look quicker to free up than they are.
	var cens []float64
	if len(p.talk.buf) < youngCalls {
		cens = elapsed(s.Now, s.Busy)
	}
	for _, at := range s.Busy {
		e := s.Now.Sub(at).Seconds()
		r := p.freeRow(e)
		qs := &r.q
		if cens != nil {
			qs = new(row)
			den := r.den + float64(sorted(cens).countAbove(e))
			for t := 1; t <= horizon; t++ {
				qs[t] = math.Min(1, r.num[t]/den)
			}
		}
		prev := 0.0
		for t := 1; t <= horizon; t++ {
			q := qs[t]
			f.ym[t] += q
			f.busy[t] += q
			f.yv[t] += q * (1 - q)
			f.yc[t] += prev * (1 - q)
			prev = q
		}
	}
	// An agent in wrap-up is free when it ends, for sure.
	within := p.o.ConnectWithin.Seconds()
	for _, end := range s.WrapEnds {
		from := max(1, int(math.Ceil(end.Sub(s.Now).Seconds()-within)))
		for t := from; t <= horizon; t++ {
			f.ym[t]++
		}
	}
	// The exact law of the answers from the ringing dials, over the whole
	// horizon: with few agents the normal approximation sees abandons where
	// there cannot be any (fewer possible answers than free agents).
	f.ring = make([]float64, len(f.rung))
	for i, e := range f.rung {
		f.ring[i] = p.answerRow(e)[horizon]
	}
	f.law = ringLaw(f.ring, 1)
	return f
}

// abandons is the expected number of abandons with k new dials, when law
// is the exact law of all answers (ringing and new) by the horizon.
//
// The abandons are the running maximum of answers less agents (an agent
// who frees up after a caller gave up cannot take that caller back): its
// mean by Clark's normal approximation of the maximum, second after
// second, capped by the exact excess of answers over the agents free now.
func (f *forecast) abandons(k int, law []float64) float64 {
	kf, pn := float64(k), f.pn
	var mm, mv, mc float64 // running max: mean, variance, cov with D_{t−1}
	var dv float64         // variance of D_{t−1}
	for t := 1; t <= horizon; t++ {
		mean := f.xm[t] + kf*pn[t] - f.ym[t] - f.free
		v := f.xv[t] + kf*pn[t]*(1-pn[t]) + f.yv[t]
		c := f.xc[t] + kf*pn[t-1]*(1-pn[t]) + f.yc[t] // cov(D_{t−1}, D_t)
		// cov(M_{t−1}, D_t) through D_{t−1}.
		cmd := 0.0
		if dv > 1e-12 {
			cmd = mc * c / dv
		}
		mm, mv, mc = clarkMax(mm, mv, mean, v, cmd)
		dv = v
	}
	var ex float64
	for x, px := range law {
		if d := float64(x) - f.free; d > 0 {
			ex += px * d
		}
	}
	return math.Min(mm, ex)
}

// budgetShare is the share of the coming answers the next dials may
// expect to abandon. The window's credit (its cap times its live answers,
// less its abandons) is held near a safety of budgetSafety standard
// deviations of the abandons of the next budgetAhead: with more credit the
// share grows, with less it shrinks, exponentially in the difference. It
// moves gently (budgetStep): each abandon moves the credit by a part of a
// standard deviation (a fifth at 50 agents), and a share that jumps with
// every abandon dials unevenly, which costs talk time for the same
// abandons; but not so gently that in a large team, where an abandon is a
// small part of a standard deviation, it barely follows (budgetStepMax);
// and not while the window's answers have not yet earned the safety. The
// forecast of abandons is biased (it cannot see the dials the next
// decisions add), so a slow term, that difference summed over the live
// answers, learns the bias: the credit then sits at the safety whatever
// the bias, and the realized rate under the cap. Counting answers rather
// than time, a small team, whose few answers say little, learns slowly. A
// window over its cap gets a small share, not none (stopping the campaign would never bring its rate down).
// earned tells whether the window's answers have earned the safety.
func (p *Pacer) budgetShare(now time.Time, agents int) (share float64, earned bool) {
	live, ab, _ := p.Abandonment(now)
	handle := p.wrap + p.talkMean()
	if n := len(p.talk.buf); n > 0 {
		var sum float64
		for _, x := range p.talk.buf {
			sum += x
		}
		handle = p.wrap + sum/float64(n)
	}
	c := p.o.AbandonCap
	sd := math.Max(1, math.Sqrt(c*float64(agents)*budgetAhead.Seconds()/handle))
	credit := c*float64(live) - float64(ab)
	gap := (credit - budgetSafety*sd) / sd
	if n := live - p.learnedAt; n > 0 {
		p.bias = math.Max(-biasMax, math.Min(biasMax, p.bias+float64(min(n, 20))*biasRate*gap))
	}
	p.learnedAt = live
	step := math.Min(budgetStep, budgetStepMax/sd)
	earned = c*float64(live) >= budgetSafety*sd
	if !earned {
		// A young window, whose answers have not yet earned the safety:
		// its room is a few abandons, and the room check alone let a
		// burst through at the start of 1 in 70 campaigns of 50 agents.
		step = 1
	}
	return c * math.Min(4, math.Max(0.1, math.Exp(gap/step+p.bias))), earned
}

// predict finds the largest number of new dials whose expected abandons
// keep the window's abandonment under the cap.
func (p *Pacer) predict(s Snapshot) int {
	agents := s.FreeAgents + len(s.Busy) + len(s.WrapEnds)
	if agents == 0 {
		return 0
	}
	share, earned := p.budgetShare(s.Now, agents)
	// A caller already waiting has less than ConnectWithin left, and when
	// it began is not known: unless an agent is free now, it is counted as
	// abandoned, and the room must hold it first.
	room := p.roomLeft(s, !earned)
	if room == 0 {
		// One call per free agent, whatever the answer chances say: the
		// dials in flight could all answer.
		return s.FreeAgents - s.Waiting - len(s.Ringing)
	}
	f := p.forecast(s)
	g := p.doubtful(f, room)
	// While the campaign has few recent talks its estimates are least sure
	// and its room smallest: the room is then also checked against the
	// normal tail of the answers less the agents, since abandons come in
	// bursts that a Poisson count of the same mean makes too rare; and,
	// until the window's answers have earned the safety (the room is then a
	// few abandons), against the heavier tail of a burst (see burst). A
	// seasoned campaign whose room is down to smallRoom is checked against
	// the normal tail too.
	young := len(p.talk.buf) < keep
	tail := young || room <= smallRoom
	ok := func(k int, law, glaw []float64) bool {
		ab := f.abandons(k, law)
		return ab <= share*(f.xm[horizon]+float64(k)*f.pn[horizon])+1e-9 &&
			withinRoom(g.abandons(k, glaw), room, young) &&
			(!tail || g.beyond(k, glaw, room) <= youngRisk) &&
			(!young || earned || g.burst(k, glaw, room) <= burstRisk)
	}
	// Expected abandons grow with k: count up while they stay allowed
	// (placing none is always allowed); most moments place none or one.
	law, glaw := f.law, g.law
	for k := 1; k <= maxNew; k++ {
		law = addBernoulli(law, f.pn[horizon])
		glaw = addBernoulli(glaw, g.pn[horizon])
		if !ok(k, law, glaw) {
			return k - 1
		}
	}
	return maxNew
}

// smallRoom is the room, in abandons, at or under which a seasoned
// campaign's dials are also checked against the normal tail of the
// answers less the agents (see beyond). Abandons are far from independent:
// when talks that were due to end go on, every answer finds no agent, and
// a Poisson count of the mean abandons makes that too rare. A 50-agent day
// (seed 60) went to 3.01 % in its eighth hour so: with room for three, five
// abandons came within 19 seconds.
const smallRoom = 3

// doubtSD is how many standard deviations of the estimates' own error the
// room allows for.
const doubtSD = 3

// doubtful returns the forecast the room is checked against. The answer
// rate and the talk times are estimated from the campaign's recent calls,
// and while those are few their error moves every dial and every agent the
// same way, which the forecast's spread (independent dials and agents)
// does not hold: so the answers are raised to an upper bound of the answer
// rate (see answerDoubt), and the agents a talk frees lowered by doubtSD
// standard errors of the talk times. A young campaign
// counts on no agent finishing a talk; one with 2000 recent talks gives up
// a fifteenth of them.
func (p *Pacer) doubtful(f *forecast, room int) *forecast {
	g := *f
	talks := float64(len(p.talk.buf))
	less := math.Min(1, doubtSD/math.Sqrt(1+talks))
	more := p.answerDoubt(f, room)
	pn := *f.pn
	g.pn = &pn
	for t := range g.ym {
		g.ym[t] -= less * f.busy[t]
		g.xm[t] *= more
		pn[t] = math.Min(1, pn[t]*more)
	}
	// The exact law caps the abandons (see abandons), so it is doubted
	// too: from the forecast's, a doubt of the answer rate could never
	// raise the abandons above what the estimate alone allows.
	g.law = ringLaw(f.ring, more)
	return &g
}

// answerDoubt is the factor the doubtful forecast raises the answer
// chances by, to the lower of two upper bounds of the answer rate, each
// doubtSD standard errors high: Wilson's score bound, which still doubts
// when every dial so far has answered (or none has). One bound is from the
// ripe outcomes; the other, known a minute and a half sooner, from every
// dial placed since the oldest of them, the ones that have not ripened
// counted as they ended and those still ringing counted as answers (no
// bias from quick answers can then make the rate look lower than it is):
// a campaign learns from its first wave of dials that its leads do not all
// answer, and dials less timidly from then on. Until its first outcomes
// ripen, a campaign with room for cohortRoom abandons or more also takes a
// third bound, from its dials placed cohortAge ago or more (those still
// ringing counted as answers): the second bound counts every dial of the
// wave still ringing as an answer, and so stays near 1 until the whole
// wave has rung out, while the agents wait.
func (p *Pacer) answerDoubt(f *forecast, room int) float64 {
	live, n := len(p.answered), len(p.ended)
	upper := wilsonUpper(live, n)
	for _, o := range p.unripe {
		n++
		if o.live {
			live++
		}
	}
	live += len(f.ring)
	n += len(f.ring)
	upper = math.Min(upper, wilsonUpper(live, n))
	if len(p.ended) == 0 && room >= cohortRoom {
		upper = math.Min(upper, p.cohortUpper(f))
	}
	if upper >= 1 {
		// Every dial may answer, those that have rung long too, which the
		// estimate's law of ring times finds unlikely to: raising their
		// chances by the ratio of the rates would not make them sure.
		return everyAnswers
	}
	return math.Max(1, upper/math.Max(1e-9, f.pn[horizon]))
}

// cohortAge is how long ago a dial must have been placed to count in the
// bound of the first wave (see answerDoubt): past the time most answers
// come in, so that its answers are mostly in and its no-answers mostly out.
// cohortRoom is the least room it is taken with. 200 agents start with
// room for 6 abandons, and their first wave so fills them 20 s sooner
// (first day: 52.485 → 52.501 talk minutes per agent-hour, 16 seeds, the
// worst moment 2.984 %). 50 agents, with room for 1 to 3 in those
// seconds, gained nothing from it and one day of 64 took another course
// that reached 3.02 % at minute 38.
const (
	cohortAge  = 20
	cohortRoom = 4
)

// cohortUpper is Wilson's score bound of the answer rate of the dials
// placed cohortAge seconds ago or more, those still ringing counted as
// answers: 1 while there are none.
func (p *Pacer) cohortUpper(f *forecast) float64 {
	live, n := 0, 0
	for _, o := range p.unripe {
		if f.now.Sub(o.placed).Seconds() >= cohortAge {
			n++
			if o.live {
				live++
			}
		}
	}
	for _, e := range f.rung {
		if e >= cohortAge {
			n++
			live++
		}
	}
	return wilsonUpper(live, n)
}

// everyAnswers raises any chance of an answer above 0 to 1.
const everyAnswers = 1e12

// wilsonUpper is Wilson's score bound, doubtSD standard errors above the
// share of yes among n outcomes: 1 with none.
func wilsonUpper(yes, n int) float64 {
	if n == 0 {
		return 1
	}
	nf, z2 := float64(n), float64(doubtSD*doubtSD)
	ph := float64(yes) / nf
	return math.Min(1, (ph+z2/(2*nf)+doubtSD*math.Sqrt(ph*(1-ph)/nf+z2/(4*nf*nf)))/(1+z2/nf))
}

// ringLaw is the exact law of the answers by the horizon of dials with
// answer chances ring, each raised by the factor more (at most to 1).
func ringLaw(ring []float64, more float64) []float64 {
	law := make([]float64, 1, len(ring)+16)
	law[0] = 1
	for _, q := range ring {
		law = addBernoulli(law, math.Min(1, q*more))
	}
	return law
}

// room is how many more abandons the window can take at any moment: the
// most n with abandoned + n ≤ cap × (live + n), each abandon being a live
// answer too. It counts the window's abandons, but only the live answers
// that stay in the window for the next hour (whole hours, so that answers
// about to leave a 24-hour window lend no credit they will take back).
func (p *Pacer) room(now time.Time) int { return p.roomWith(now, 0) }

// roomWith is room with ahead more live answers counted: answers sure to
// reach an agent before any abandon can happen (see roomLeft).
func (p *Pacer) roomWith(now time.Time, ahead int) int {
	c := p.o.AbandonCap
	from := now.Add(-p.o.Window).Unix() / 3600 // its bucket may hold older answers
	stay := from + 2                           // hours whose answers stay an hour longer
	live, abandoned := ahead, 0
	for _, b := range p.buckets {
		if b.hour >= from {
			abandoned += b.abandoned
		}
		if b.hour >= stay {
			live += b.live
		}
	}
	return max(0, int(math.Floor((c*float64(live)-float64(abandoned))/(1-c)+1e-9)))
}

// roomLeft is the room less the answered calls already waiting with no
// agent free: their seconds may be used up, so they take the room first.
//
// With ahead, the agents free now (less the callers waiting) count as live
// answers to come: no answer can be abandoned while one of them is free, so
// by the first abandon each has taken an answer, and those answers are in
// the window. A new campaign of 50 agents so has room for one abandon from
// its first second, not after 33 answers, and dials ahead sooner (its first
// quarter hour: 45.9 → 46.5 talk minutes per agent-hour, seeds 1000-1511).
// Only a young window takes it (predict's !earned): there the tail checks
// always run; a seasoned one whose room it raised past smallRoom would skip
// them, and a 10-agent day (seed 13) so went to 3.03 % in its fifth hour.
func (p *Pacer) roomLeft(s Snapshot, ahead bool) int {
	n := 0
	if ahead {
		n = max(0, s.FreeAgents-s.Waiting)
	}
	return max(0, p.roomWith(s.Now, n)-max(0, s.Waiting-s.FreeAgents))
}

// roomRisk and youngRisk are the highest chances the abandons of the next
// seconds may have of outgrowing the room, once the campaign has keep
// recent talks and before. They are small because they are taken at every
// decision, tens of thousands a day; a young campaign's room is small and
// its estimates least sure.
const (
	roomRisk  = 2e-5
	youngRisk = 1e-5
	// burstRisk is against a tail that is not too light (see burst). At
	// 1e-3, 2 of 3000 starts of 50 agents (seeds 2000-4999, 15 minutes)
	// met a burst that took the rate over the cap for seconds (3.56 % at
	// minute 11, 3.45 %); at 1e-4 none did (at most 2.48 %), for 0.8 talk
	// minutes per agent-hour less in those 15 minutes.
	burstRisk = 1e-4
)

// withinRoom tells whether abandons whose count has mean ab fit in room:
// none at all when there is no room, else a Poisson count over room with a
// chance of at most roomRisk (youngRisk for a young campaign).
func withinRoom(ab float64, room int, young bool) bool {
	if room == 0 || ab <= 1e-12 {
		return ab <= 1e-12
	}
	if float64(room) > ab+12*math.Sqrt(ab)+12 {
		return true
	}
	// P(N ≤ room) for N ~ Poisson(ab).
	term := math.Exp(-ab)
	sum := term
	for j := 1; j <= room; j++ {
		term *= ab / float64(j)
		sum += term
	}
	risk := roomRisk
	if young {
		risk = youngRisk
	}
	return 1-sum <= risk
}

// elapsed returns the sorted seconds since each time.
func elapsed(now time.Time, ts []time.Time) []float64 {
	out := elapsedAll(now, ts)
	slices.Sort(out)
	return out
}

// elapsedAll returns the seconds since each time, in their order.
func elapsedAll(now time.Time, ts []time.Time) []float64 {
	out := make([]float64, len(ts))
	for i, t := range ts {
		out[i] = now.Sub(t).Seconds()
	}
	return out
}

// addBernoulli returns the law of X+B for X with law (P(X=0), P(X=1), ...)
// and B a yes/no outcome with probability q.
// It reuses law's array.
func addBernoulli(law []float64, q float64) []float64 {
	law = append(law, 0)
	for x := len(law) - 1; x > 0; x-- {
		law[x] = law[x]*(1-q) + law[x-1]*q
	}
	law[0] *= 1 - q
	return law
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

// beyond is the chance that the abandons with k new dials outgrow room:
// the normal tail of the answers less the agents at the worst second, at
// most the exact chance that the answers outnumber the agents free now by
// more than room.
func (f *forecast) beyond(k int, law []float64, room int) float64 {
	kf, pn := float64(k), f.pn
	r := float64(room) + 0.5
	worst := 0.0
	for t := 1; t <= horizon; t++ {
		mean := f.xm[t] + kf*pn[t] - f.ym[t] - f.free
		v := f.xv[t] + kf*pn[t]*(1-pn[t]) + f.yv[t]
		switch {
		case v > 1e-12:
			worst = math.Max(worst, normCDF((mean-r)/math.Sqrt(v)))
		case mean > r:
			worst = 1
		}
	}
	return math.Min(worst, f.outnumber(law, room))
}

// outnumber is the exact chance that the answers by the horizon, of law
// law, outnumber the agents free now by more than room.
func (f *forecast) outnumber(law []float64, room int) float64 {
	var ex float64
	for x, px := range law {
		if float64(x)-f.free > float64(room) {
			ex += px
		}
	}
	return ex
}

// burst is the chance, at the worst second, that the answers with k new
// dials (of law law by the horizon) outnumber the agents by more than
// room, from tails that are not too light, at most the exact chance that
// they outnumber the agents free now by more than room. The answers by a second are a sum of unlikely yes/no
// outcomes, whose upper tail is far heavier than a normal's of the same
// spread: nine answers where the doubtful forecast expected 2.6, with five
// agents free and none due, are 4.7 of its standard deviations off (a
// chance of 1 in a million) and one in a thousand; a campaign met them in
// its fifth minute with room for three abandons. So the answers are taken
// as a Poisson count of their mean, at least as heavy-tailed as they are,
// and the agents' shortfall from their mean (from talks that do not end)
// as another of its variance, added to it.
func (f *forecast) burst(k int, law []float64, room int) float64 {
	kf, pn := float64(k), f.pn
	worst := 0.0
	for t := 1; t <= horizon; t++ {
		// answers − agents > room + 0.5 ⇔ answers + (yv − agents + ym +
		// free) > ym + free + yv + room + 0.5.
		at := int(math.Floor(f.ym[t]+f.free+f.yv[t]+float64(room)+0.5)) + 1
		worst = math.Max(worst, poissonAtLeast(f.xm[t]+kf*pn[t]+f.yv[t], at))
	}
	return math.Min(worst, f.outnumber(law, room))
}

// poissonAtLeast is P(N ≥ n) for N Poisson of the given mean.
func poissonAtLeast(mean float64, n int) float64 {
	switch {
	case n <= 0:
		return 1
	case mean <= 0:
		return 0
	case float64(n) <= mean:
		// A tail of about a half or more: one less its complement.
		term := math.Exp(-mean)
		cdf := term
		for j := 1; j < n; j++ {
			term *= mean / float64(j)
			cdf += term
		}
		return math.Max(0, 1-cdf)
	}
	lg, _ := math.Lgamma(float64(n) + 1)
	term := math.Exp(-mean + float64(n)*math.Log(mean) - lg)
	sum := term
	for j := n + 1; term > 1e-17*sum; j++ {
		term *= mean / float64(j)
		sum += term
	}
	return math.Min(1, sum)
}
