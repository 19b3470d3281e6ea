package report

import (
	"fmt"
	"iter"
	"math/rand/v2"
	"runtime"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/store"
)

// monthCenter generates a month of a call center day by day, the same for
// the same seed: agents log in at 08:00 and out at 20:00, take calls
// (exponential talk, 15 s wrap-up) and a lunch pause; callers arrive as a
// Poisson stream over 12 hours and abandon one time in twenty. It is a
// Source, so it stands in for a store without holding the month.
type monthCenter struct {
	start        time.Time
	days, agents int
	callsPerDay  int
	queues       []string
}

var _ Source = monthCenter{}

func (m monthCenter) day(d int) ([]store.CallRecord, []store.AgentChange) {
	rng := rand.New(rand.NewPCG(uint64(d), 7))
	open := m.start.AddDate(0, 0, d).Add(8 * time.Hour)
	closeAt := open.Add(12 * time.Hour)
	free := make([]time.Time, m.agents) // when each agent is next free
	var changes []store.AgentChange
	for a := range m.agents {
		id := fmt.Sprintf("agent%03d", a)
		lunch := open.Add(4*time.Hour + time.Duration(rng.IntN(120))*time.Minute)
		changes = append(changes,
			store.AgentChange{Agent: id, At: open, From: acd.LoggedOut, To: acd.Available},
			store.AgentChange{Agent: id, At: lunch, From: acd.Available, To: acd.Paused, Reason: "lunch"},
			store.AgentChange{Agent: id, At: lunch.Add(30 * time.Minute), From: acd.Paused, To: acd.Available},
			store.AgentChange{Agent: id, At: closeAt.Add(time.Hour), From: acd.Available, To: acd.LoggedOut})
		free[a] = open
	}
	calls := make([]store.CallRecord, 0, m.callsPerDay)
	gap := 12 * time.Hour / time.Duration(m.callsPerDay)
	at := open
	for i := range m.callsPerDay {
		at = at.Add(time.Duration(rng.ExpFloat64() * float64(gap)))
		q := m.queues[i%len(m.queues)]
		rec := store.CallRecord{ID: fmt.Sprintf("d%02d-%06d", d, i), Direction: acd.DirectionInbound, Caller: "+15550000000",
			Queue: q, Entered: at, Timeline: []store.Step{{At: at, Kind: "arrived"}, {At: at, Kind: "enqueue", Detail: q}}}
		a := rng.IntN(m.agents)
		wait := max(0, free[a].Sub(at)) + time.Duration(rng.ExpFloat64()*float64(10*time.Second))
		if rng.IntN(20) == 0 {
			rec.Wait, rec.Outcome, rec.HangupBy = wait, acd.OutcomeAbandoned, acd.HangupCaller
			rec.Ended = at.Add(wait)
			rec.Timeline = append(rec.Timeline, store.Step{At: rec.Ended, Kind: "abandon"})
			calls = append(calls, rec)
			continue
		}
		id := fmt.Sprintf("agent%03d", a)
		talk := time.Duration(rng.ExpFloat64() * float64(4*time.Minute))
		rec.Wait, rec.Talk, rec.WrapUp = wait, talk, 15*time.Second
		rec.Answered, rec.Agent, rec.Outcome, rec.HangupBy = at.Add(wait), id, acd.OutcomeAnswered, acd.HangupAgent
		rec.Ended = rec.Answered.Add(talk)
		rec.Attempts = []store.Attempt{{Agent: id, At: rec.Answered.Add(-3 * time.Second), Result: acd.AttemptAnswered}}
		rec.Timeline = append(rec.Timeline, store.Step{At: rec.Answered.Add(-3 * time.Second), Kind: "offer", Agent: id},
			store.Step{At: rec.Answered, Kind: "connect", Agent: id}, store.Step{At: rec.Ended, Kind: "end", Detail: "answered"})
		if rng.IntN(4) == 0 {
			rec.Disposition = "sale"
		}
		calls = append(calls, rec)
		// the agent's changes for this call: on call, wrap-up, available
		if rec.Answered.After(free[a]) {
			changes = append(changes,
				store.AgentChange{Agent: id, At: rec.Answered, Seq: uint64(i), From: acd.Available, To: acd.OnCall, Call: rec.ID},
				store.AgentChange{Agent: id, At: rec.Ended, Seq: uint64(i), From: acd.OnCall, To: acd.WrapUp, Call: rec.ID},
				store.AgentChange{Agent: id, At: rec.Ended.Add(rec.WrapUp), Seq: uint64(i), From: acd.WrapUp, To: acd.Available, Call: rec.ID})
			free[a] = rec.Ended.Add(rec.WrapUp)
		}
	}
	slices.SortStableFunc(changes, func(x, y store.AgentChange) int { return x.At.Compare(y.At) })
	return calls, changes
}

func (m monthCenter) Calls(f store.Filter) iter.Seq2[store.CallRecord, error] {
	return func(yield func(store.CallRecord, error) bool) {
		for d := range m.days {
			calls, _ := m.day(d)
			for _, c := range calls {
				if !c.Entered.Before(f.From) && c.Entered.Before(f.To) && !yield(c, nil) {
					return
				}
			}
		}
	}
}

func (m monthCenter) AgentChanges(_ string, from, to time.Time) ([]store.AgentChange, error) {
	var out []store.AgentChange
	for d := range m.days {
		dayStart := m.start.AddDate(0, 0, d)
		if !dayStart.Before(to) || !dayStart.AddDate(0, 0, 1).After(from) {
			continue
		}
		_, changes := m.day(d)
		for _, ch := range changes {
			if !ch.At.Before(from) && ch.At.Before(to) {
				out = append(out, ch)
			}
		}
	}
	return out, nil
}

func month(callsPerDay int) monthCenter {
	return monthCenter{start: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), days: 30, agents: 100, callsPerDay: callsPerDay,
		queues: []string{"sales", "support", "billing", "vip", "spanish"}}
}

// BenchmarkMonth reports a month of a 100-agent call center (400,000
// calls, 1.2 million agent changes) by day and by 15 minutes. The records
// are generated a day at a time with the timer stopped, so what is timed
// is the report's own work (reading a store is not included); heap-MB is
// the heap in use once the report is built.
func BenchmarkMonth(b *testing.B) {
	m := month(400_000 / 30)
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		b.Skip(err)
	}
	for _, iv := range []Interval{IntervalDay, Interval15m} {
		b.Run(string(iv), func(b *testing.B) {
			var r *Report
			calls := 0
			var cpu time.Duration // CPU time of the report's own work, whatever the machine's load
			for b.Loop() {
				bl, err := NewBuilder(Options{From: m.start, To: m.start.AddDate(0, 0, m.days), Interval: iv, Location: loc, ShortAbandon: 5 * time.Second})
				if err != nil {
					b.Fatal(err)
				}
				calls = 0
				for d := range m.days {
					b.StopTimer()
					recs, changes := m.day(d)
					b.StartTimer()
					before := cpuTime()
					for i := range recs {
						bl.AddCall(&recs[i])
						calls++
					}
					for i := range changes {
						if err := bl.AddChange(&changes[i]); err != nil {
							b.Fatal(err)
						}
					}
					cpu += cpuTime() - before
				}
				before := cpuTime()
				r = bl.Report()
				cpu += cpuTime() - before
			}
			b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heap-MB")
			b.ReportMetric(float64(calls), "calls")
			b.ReportMetric(float64(len(r.Rows.Queues)+len(r.Rows.Agents)), "rows")
		})
	}
}

// cpuTime is the CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// The memory a month's report holds is the same for 100,000 calls as for
// 400,000: it grows with intervals, queues and agents only.
func TestMonthMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("reports two generated months")
	}
	heap := func(callsPerDay int) (uint64, int) {
		m := month(callsPerDay)
		m.days = 7 // a week is enough to tell
		b, err := NewBuilder(Options{From: m.start, To: m.start.AddDate(0, 0, m.days), Interval: Interval15m})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for d := range m.days {
			calls, changes := m.day(d)
			for i := range calls {
				b.AddCall(&calls[i])
				n++
			}
			for i := range changes {
				if err := b.AddChange(&changes[i]); err != nil {
					t.Fatal(err)
				}
			}
		}
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		runtime.KeepAlive(b)
		return ms.HeapAlloc, n
	}
	small, n1 := heap(3_000)
	large, n4 := heap(12_000)
	t.Logf("heap with the builder of %d calls: %.1f MB; of %d calls: %.1f MB", n1, float64(small)/(1<<20), n4, float64(large)/(1<<20))
	if float64(large) > 1.25*float64(small) {
		t.Errorf("heap grew from %.1f MB to %.1f MB with four times the calls", float64(small)/(1<<20), float64(large)/(1<<20))
	}
}
