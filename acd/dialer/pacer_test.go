package dialer

import (
	"errors"
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
		{"power: 1.5 per free agent, rounded up", Power, Snapshot{Now: now, FreeAgents: 3}, 5},
		{"power counts dials in flight", Power, Snapshot{Now: now, FreeAgents: 2, Ringing: ago(now, 1)}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := newPacer(t, tc.mode).Pace(tc.s); got != tc.want {
				t.Fatalf("Pace = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestPredictive(t *testing.T) {
	now := t0
	p := newPacer(t, Predictive)
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
