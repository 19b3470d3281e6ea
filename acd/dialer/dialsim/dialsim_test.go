package dialsim

import (
	"bytes"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/dialer"
)

// The pacer on the reference model: predictive beats progressive and power
// on talk time and keeps abandonment under the 3 % cap at every hour.
func TestModesOnReferenceModel(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates 3 agent-days")
	}
	res := map[dialer.Mode]Result{}
	for _, m := range []dialer.Mode{dialer.Progressive, dialer.Power, dialer.Predictive} {
		r, err := Simulate(Run{Agents: 20, Hours: 3, Seed: 7, Model: DefaultModel(), Pacer: dialer.DefaultOptions(m)})
		if err != nil {
			t.Fatal(err)
		}
		res[m] = r
		t.Logf("%-11v talk %.1f min/agent-h, abandoned %.2f%% (worst hour %.2f%%), %.1f dials/agent-h, idle %.0f%%",
			m, r.TalkMinPerAgentHour, 100*r.AbandonRate, 100*r.MaxHourlyAbandonRate, r.DialsPerAgentHour, 100*r.IdleShare)
	}
	pg, pw, pd := res[dialer.Progressive], res[dialer.Power], res[dialer.Predictive]
	if pg.Abandoned != 0 {
		t.Errorf("progressive abandoned %d calls", pg.Abandoned)
	}
	if pd.MaxHourlyAbandonRate > 0.03 || pd.MaxAbandonRate > 0.03 {
		t.Errorf("predictive abandonment reached %.2f%% at an hour's end, %.2f%% at a moment", 100*pd.MaxHourlyAbandonRate, 100*pd.MaxAbandonRate)
	}
	if pd.TalkMinPerAgentHour < pg.TalkMinPerAgentHour+5 || pd.TalkMinPerAgentHour < pw.TalkMinPerAgentHour {
		t.Errorf("predictive talk %.1f, progressive %.1f, power %.1f", pd.TalkMinPerAgentHour, pg.TalkMinPerAgentHour, pw.TalkMinPerAgentHour)
	}
	// The ceiling for the model is 60 × 120 / (120 + 15) = 53.3.
	if pd.TalkMinPerAgentHour > 53.4 {
		t.Errorf("predictive talk %.1f is above what the model allows", pd.TalkMinPerAgentHour)
	}
}

func TestDeterministic(t *testing.T) {
	run := Run{Agents: 5, Hours: 0.5, Seed: 3, Model: DefaultModel(), Pacer: dialer.DefaultOptions(dialer.Predictive)}
	a, _ := Simulate(run)
	b, _ := Simulate(run)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("same seed, different days:\n%+v\n%+v", a, b)
	}
}

// The hours add up to the day: talk, idle time, live answers and abandons,
// the last hour being part of one.
func TestByHour(t *testing.T) {
	r, err := Simulate(Run{Agents: 10, Hours: 2.5, Seed: 4, Model: DefaultModel(), Pacer: dialer.DefaultOptions(dialer.Predictive)})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.ByHour) != 3 || r.ByHour[0].Length != time.Hour || r.ByHour[2].Length != 30*time.Minute {
		t.Fatalf("hours: %+v", r.ByHour)
	}
	var talk, idle float64
	var live, abandoned int
	for _, h := range r.ByHour {
		talk += h.TalkMinPerAgentHour * h.Length.Hours() / r.Hours
		idle += h.IdleShare * h.Length.Hours() / r.Hours
		live += h.LiveAnswers
		abandoned += h.Abandoned
		if h.TalkMinPerAgentHour <= 0 || h.TalkMinPerAgentHour > 60 || h.IdleShare < 0 || h.IdleShare > 1 {
			t.Errorf("hour %+v", h)
		}
	}
	if math.Abs(talk-r.TalkMinPerAgentHour) > 1e-9 || math.Abs(idle-r.IdleShare) > 1e-9 {
		t.Errorf("hours add up to talk %v, idle %v; the day %v, %v", talk, idle, r.TalkMinPerAgentHour, r.IdleShare)
	}
	if live != r.LiveAnswers || abandoned != r.Abandoned || abandoned == 0 {
		t.Errorf("hours add up to %d live answers, %d abandoned; the day %d, %d", live, abandoned, r.LiveAnswers, r.Abandoned)
	}
}

func TestBadRun(t *testing.T) {
	m := DefaultModel()
	m.AnswerRate = 0
	for _, r := range []Run{
		{Agents: 0, Hours: 1, Model: DefaultModel(), Pacer: dialer.DefaultOptions(dialer.Progressive)},
		{Agents: 5, Hours: -1, Model: DefaultModel(), Pacer: dialer.DefaultOptions(dialer.Progressive)},
		{Agents: 5, Hours: 1, Model: m, Pacer: dialer.DefaultOptions(dialer.Progressive)},
	} {
		if _, err := Simulate(r); err == nil {
			t.Errorf("%+v accepted", r)
		}
	}
}

// Small teams keep the cap at every moment from the first call on: with few
// answers the pacer dials one call per free agent until the answers make
// room for an abandon.
func TestCapFromTheFirstCall(t *testing.T) {
	for _, agents := range []int{1, 3, 10} {
		for seed := uint64(1); seed <= 4; seed++ {
			r, err := Simulate(Run{Agents: agents, Hours: 1, Seed: seed, Model: DefaultModel(), Pacer: dialer.DefaultOptions(dialer.Predictive)})
			if err != nil {
				t.Fatal(err)
			}
			if r.MaxAbandonRate > 0.03 {
				t.Errorf("%d agents, seed %d: abandonment reached %.2f%% (%d of %d live answers by the end)", agents, seed, 100*r.MaxAbandonRate, r.Abandoned, r.LiveAnswers)
			}
		}
	}
}

// The 24-hour mode over more than a day: when the first hours' answers
// leave the window, the cap still holds at every moment.
func TestCapOver24HourWindow(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates 10 agents for 27 hours")
	}
	o := dialer.DefaultOptions(dialer.Predictive)
	o.Window = 24 * time.Hour
	r, err := Simulate(Run{Agents: 10, Hours: 27, Seed: 2, Model: DefaultModel(), Pacer: o})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("talk %.1f min/agent-h, abandoned %.2f%%, worst hour %.2f%%, worst moment %.2f%%", r.TalkMinPerAgentHour, 100*r.AbandonRate, 100*r.MaxHourlyAbandonRate, 100*r.MaxAbandonRate)
	if r.MaxHourlyAbandonRate > 0.03 || r.MaxAbandonRate > 0.03 {
		t.Errorf("24-hour window: abandonment reached %.2f%% at an hour's end, %.2f%% at a moment", 100*r.MaxHourlyAbandonRate, 100*r.MaxAbandonRate)
	}
	if r.Abandoned == 0 || r.TalkMinPerAgentHour < 40 {
		t.Errorf("24-hour window: %d abandoned, talk %.1f: the pacer did not dial ahead", r.Abandoned, r.TalkMinPerAgentHour)
	}
}

// The first minutes of large teams, where the room is small and the
// campaign knows little of its own answer rate and talk times: on these
// days the cap was once passed at a single moment (up to 4.8 %), when
// callers waiting for an agent were counted on to be taken and the
// estimates from a few calls were trusted as much as from thousands; and
// on 50 agents' seed 66 (3.1 % at 13 minutes) when the abandon share
// followed the credit gently before the answers had earned the safety; and
// on seed 45 (3.15 % in the sixth minute, four abandons with room for three)
// when nine answers came from dials expected to give 2.6, a chance the
// normal tail put at 1 in a million and that is 1 in a thousand.
func TestCapAtEveryMomentOfTheFirstMinutes(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates large teams")
	}
	for _, tc := range []struct {
		agents int
		hours  float64
		seeds  []uint64
	}{
		{200, 0.15, []uint64{3, 7, 8, 9, 10, 12, 18, 23, 58}},
		{50, 0.5, []uint64{24, 28, 30, 45, 62, 66}},
	} {
		abandoned := 0 // the pacer must have dialed ahead: some days abandon
		for _, seed := range tc.seeds {
			o := dialer.DefaultOptions(dialer.Predictive)
			o.HandleTime, o.WrapUp = 135*time.Second, 15*time.Second
			r, err := Simulate(Run{Agents: tc.agents, Hours: tc.hours, Seed: seed, Model: DefaultModel(), Pacer: o})
			if err != nil {
				t.Fatal(err)
			}
			abandoned += r.Abandoned
			if r.MaxAbandonRate > 0.03 {
				t.Errorf("%d agents, seed %d: %d abandoned, worst moment %.2f%% at %v", tc.agents, seed, r.Abandoned, 100*r.MaxAbandonRate, r.WorstMoment.Round(time.Second))
			}
		}
		if abandoned == 0 {
			t.Errorf("%d agents: no abandon on any day, the pacer never dialed ahead", tc.agents)
		}
	}
}

// A seasoned campaign late in its day: on 50 agents' seed 60 the rate
// reached 3.01 % in the eighth hour, five abandons within 19 seconds with
// room for three, when the room was checked only against a Poisson count
// of the mean abandons once the campaign had 2000 talks.
func TestCapLateInTheDay(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates 50 agents for 8 hours")
	}
	o := dialer.DefaultOptions(dialer.Predictive)
	o.HandleTime, o.WrapUp = 135*time.Second, 15*time.Second
	r, err := Simulate(Run{Agents: 50, Hours: 8, Seed: 60, Model: DefaultModel(), Pacer: o})
	if err != nil {
		t.Fatal(err)
	}
	if r.MaxAbandonRate > 0.03 {
		t.Errorf("worst moment %.3f%% at %v (%d of %d live answers abandoned by the end)", 100*r.MaxAbandonRate, r.WorstMoment.Round(time.Second), r.Abandoned, r.LiveAnswers)
	}
	if r.Abandoned == 0 || r.TalkMinPerAgentHour < 50 {
		t.Errorf("%d abandoned, talk %.2f: the pacer did not dial ahead", r.Abandoned, r.TalkMinPerAgentHour)
	}
}

// Leads that all answer, on a campaign whose pacer expects the usual
// answer rate (its default prior: campaigns do not set it): before any
// outcome has ripened, a dial still ringing at 13 s looked like a
// no-answer, and the doubtful forecast's abandons were capped by the
// estimate's own law of the answers, so 50 agents dialed a second round
// while the first was still to answer: 16 abandons of 66 answers, in both
// modes, on every seed.
func TestCapWhenEveryLeadAnswers(t *testing.T) {
	m := DefaultModel()
	m.AnswerRate = 1
	for _, mode := range []dialer.Mode{dialer.Predictive, dialer.Power} {
		for seed := uint64(1); seed <= 3; seed++ {
			o := dialer.DefaultOptions(mode)
			o.Ratio = 3
			r, err := Simulate(Run{Agents: 50, Hours: 0.2, Seed: seed, Model: m, Pacer: o})
			if err != nil {
				t.Fatal(err)
			}
			if r.MaxAbandonRate > 0.03 {
				t.Errorf("%v, seed %d: %d abandoned, worst moment %.2f%% at %v", mode, seed, r.Abandoned, 100*r.MaxAbandonRate, r.WorstMoment.Round(time.Second))
			}
		}
	}
}

// The rate at every moment is the simulation's own count over the window,
// not the pacer's: answers older than the window leave it.
func TestWindowRate(t *testing.T) {
	s := &state{run: Run{Pacer: dialer.Options{Window: time.Hour}}}
	for _, step := range []struct {
		at        time.Duration
		abandoned bool
		want      float64
	}{
		{0, false, 0},
		{time.Minute, true, 0.5},
		{2 * time.Minute, false, 1.0 / 3},
		{60*time.Minute + 30*time.Second, false, 1.0 / 3}, // the first answer has left
		{61*time.Minute + 30*time.Second, false, 0},       // and the abandon
	} {
		s.now = step.at
		if got := s.settle(step.abandoned); math.Abs(got-step.want) > 1e-12 {
			t.Fatalf("at %v: rate %.4f, want %.4f", step.at, got, step.want)
		}
	}
}

// Working days in a row: nothing is dialed or counted while the schedule
// is closed, the days add up to the run, and the pacer carries its
// figures and its abandonment window into the next morning, so a day
// after the first has room to abandon from its first minute and starts
// busier than the first did.
func TestDays(t *testing.T) {
	o := dialer.DefaultOptions(dialer.Predictive)
	one, err := Simulate(Run{Agents: 20, Hours: 0.5, Seed: 5, Model: DefaultModel(), Pacer: o})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Simulate(Run{Agents: 20, Hours: 0.5, Days: 3, Seed: 5, Model: DefaultModel(), Pacer: o})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.ByDay) != 3 || len(r.ByHour) != 3 || r.ByHour[2].Day != 2 || r.ByHour[2].Length != 30*time.Minute {
		t.Fatalf("days %+v, hours %+v", r.ByDay, r.ByHour)
	}
	if !reflect.DeepEqual(one.ByHour[0], r.ByHour[0]) {
		t.Errorf("the first day differs from a run of one day:\n%+v\n%+v", one.ByHour[0], r.ByHour[0])
	}
	var talk, idle float64
	live := 0
	for i, d := range r.ByDay {
		h := r.ByHour[i]
		if d.TalkMinPerAgentHour != h.TalkMinPerAgentHour || d.LiveAnswers != h.LiveAnswers || d.Abandoned != h.Abandoned {
			t.Errorf("day %d %+v, its hour %+v", i+1, d, h)
		}
		talk += d.TalkMinPerAgentHour / 3
		idle += d.IdleShare / 3
		live += d.LiveAnswers
	}
	if math.Abs(talk-r.TalkMinPerAgentHour) > 1e-9 || math.Abs(idle-r.IdleShare) > 1e-9 {
		t.Errorf("days add up to talk %v, idle %v; the run %v, %v", talk, idle, r.TalkMinPerAgentHour, r.IdleShare)
	}
	// Answers in the seconds after a close count in the run, not the day.
	if live > r.LiveAnswers || live < r.LiveAnswers-20 {
		t.Errorf("days hold %d live answers, the run %d", live, r.LiveAnswers)
	}
	// Dialing through the night, or idling through it, would show here.
	if r.DialsPerAgentHour > 1.3*one.DialsPerAgentHour || r.IdleShare > 0.5 {
		t.Errorf("dials %.1f/agent-h (one day %.1f), idle %.0f%%", r.DialsPerAgentHour, one.DialsPerAgentHour, 100*r.IdleShare)
	}
	if r.MaxAbandonRate > o.AbandonCap {
		t.Errorf("abandonment reached %.2f%% at %v", 100*r.MaxAbandonRate, r.WorstMoment)
	}
	later := (r.ByDay[1].TalkMinPerAgentHour + r.ByDay[2].TalkMinPerAgentHour) / 2
	t.Logf("talk by day: %.2f, %.2f, %.2f", r.ByDay[0].TalkMinPerAgentHour, r.ByDay[1].TalkMinPerAgentHour, r.ByDay[2].TalkMinPerAgentHour)
	if later < r.ByDay[0].TalkMinPerAgentHour+1 {
		t.Errorf("days 2-3 talk %.2f, the first day %.2f: the pacer did not carry its window over", later, r.ByDay[0].TalkMinPerAgentHour)
	}
	for _, bad := range []Run{{Agents: 5, Hours: 8, Days: 32}, {Agents: 5, Hours: 25, Days: 2}, {Agents: 5, Hours: 8, Days: -1}} {
		bad.Model, bad.Pacer = DefaultModel(), o
		if _, err := Simulate(bad); err == nil {
			t.Errorf("%d days of %v h accepted", bad.Days, bad.Hours)
		}
	}
}

// A campaign's first minutes, when its room is a few abandons and its
// answers have not yet earned the budget's safety: two starts of 50 agents
// in 3000 met a burst of answers that took the rate over the cap for a few
// seconds while the burst check allowed a chance of 1e-3 per decision
// (this seed: 17 of 36 ringing dials answered within 8 s, 3.56 % at minute
// 11). The pacer is set as dialer simulate sets it (the handle time and
// wrap-up given).
func TestCapAtStartBursts(t *testing.T) {
	o := dialer.DefaultOptions(dialer.Predictive)
	o.HandleTime, o.WrapUp = 135*time.Second, 15*time.Second
	for _, seed := range []uint64{2070} {
		r, err := Simulate(Run{Agents: 50, Hours: 0.25, Seed: seed, Model: DefaultModel(), Pacer: o})
		if err != nil {
			t.Fatal(err)
		}
		if r.MaxAbandonRate > o.AbandonCap {
			t.Errorf("seed %d: worst moment %.2f%% at %v", seed, 100*r.MaxAbandonRate, r.WorstMoment.Round(time.Second))
		}
	}
}

// A nightly restart gives each morning a new pacer with the abandonment
// window's hours and what the pacer learned, as a daemon's store keeps
// them: the first day is the same as without it, and the cap holds. (The
// second day is not the same: the new pacer's tables are fresh, the old
// one's up to 25 samples behind, and a decision made otherwise sends the
// day down another path.)
func TestRestartNightly(t *testing.T) {
	o := dialer.DefaultOptions(dialer.Predictive)
	run := Run{Agents: 20, Hours: 0.5, Days: 2, Seed: 5, Model: DefaultModel(), Pacer: o}
	kept, err := Simulate(run)
	if err != nil {
		t.Fatal(err)
	}
	run.RestartNightly = true
	r, err := Simulate(run)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(kept.ByDay[0], r.ByDay[0]) {
		t.Errorf("the first day differs:\n%+v\n%+v", kept.ByDay[0], r.ByDay[0])
	}
	if r.MaxAbandonRate > o.AbandonCap {
		t.Errorf("abandonment reached %.2f%% at %v", 100*r.MaxAbandonRate, r.WorstMoment)
	}
	run.Days = 1
	if _, err := Simulate(run); err == nil {
		t.Error("a nightly restart of a one-day run accepted")
	}

	// The restart itself: the window's hours come back, and the figures.
	pc, err := dialer.NewPacer(o)
	if err != nil {
		t.Fatal(err)
	}
	s := &state{run: run, pacer: pc, epoch: time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC), now: day}
	at := s.epoch
	for i := range 300 {
		pc.DialEnded(at, at.Add(10*time.Second), i%3 == 0)
		pc.Handled(2*time.Minute, 15*time.Second)
		pc.Connected(at, i%50 == 0)
		at = at.Add(5 * time.Minute) // 25 hours: the first hour's counts are in the 30-day window
	}
	s.restart()
	now := s.epoch.Add(s.now)
	wl, wa, _ := pc.Abandonment(now)
	gl, ga, _ := s.pacer.Abandonment(now)
	if s.pacer == pc || gl != wl || ga != wa || wl != 300 || wa != 6 {
		t.Errorf("window after the restart: %d live, %d abandoned; before %d, %d (want 300, 6)", gl, ga, wl, wa)
	}
	if pc.DialSamples() == 0 || s.pacer.DialSamples() != pc.DialSamples() || !bytes.Equal(s.pacer.MarshalLearned(), pc.MarshalLearned()) {
		t.Errorf("dial samples %d before, %d after the restart; want the same, and the same figures", pc.DialSamples(), s.pacer.DialSamples())
	}
}
