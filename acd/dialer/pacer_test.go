package dialer

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func ago(now time.Time, secs ...float64) []time.Time {
	out := make([]time.Time, len(secs))
	for i, s := range secs {
		out[i] = now.Add(-time.Duration(s * float64(time.Second)))
	}
	return out
}

func newPacer(t *testing.T, m Mode) *Pacer {
	t.Helper()
	p, err := NewPacer(DefaultOptions(m))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFixedModes(t *testing.T) {
	now := t0
	for _, tc := range []struct {
		name string
		mode Mode
		s    Snapshot
		want int
	}{
		{"preview places none", Preview, Snapshot{Now: now, FreeAgents: 5}, 0},
		{"progressive: one per free agent", Progressive, Snapshot{Now: now, FreeAgents: 3}, 3},
		{"progressive counts dials in flight", Progressive, Snapshot{Now: now, FreeAgents: 3, Ringing: ago(now, 1, 2)}, 1},
		{"progressive: answered calls waiting take agents", Progressive, Snapshot{Now: now, FreeAgents: 3, Waiting: 2}, 1},
		{"progressive never negative", Progressive, Snapshot{Now: now, FreeAgents: 1, Ringing: ago(now, 1, 2, 3)}, 0},
		{"power with no room for an abandon: one per free agent", Power, Snapshot{Now: now, FreeAgents: 3}, 3},
		{"power with no room counts dials in flight", Power, Snapshot{Now: now, FreeAgents: 2, Ringing: ago(now, 1)}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := newPacer(t, tc.mode).Pace(tc.s); got != tc.want {
				t.Fatalf("Pace = %d, want %d", got, tc.want)
			}
		})
	}
}

// connectAll records n live answers connected in time, one a second from
// at; it returns when the last was.
func connectAll(p *Pacer, at time.Time, n int) time.Time {
	for range n {
		at = at.Add(time.Second)
		p.Connected(at, false)
	}
	return at
}

func TestPredictive(t *testing.T) {
	now := t0.Add(time.Hour)
	p := newPacer(t, Predictive)
	connectAll(p, t0, 1000) // credit: room for abandons
	if got := p.Pace(Snapshot{Now: now}); got != 0 {
		t.Fatalf("no agents: %d dials", got)
	}
	// One free agent and nothing ringing: one dial cannot be abandoned.
	if got := p.Pace(Snapshot{Now: now, FreeAgents: 1, Busy: ago(now, 5, 5, 5)}); got < 1 {
		t.Fatalf("one free agent, nothing ringing: %d dials", got)
	}
	// Every agent just started a call: no one frees up within the horizon
	// (wrap-up alone outlasts a ring), so any answer would be abandoned.
	if got := p.Pace(Snapshot{Now: now, Busy: ago(now, 0, 0, 0, 0, 0)}); got != 0 {
		t.Fatalf("all agents just busy: %d dials", got)
	}
	// Ten free agents: more than one dial per agent (answer rate 0.3), but
	// not so many that the answers outnumber them.
	got := p.Pace(Snapshot{Now: now, FreeAgents: 10})
	if got <= 10 || got > 34 {
		t.Fatalf("ten free agents: %d dials, want 11..34", got)
	}
	// Dials already ringing count against the next ones.
	withRinging := p.Pace(Snapshot{Now: now, FreeAgents: 10, Ringing: ago(now, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1)})
	if withRinging >= got {
		t.Fatalf("ten ringing dials did not lower the dials: %d then %d", got, withRinging)
	}
	// MaxDials bounds calls in flight.
	o := DefaultOptions(Predictive)
	o.MaxDials = 4
	lp, _ := NewPacer(o)
	if got := lp.Pace(Snapshot{Now: now, FreeAgents: 10, Ringing: ago(now, 1)}); got != 3 {
		t.Fatalf("max dials 4 with one ringing: %d", got)
	}
}

// A window already over its cap must dial less than a clean one in the
// same moment, and never stop altogether (or the rate never comes down).
func TestPredictiveRespectsWindow(t *testing.T) {
	now := t0.Add(2 * time.Hour)
	snap := Snapshot{Now: now, FreeAgents: 20, Busy: ago(now, 10, 40, 80, 120, 160, 200, 30, 60, 90, 150)}
	clean := newPacer(t, Predictive)
	over := newPacer(t, Predictive)
	for i := range 1000 {
		clean.Connected(t0.Add(time.Duration(i)*time.Second), false)
		over.Connected(t0.Add(time.Duration(i)*time.Second), i%10 == 0) // 10 % abandoned
	}
	if _, _, r := over.Abandonment(now); r < 0.099 || r > 0.101 {
		t.Fatalf("abandonment %.3f, want 0.100", r)
	}
	c, o := clean.Pace(snap), over.Pace(snap)
	if o >= c {
		t.Fatalf("over the cap: %d dials, clean window: %d", o, c)
	}
	if o == 0 {
		t.Fatal("over the cap: the pacer stopped dialing")
	}
	// Outside the window the old abandons no longer count.
	o2 := DefaultOptions(Predictive)
	o2.Window = time.Hour
	short, _ := NewPacer(o2)
	for i := range 1000 {
		short.Connected(t0.Add(time.Duration(i)*time.Second), i%10 == 0)
	}
	if live, _, _ := short.Abandonment(t0.Add(3 * time.Hour)); live != 0 {
		t.Fatalf("answers from 3 h ago still in a 1 h window: %d", live)
	}
}

// Outcomes of young dials wait until they are ripe: a burst of quick answers
// must not raise the answer estimate before the slow endings are in.
func TestRingOutcomesRipen(t *testing.T) {
	p := newPacer(t, Predictive)
	before := p.answerProb(0, 30)
	for i := range 100 {
		p.DialEnded(t0, t0.Add(time.Duration(5+i%5)*time.Second), true)
	}
	if got := p.answerProb(0, 30); got != before {
		t.Fatalf("unripe answers moved the estimate from %.3f to %.3f", before, got)
	}
	p.Pace(Snapshot{Now: t0.Add(2 * time.Minute)})
	if got := p.answerProb(0, 30); got <= before {
		t.Fatalf("ripe answers did not move the estimate (%.3f)", got)
	}
}

func TestOptionsValidate(t *testing.T) {
	for _, mut := range []func(*Options){
		func(o *Options) { o.Mode = 0 },
		func(o *Options) { o.Mode = Power; o.Ratio = 0.5 },
		func(o *Options) { o.AbandonCap = 0 },
		func(o *Options) { o.AbandonCap = 1.5 },
		func(o *Options) { o.Window = time.Minute },
		func(o *Options) { o.ConnectWithin = 0 },
		func(o *Options) { o.AnswerRate = 0 },
		func(o *Options) { o.HandleTime = -time.Second },
		func(o *Options) { o.MaxDials = -1 },
	} {
		o := DefaultOptions(Predictive)
		mut(&o)
		if _, err := NewPacer(o); !errors.Is(err, ErrBadOptions) {
			t.Errorf("%+v accepted: %v", o, err)
		}
	}
	if _, err := ParseMode("PREDICTIVE"); err != nil {
		t.Error(err)
	}
	if _, err := ParseMode("turbo"); err == nil {
		t.Error("mode turbo accepted")
	}
}

func TestClarkMax(t *testing.T) {
	// max of two independent standard normals: mean 1/√π.
	m, v, _ := clarkMax(0, 1, 0, 1, 0)
	if d := m - 0.5641895835; d > 1e-9 || d < -1e-9 {
		t.Fatalf("mean %.10f", m)
	}
	if d := v - (1 - 1/3.141592653589793); d > 1e-9 || d < -1e-9 {
		t.Fatalf("variance %.10f", v)
	}
	// A far larger A is A.
	if m, _, _ := clarkMax(100, 1, 0, 1, 0); m < 99.999 || m > 100.001 {
		t.Fatalf("max(100, 0) = %v", m)
	}
}

// Agents in wrap-up are free when it ends: one ending before the answer of a
// new dial makes room for dials, one ending beyond the horizon does not.
func TestPredictiveWrapUp(t *testing.T) {
	now := t0.Add(time.Hour)
	withCredit := func() *Pacer {
		p := newPacer(t, Predictive)
		for i := range 1000 {
			p.Connected(t0.Add(time.Duration(i)*time.Second), false)
		}
		return p
	}
	soon := withCredit().Pace(Snapshot{Now: now, WrapEnds: []time.Time{now.Add(3 * time.Second), now.Add(4 * time.Second)}})
	if soon < 1 {
		t.Fatalf("two agents free in 3-4 s: %d dials", soon)
	}
	if late := withCredit().Pace(Snapshot{Now: now, WrapEnds: []time.Time{now.Add(time.Minute), now.Add(time.Minute)}}); late != 0 {
		t.Fatalf("two agents free in a minute: %d dials", late)
	}
	// A talking agent frees up only after its wrap-up: with a wrap-up
	// learned longer than the horizon, no talk ends soon enough.
	p := newPacer(t, Predictive)
	for range 100 {
		p.Handled(10*time.Second, 40*time.Second)
	}
	if got := p.Pace(Snapshot{Now: now, Busy: ago(now, 9, 9, 9, 9, 9, 9)}); got != 0 {
		t.Fatalf("talks ending soon, wrap-up 40 s: %d dials", got)
	}
}

// A batch of dials placed at one moment ends answers first (they ring
// 4-16 s, no-answers 10-26 s). Kept in part, it would leave the answers out
// of the estimate: the estimate keeps whole placements.
func TestRipeBatchLargerThanKept(t *testing.T) {
	p := newPacer(t, Predictive)
	for i := range 2 * keep {
		live := i%10 < 3
		ring := 10 + float64(i%17)
		if live {
			ring = 4 + float64(i%13)
		}
		p.DialEnded(t0, t0.Add(time.Duration(ring*float64(time.Second))), live)
	}
	p.Pace(Snapshot{Now: t0.Add(2 * time.Minute)})
	if got := p.answerProb(0, 30); got < 0.28 || got > 0.32 {
		t.Fatalf("answer rate estimated at %.3f from a batch of %d with 30%% answered", got, 2*keep)
	}
}

// The cap under bursts: a burst of abandons spends the window's credit and
// the next decisions dial less at once; answers connected in time bring the
// credit, and the dials, back.
func TestPredictiveBudgetAfterBurst(t *testing.T) {
	p := newPacer(t, Predictive)
	at := t0
	dialed(p, 300, at)
	connect := func(n int, abandoned bool) {
		for range n {
			at = at.Add(time.Second)
			p.Connected(at, abandoned)
		}
	}
	snap := func() Snapshot {
		return Snapshot{Now: at, FreeAgents: 3, Busy: ago(at, 10, 40, 80, 120, 160, 200, 30, 60, 90, 150, 15, 45, 75, 105, 135),
			WrapEnds: []time.Time{at.Add(5 * time.Second), at.Add(12 * time.Second)}, Ringing: ago(at, 2, 5, 8)}
	}
	for i := range 2000 {
		connect(1, i%36 == 0) // 2.8 %: a little credit left
	}
	before := p.Pace(snap())
	connect(10, true) // a burst: the credit is spent
	after := p.Pace(snap())
	if after >= before {
		t.Fatalf("a burst of abandons did not lower the dials: %d, then %d", before, after)
	}
	connect(3000, false)
	if again := p.Pace(snap()); again <= after {
		t.Fatalf("credit restored, dials still %d (were %d)", again, after)
	}
	if _, _, r := p.Abandonment(at); r > 0.03 {
		t.Fatalf("abandonment %.4f", r)
	}
}

// The room is how many more abandons the window takes at any moment: each
// abandon is a live answer too, and answers about to leave the window lend
// no credit.
func TestAbandonRoom(t *testing.T) {
	type hour struct {
		at              time.Time
		live, abandoned int
	}
	day := 24 * time.Hour
	yesterday := t0.Add(-day) // 09:00 the day before
	for _, tc := range []struct {
		name   string
		window time.Duration
		hours  []hour
		now    time.Time
		want   int
	}{
		{"a new campaign", 30 * day, nil, t0, 0},
		{"32 answers: one abandon would be 1/33", 30 * day, []hour{{t0, 32, 0}}, t0.Add(time.Minute), 0},
		{"33 answers: one abandon is 1/34", 30 * day, []hour{{t0, 33, 0}}, t0.Add(time.Minute), 1},
		{"100 answers, 2 abandoned: one more is 3/101", 30 * day, []hour{{t0, 100, 2}}, t0.Add(time.Minute), 1},
		{"100 answers, 3 abandoned: none", 30 * day, []hour{{t0, 100, 3}}, t0.Add(time.Minute), 0},
		{"over the cap: none", 30 * day, []hour{{t0, 100, 10}}, t0.Add(time.Minute), 0},
		{"1000 answers: 30", 30 * day, []hour{{t0, 1000, 0}}, t0.Add(time.Minute), 30},
		{"24 h: yesterday's answers leave within the hour", day, []hour{{yesterday.Add(time.Hour), 1000, 0}}, t0.Add(30 * time.Minute), 0},
		{"30 days: yesterday's answers stay", 30 * day, []hour{{yesterday.Add(time.Hour), 1000, 0}}, t0.Add(30 * time.Minute), 30},
		{"24 h: answers that stay an hour more count", day, []hour{{yesterday.Add(3 * time.Hour), 1000, 0}}, t0.Add(30 * time.Minute), 30},
		{"24 h: leaving answers lend nothing, their abandons still count", day,
			[]hour{{yesterday.Add(time.Hour), 1000, 20}, {t0, 200, 0}}, t0.Add(30 * time.Minute), 0},
		{"24 h: gone abandons count no more", day,
			[]hour{{yesterday.Add(-2 * time.Hour), 1000, 20}, {t0, 200, 0}}, t0.Add(30 * time.Minute), 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := DefaultOptions(Predictive)
			o.Window = tc.window
			p, err := NewPacer(o)
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range tc.hours {
				p.RestoreHour(h.at, h.live, h.abandoned)
			}
			if got := p.room(tc.now); got != tc.want {
				t.Fatalf("room %d, want %d", got, tc.want)
			}
		})
	}
}

// While the window is young the agents free now count as answers to come:
// none can be abandoned while one of them is free. Callers waiting take
// agents first, and those beyond the free agents take the room.
func TestRoomLeftCountsFreeAgentsAhead(t *testing.T) {
	for _, tc := range []struct {
		name          string
		live          int
		free, waiting int
		ahead         bool
		want          int
	}{
		{"a new campaign, 40 free", 0, 40, 0, true, 1},
		{"a new campaign, 40 free, not counted", 0, 40, 0, false, 0},
		{"32 free: one abandon would be 1/33", 0, 32, 0, true, 0},
		{"33 free: one abandon is 1/34", 0, 33, 0, true, 1},
		{"40 free, 8 waiting: 32 ahead", 0, 40, 8, true, 0},
		{"30 answers and 10 free", 30, 10, 0, true, 1},
		{"30 answers and 2 free", 30, 2, 0, true, 0},
		{"100 answers, 2 free, 4 waiting: two take the room", 100, 2, 4, true, 1},
		{"1000 answers, 100 free", 1000, 100, 0, true, 34},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPacer(t, Predictive)
			if tc.live > 0 {
				p.RestoreHour(t0, tc.live, 0)
			}
			s := Snapshot{Now: t0.Add(time.Minute), FreeAgents: tc.free, Waiting: tc.waiting}
			if got := p.roomLeft(s, tc.ahead); got != tc.want {
				t.Fatalf("room left %d, want %d", got, tc.want)
			}
		})
	}
}

// From the first call on, the pacer over-dials only when the room allows an
// abandon: through a burst of answers at the start it places one call per
// free agent (less the dials in flight and the callers waiting), however
// tempting the moment; once answers have made room it dials ahead; an
// abandon that spends the room brings it back to one per free agent. Its
// answer rate is known from earlier dials: with none known, any dial could
// answer, and a room of one abandon lets no dial ahead.
func TestPredictiveFloorFromTheFirstCall(t *testing.T) {
	p := newPacer(t, Predictive)
	at := t0
	dialed(p, 300, at)
	// A tempting moment: many free agents, talks about to end, few dials out.
	snap := func(ringing int) Snapshot {
		s := Snapshot{Now: at, FreeAgents: 8, Busy: ago(at, 300, 280, 260, 240, 220, 200, 180),
			WrapEnds: []time.Time{at.Add(2 * time.Second), at.Add(3 * time.Second)}}
		for range ringing {
			s.Ringing = append(s.Ringing, at.Add(-time.Second))
		}
		return s
	}
	for _, step := range []struct {
		name             string
		live, abandoned  int // recorded before the moment
		ringing, waiting int
		want             int // -1: more than one per free agent
	}{
		{"first moment", 0, 0, 0, 0, 8},
		{"dials in flight count", 0, 0, 5, 0, 3},
		{"a caller waiting takes an agent", 0, 0, 5, 1, 2},
		{"a burst of 20 answers", 20, 0, 0, 0, 8},
		{"24 answers: still no room", 4, 0, 0, 0, 8},
		// No answer is abandoned while an agent is free: the 8 free take 8
		// answers first, and one abandon after them is 1/41.
		{"25 answers and 8 agents free: room for one abandon", 1, 0, 0, 0, -1},
		{"33 answers: room for one abandon", 8, 0, 0, 0, -1},
		{"the abandon spends it", 0, 1, 0, 0, 8},
		{"room again at 67 answers", 33, 0, 0, 0, -1},
		{"three abandons at once", 0, 3, 0, 0, 8},
		{"a thousand answers later", 1000, 0, 0, 0, -1},
	} {
		for range step.live {
			at = at.Add(100 * time.Millisecond)
			p.Connected(at, false)
		}
		for range step.abandoned {
			at = at.Add(100 * time.Millisecond)
			p.Connected(at, true)
		}
		s := snap(step.ringing)
		s.Waiting = step.waiting
		got := p.Pace(s)
		live, ab, _ := p.Abandonment(at)
		switch {
		case step.want >= 0 && got != step.want:
			t.Errorf("%s (%d live, %d abandoned, room %d): %d dials, want %d", step.name, live, ab, p.room(at), got, step.want)
		case step.want < 0 && got <= 8:
			t.Errorf("%s (%d live, %d abandoned, room %d): %d dials, want more than one per free agent", step.name, live, ab, p.room(at), got)
		}
	}
}

// With no room, a dial ringing past the usual answer times still counts as
// a call that could answer: the pacer places one call per free agent less
// the dials in flight, whatever the answer chances say.
func TestPredictiveNoRoomCountsEveryDial(t *testing.T) {
	p := newPacer(t, Predictive)
	if got := p.Pace(Snapshot{Now: t0, FreeAgents: 5, Ringing: ago(t0, 40, 40, 40, 40)}); got != 1 {
		t.Fatalf("5 free agents, 4 dials ringing for 40 s, no room: %d dials, want 1", got)
	}
	if got := p.Pace(Snapshot{Now: t0, FreeAgents: 5, Ringing: ago(t0, 40, 40, 40, 40, 40, 40)}); got != 0 {
		t.Fatalf("5 free agents, 6 dials ringing: %d dials, want 0", got)
	}
}

// The Poisson tail of the abandons to come must stay within the room, but
// for a chance of 2e-5, or 1e-5 in a young campaign.
func TestWithinRoom(t *testing.T) {
	for _, tc := range []struct {
		ab    float64
		room  int
		young bool
		want  bool
	}{
		{0, 0, false, true},
		{1e-6, 0, false, false},
		{0.004, 1, true, true},   // P(N ≥ 2) = 8.0e-6
		{0.005, 1, true, false},  // 1.2e-5
		{0.006, 1, false, true},  // 1.8e-5
		{0.007, 1, false, false}, // 2.4e-5
		{0.03, 2, true, true},    // P(N ≥ 3) = 4.4e-6
		{0.05, 2, true, false},   // 2.0e-5
		{0.04, 2, false, true},   // 1.0e-5
		{1.5, 10, true, true},
		{30, 1000, true, true},
	} {
		if got := withinRoom(tc.ab, tc.room, tc.young); got != tc.want {
			t.Errorf("withinRoom(%v, %d, young %v) = %v", tc.ab, tc.room, tc.young, got)
		}
	}
}

// seasoned returns a pacer that has seen n ripe dials (30 % answered, 4-16 s
// to an answer, 10-26 s to none) and n talks of 30 to 210 s with 15 s of
// wrap-up, all before at.
func seasoned(t *testing.T, n int, at time.Time) *Pacer {
	t.Helper()
	p := newPacer(t, Predictive)
	dialed(p, n, at)
	for i := range n {
		p.Handled(time.Duration(30+i%181)*time.Second, 15*time.Second)
	}
	return p
}

// dialed records n ripe dials, 30 % answered (4-16 s to an answer, 10-26 s
// to none), placed a second apart from an hour before at.
func dialed(p *Pacer, n int, at time.Time) {
	placed := at.Add(-time.Hour)
	for i := range n {
		live := i%10 < 3
		ring := 10 + float64(i%17)
		if live {
			ring = 4 + float64(i%13)
		}
		p.DialEnded(placed, placed.Add(time.Duration(ring*float64(time.Second))), live)
		placed = placed.Add(time.Second)
	}
	p.ripen(at)
}

// The cap under a burst of answers at the start of a campaign: with room for
// one abandon and nothing yet known of its own answer rate or talk times,
// the pacer dials ahead only as far as the room would take if every dial
// answered; the same moment in a campaign that has seen thousands of calls
// dials further ahead. Each row places its dials, lets every one of them
// answer at once (the burst), and checks that the abandons fit the room.
func TestPredictiveBurstAtTheStart(t *testing.T) {
	now := t0.Add(10 * time.Minute)
	moment := func() Snapshot {
		// Five free agents, seven whose talks have run long, two ending
		// their wrap-up in 3 s.
		return Snapshot{Now: now, FreeAgents: 5, Busy: ago(now, 300, 280, 260, 240, 220, 200, 180),
			WrapEnds: []time.Time{now.Add(3 * time.Second), now.Add(3 * time.Second)}}
	}
	for _, tc := range []struct {
		name    string
		history int // ripe dials and ended talks seen before
		live    int // live answers connected in the window, none abandoned
		most    int // the most dials allowed (every one may answer)
		least   int
	}{
		{"new campaign, room for one abandon", 0, 40, 5 + 1, 5},
		{"new campaign, room for two", 0, 70, 5 + 2, 5},
		{"seasoned campaign, room for one", 4000, 40, 1000, 5 + 2},
		{"seasoned campaign, ample room", 4000, 1000, 1000, 5 + 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := seasoned(t, tc.history, now.Add(-5*time.Minute))
			connectAll(p, now.Add(-4*time.Minute), tc.live)
			room := p.room(now)
			got := p.Pace(moment())
			if got < tc.least || got > tc.most {
				t.Fatalf("%d dials, want %d to %d (room %d)", got, tc.least, tc.most, room)
			}
			if tc.history == 0 {
				// The burst: every dial answers before the wrap-ups end;
				// five agents take five, the rest are abandoned.
				live, ab, _ := p.Abandonment(now)
				abandoned := max(0, got-5)
				if rate := float64(ab+abandoned) / float64(live+got); abandoned > room || rate > p.o.AbandonCap {
					t.Fatalf("%d dials, %d abandoned in a burst: rate %.4f over the cap", got, abandoned, rate)
				}
			}
		})
	}
}

// A caller already waiting for an agent, with none free, is counted as
// abandoned before the room is spent on new dials.
func TestPredictiveWaitingCallersTakeTheRoom(t *testing.T) {
	now := t0.Add(time.Hour)
	// Wrap-ups end every second from now on: the forecast would have the
	// caller waiting taken in time; it may have waited almost 2 s already.
	snap := Snapshot{Now: now, Busy: ago(now, 300, 280, 260, 240, 220, 200, 180, 160, 140, 120)}
	for i := range 6 {
		snap.WrapEnds = append(snap.WrapEnds, now.Add(time.Duration(i+1)*time.Second))
	}
	for _, tc := range []struct {
		name     string
		live     int
		waiting  int
		wantNone bool
	}{
		{"room 1, nobody waiting: dials ahead", 40, 0, false},
		{"room 1, one caller waiting: none", 40, 1, true},
		{"room 2, two callers waiting: none", 70, 2, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := seasoned(t, 4000, now.Add(-30*time.Minute))
			connectAll(p, now.Add(-20*time.Minute), tc.live)
			s := snap
			s.Waiting = tc.waiting
			got := p.Pace(s)
			if tc.wantNone && got != 0 {
				t.Fatalf("room %d, %d waiting, no agent free: %d dials", p.room(now), tc.waiting, got)
			}
			if !tc.wantNone && got == 0 {
				t.Fatalf("room %d, %d waiting: no dial", p.room(now), tc.waiting)
			}
		})
	}
}

// The room's tail: the chance the answers outgrow the agents by more than
// the room, at the worst second, never above the exact chance that they
// outgrow the agents free now.
func TestBeyond(t *testing.T) {
	f := &forecast{free: 2, pn: &row{}}
	for t := 1; t <= horizon; t++ {
		f.xm[t], f.xv[t] = 6, 4 // six answers, sd 2, all by t = 1
		f.ym[t] = 1
	}
	// Mean excess 6 − 1 − 2 = 3, sd 2.
	for _, tc := range []struct {
		room int
		want float64
	}{
		{0, normCDF((3 - 0.5) / 2)},
		{3, normCDF((3 - 3.5) / 2)},
		{10, normCDF((3 - 10.5) / 2)},
	} {
		law := []float64{0.5, 0.5} // at most one answer: never beyond two free agents
		if got := f.beyond(0, law, tc.room); got != 0 {
			t.Errorf("room %d, at most one answer for two agents: beyond %v", tc.room, got)
		}
		law = make([]float64, 21)
		law[20] = 1 // twenty answers for sure
		if got := f.beyond(0, law, tc.room); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("room %d: beyond %v, want %v", tc.room, got, tc.want)
		}
	}
}

// The doubtful forecast: a campaign that knows nothing counts on no agent
// finishing a talk and on every dial answering; one that has seen thousands
// of calls doubts a little.
func TestDoubtful(t *testing.T) {
	now := t0.Add(time.Hour)
	s := Snapshot{Now: now, Busy: ago(now, 300, 280, 260, 240, 220), Ringing: ago(now, 1, 2, 3)}
	young := newPacer(t, Predictive)
	f := young.forecast(s)
	g := young.doubtful(f, 0)
	if f.busy[horizon] < 0.5 || g.ym[horizon] > 1e-9 || g.pn[horizon] != 1 {
		t.Fatalf("young: agents from talks %.2f, doubted %.2f; answer chance %.2f", f.busy[horizon], g.ym[horizon], g.pn[horizon])
	}
	old := seasoned(t, 4000, now.Add(-5*time.Minute))
	f = old.forecast(s)
	g = old.doubtful(f, 0)
	if r := g.ym[horizon] / f.ym[horizon]; r < 0.9 || r >= 1 {
		t.Fatalf("seasoned: agents from talks doubted to %.3f of the forecast", r)
	}
	if r := g.pn[horizon] / f.pn[horizon]; r <= 1 || r > 1.11 {
		t.Fatalf("seasoned: answer chance raised %.3f times", r)
	}
}

// Every ripe dial so far has answered: the forecast, weighed with the
// prior, expects fewer answers than that, and the doubt must not vanish
// with the spread of a share of 1 (its normal standard error is zero):
// the doubtful forecast counts every dial as one that answers.
func TestDoubtfulWhenEveryDialAnswered(t *testing.T) {
	now := t0.Add(time.Hour)
	p := newPacer(t, Predictive)
	placed := now.Add(-30 * time.Minute)
	for range 100 {
		p.DialEnded(placed, placed.Add(8*time.Second), true)
		placed = placed.Add(5 * time.Second)
	}
	p.ripen(now)
	s := Snapshot{Now: now, FreeAgents: 3, Ringing: ago(now, 1, 2, 3)}
	f := p.forecast(s)
	g := p.doubtful(f, 0)
	if f.pn[horizon] > 0.95 {
		t.Fatalf("forecast answer chance %.3f: the prior no longer weighs", f.pn[horizon])
	}
	if g.pn[horizon] < 1-1e-9 {
		t.Fatalf("every dial answered, the doubtful answer chance is %.3f (forecast %.3f)", g.pn[horizon], f.pn[horizon])
	}
	for i, q := range g.ring {
		if raised := math.Min(1, q*p.answerDoubt(f, 0)); raised < 1-1e-9 {
			t.Fatalf("ringing dial %d: doubtful answer chance %.3f", i, raised)
		}
	}
}

// The first wave of a campaign's dials has ended, none ripe yet: with a
// third of them answered and the rest ended unanswered, the doubt falls
// from every dial answering to near the estimate's own bound; while they
// still ring, or when they all answered, it stays whole.
func TestDoubtfulFirstWave(t *testing.T) {
	now := t0.Add(time.Minute)
	wave := func(answered, unanswered, ringing int) float64 {
		p := newPacer(t, Predictive)
		placed := now.Add(-40 * time.Second)
		for i := range answered + unanswered {
			p.DialEnded(placed, placed.Add(time.Duration(10+i%16)*time.Second), i < answered)
		}
		p.ripen(now)
		if len(p.ended) != 0 {
			t.Fatalf("%d outcomes ripe", len(p.ended))
		}
		f := p.forecast(Snapshot{Now: now, FreeAgents: 100, Ringing: ago(now, make([]float64, ringing)...)})
		return p.doubtful(f, 0).pn[horizon]
	}
	if got := wave(60, 140, 0); got < 0.3 || got > 0.42 {
		t.Errorf("60 of 200 answered, none ringing: doubtful answer rate %.3f, want 0.3 to 0.42", got)
	}
	if got := wave(60, 0, 140); got < 1-1e-9 {
		t.Errorf("60 answered, 140 still ringing: doubtful answer rate %.3f, want 1", got)
	}
	if got := wave(200, 0, 0); got < 1-1e-9 {
		t.Errorf("all 200 answered: doubtful answer rate %.3f, want 1", got)
	}
}

// A campaign's first wave has mostly rung out while a second, younger one
// rings, none ripe yet: with room for cohortRoom abandons the doubt comes
// down to the first wave's bound (its 10 dials still ringing counted as
// answers), not the bound that counts the whole second wave as answers;
// with less room it does not; and a wave too young counts as none.
func TestDoubtfulCohort(t *testing.T) {
	now := t0.Add(time.Minute)
	doubt := func(age float64, room int) float64 {
		p := newPacer(t, Predictive)
		first := now.Add(-time.Duration(age * float64(time.Second)))
		for i := range 190 {
			p.DialEnded(first, first.Add(time.Duration(4+i%12)*time.Second), i < 60)
		}
		p.ripen(now)
		ringing := ago(now, make([]float64, 150)...) // the second wave, just placed
		ringing = append(ringing, ago(now, age, age, age, age, age, age, age, age, age, age)...)
		f := p.forecast(Snapshot{Now: now, FreeAgents: 140, Ringing: ringing})
		return p.doubtful(f, room).pn[horizon]
	}
	whole := wilsonUpper(60+10+150, 350)
	if got := doubt(25, cohortRoom); got < 0.3 || got > wilsonUpper(70, 200)+1e-9 {
		t.Errorf("room %d: doubtful answer rate %.3f, want at most the first wave's bound %.3f", cohortRoom, got, wilsonUpper(70, 200))
	}
	if got := doubt(25, cohortRoom-1); got < whole-1e-9 {
		t.Errorf("room %d: doubtful answer rate %.3f, want the whole bound %.3f", cohortRoom-1, got, whole)
	}
	if got := doubt(cohortAge-5, cohortRoom); got < whole-1e-9 {
		t.Errorf("a first wave %ds old: doubtful answer rate %.3f, want the whole bound %.3f", cohortAge-5, got, whole)
	}
}

// Wilson's bound: above the share, below 1 but for all yes, above 0 for
// none.
func TestWilsonUpper(t *testing.T) {
	for _, tc := range []struct {
		yes, n   int
		lo, high float64
	}{
		{0, 0, 1, 1},
		{0, 5, 0.5, 0.7}, // (0.9 + 0.9) / 2.8
		{5, 5, 1, 1},
		{600, 2000, 0.33, 0.335},
		{30, 100, 0.4, 0.46},
	} {
		if got := wilsonUpper(tc.yes, tc.n); got < tc.lo || got > tc.high {
			t.Errorf("wilsonUpper(%d, %d) = %.4f, want %v to %v", tc.yes, tc.n, got, tc.lo, tc.high)
		}
	}
}

// A burst of answers from a few young dials: the normal tail of the
// answers less the agents finds it a chance in a million, the burst's
// heavier tail one in a thousand (a campaign met it in its fifth minute).
func TestBurstTail(t *testing.T) {
	// Five agents free, none due for 6 s; the 21 ringing dials expect 2.07
	// answers by then, 2.63 in doubt (the doubt raises the mean, not the
	// spread of the yes/no outcomes).
	f := &forecast{free: 5, pn: &row{}}
	for t := 1; t <= 6; t++ {
		f.xm[t] = 2.63 * float64(t) / 6
		f.xv[t] = 1.82 * float64(t) / 6
	}
	for t := 7; t <= horizon; t++ {
		f.xm[t], f.xv[t], f.ym[t] = 2.63, 2.3, 20
	}
	law := make([]float64, 22)
	law[21] = 1 // all 21 could answer
	const room = 3
	if got := f.beyond(0, law, room); got > youngRisk {
		t.Fatalf("normal tail %.2g: the case no longer shows what the burst tail is for", got)
	}
	want := 1 - poissonCDF(2.63, 8) // nine answers or more
	if got := f.burst(0, law, room); math.Abs(got-want) > 1e-12 || got < burstRisk {
		t.Fatalf("burst tail %.4g, want %.4g, above %v", got, want, burstRisk)
	}
	// No more answers possible than agents free now plus the room: none.
	law = make([]float64, 9)
	law[8] = 1
	if got := f.burst(0, law, room); got != 0 {
		t.Fatalf("at most eight answers for five agents and room for three: burst tail %v", got)
	}
}

func poissonCDF(mean float64, n int) float64 {
	var sum float64
	for j := 0; j <= n; j++ {
		lg, _ := math.Lgamma(float64(j) + 1)
		sum += math.Exp(-mean + float64(j)*math.Log(mean) - lg)
	}
	return sum
}

func TestPoissonAtLeast(t *testing.T) {
	for _, tc := range []struct {
		mean float64
		n    int
	}{{0.5, 0}, {0.5, 1}, {2.63, 9}, {30, 20}, {30, 31}, {100, 160}, {4, 4}} {
		want := 1.0
		if tc.n > 0 {
			want = 1 - poissonCDF(tc.mean, tc.n-1)
		}
		got := poissonAtLeast(tc.mean, tc.n)
		if math.Abs(got-want) > 1e-12 && math.Abs(got-want) > 1e-9*want {
			t.Errorf("P(N ≥ %d), mean %v: %.6g, want %.6g", tc.n, tc.mean, got, want)
		}
	}
	if got := poissonAtLeast(0, 1); got != 0 {
		t.Errorf("mean 0: %v", got)
	}
}

// Power dials its ratio only while the calls beyond one per free agent fit
// the abandonment room: with no room it places one call per free agent,
// with room for one or two abandons in a new campaign (whose every dial
// may answer) no more than a burst of answers could abandon within the
// room, and with plenty of room its full ratio.
func TestPowerWithinRoom(t *testing.T) {
	now := t0.Add(10 * time.Minute)
	// Five free agents, seven whose talks have run long, two ending their
	// wrap-up in 3 s: 1.5 per free agent is 8 calls.
	moment := func(ringing ...float64) Snapshot {
		return Snapshot{Now: now, FreeAgents: 5, Busy: ago(now, 300, 280, 260, 240, 220, 200, 180),
			WrapEnds: []time.Time{now.Add(3 * time.Second), now.Add(3 * time.Second)}, Ringing: ago(now, ringing...)}
	}
	for _, tc := range []struct {
		name            string
		history         int // ripe dials and ended talks seen before
		live, abandoned int // in the window
		s               Snapshot
		least, most     int
	}{
		{"new campaign, no room: one per free agent", 0, 0, 0, moment(), 5, 5},
		{"new campaign, no room, dials in flight count", 0, 0, 0, moment(1, 2), 3, 3},
		{"new campaign, room for one", 0, 40, 0, moment(), 5, 5 + 1},
		{"new campaign, room for two", 0, 70, 0, moment(), 5, 5 + 2},
		{"seasoned campaign, room spent by a burst of abandons", 4000, 1000, 30, moment(), 5, 5},
		{"seasoned campaign, plenty of room: the full ratio", 4000, 1000, 0, moment(), 8, 8},
		{"plenty of room, dials in flight count", 4000, 1000, 0, moment(1, 2, 3), 5, 5},
		{"plenty of room, a caller waiting takes an agent", 4000, 1000, 0, Snapshot{Now: now, FreeAgents: 5, Waiting: 1}, 6, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := seasoned(t, tc.history, now.Add(-5*time.Minute))
			p.o.Mode = Power
			at := connectAll(p, now.Add(-4*time.Minute), tc.live)
			for range tc.abandoned {
				at = at.Add(time.Second)
				p.Connected(at, true)
			}
			room := p.room(now)
			got := p.Pace(tc.s)
			if got < tc.least || got > tc.most {
				t.Fatalf("%d dials, want %d to %d (room %d)", got, tc.least, tc.most, room)
			}
			if tc.history == 0 {
				// The burst: every dial answers before the wrap-ups end;
				// five agents take five, the rest are abandoned.
				if abandoned := max(0, got+len(tc.s.Ringing)-5); abandoned > room {
					t.Fatalf("%d dials, %d abandoned in a burst, room %d", got, abandoned, room)
				}
			}
		})
	}
}

// A power campaign on the reference answer rate (30 %), its agents all
// free at every moment and every answer of a moment coming in the same
// second, so that the answers beyond the free agents are abandoned: at
// every moment, the chance that the answers to its dials outgrow the free
// agents by more than the room is about the pacer's risk (1e-4; it weighs
// it on its estimate of the answer rate, not the true one, so up to five
// times that), from the first call on, while the room still lets power
// dial ahead. (Over
// thousands of moments that risk is taken many times: a burst past the
// room is rare, not impossible; the simulation measures how rare.)
func TestPowerBurstsStayWithinTheRoom(t *testing.T) {
	const answerRate, moments = 0.3, 2000
	for _, agents := range []int{1, 10} {
		t.Run(fmt.Sprintf("%d agents", agents), func(t *testing.T) {
			o := DefaultOptions(Power)
			o.Ratio = 3
			p, err := NewPacer(o)
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(uint64(agents), 7))
			at, ahead, abandons, worst := t0, 0, 0, 0.0
			for range moments {
				at = at.Add(20 * time.Second)
				room := p.room(at)
				n := p.Pace(Snapshot{Now: at, FreeAgents: agents})
				if n > agents {
					ahead++
				}
				risk := binomialAbove(n, answerRate, agents+room)
				if risk > 5*roomRisk {
					t.Fatalf("%d dials for %d free agents with room %d: %.2g chance to outgrow the room", n, agents, room, risk)
				}
				worst = max(worst, risk)
				answered := 0
				for range n {
					live := rng.Float64() < answerRate
					p.DialEnded(at, at.Add(5*time.Second), live)
					if !live {
						continue
					}
					answered++
					p.Connected(at.Add(5*time.Second), answered > agents)
					p.Handled(10*time.Second, 0)
				}
				abandons += max(0, answered-agents)
			}
			if ahead == 0 || abandons == 0 {
				t.Fatalf("power dialed ahead at %d moments, %d abandons: the cap went untested", ahead, abandons)
			}
			t.Logf("dialed ahead at %d of %d moments, %d abandons, the highest chance to outgrow the room %.2g", ahead, moments, abandons, worst)
		})
	}
}

// binomialAbove is P(X > m) for X the successes of n trials of chance q.
func binomialAbove(n int, q float64, m int) float64 {
	law := []float64{1}
	for range n {
		law = addBernoulli(law, q)
	}
	var tail float64
	for x := m + 1; x < len(law); x++ {
		tail += law[x]
	}
	return tail
}

// The share of the coming answers the pacer may abandon follows the
// window's credit gently: one abandon lowers it by a few percent, not by a
// fifth (as it once did at 50 agents, dialing unevenly for the same
// abandons), and in a large team, where an abandon is a small part of the
// credit's spread, it still follows. A young window, whose answers have not
// yet earned the safety, cuts it steeply.
func TestBudgetShareFollowsGently(t *testing.T) {
	for _, tc := range []struct {
		agents   int
		earned   float64 // the answers' credit, in safeties
		lo, high float64 // the share's drop after one abandon
	}{
		{10, 1.1, 0.04, 0.13},
		{50, 1.1, 0.04, 0.065},
		{200, 1.1, 0.04, 0.065},
		{50, 0.5, 0.15, 0.25},
		{200, 0.5, 0.08, 0.15},
	} {
		p := newPacer(t, Predictive)
		// The safety: three standard deviations of the next half hour's
		// abandons (the talk prior is 120 s, no wrap-up).
		sd := math.Sqrt(0.03 * float64(tc.agents) * budgetAhead.Seconds() / 120)
		now := connectAll(p, t0, int(tc.earned*budgetSafety*sd/0.03))
		before, _ := p.budgetShare(now, tc.agents)
		p.Connected(now, true)
		after, _ := p.budgetShare(now, tc.agents)
		if drop := 1 - after/before; drop < tc.lo || drop > tc.high {
			t.Errorf("%d agents, %.1f safeties earned: one abandon moved the share from %.4f to %.4f (%.1f %%), want a drop of %.0f to %.1f %%",
				tc.agents, tc.earned, before, after, 100*drop, 100*tc.lo, 100*tc.high)
		}
	}
}
