package engine

import (
	"fmt"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/sim"
)

// BenchmarkBusyHour runs an hour of a 100-agent, 5-queue call center on the
// deterministic simulator: ~3,000 calls with menus, skills, announcements,
// no-answers and wrap-up. It reports calls and engine inputs per second of
// CPU.
func BenchmarkBusyHour(b *testing.B) {
	y := "entries:\n"
	for q := 0; q < 5; q++ {
		y += fmt.Sprintf("  - {number: \"%d\", queue: q%d}\n", 100+q, q)
	}
	y += "queues:\n"
	for q := 0; q < 5; q++ {
		y += fmt.Sprintf("  - {name: q%d, strategy: skills-best, skills: {s%d: 3}, targets: [{after: 30s, skills: {}, max_penalty: -1}]}\n", q, q)
	}
	y += "agents:\n"
	for a := 0; a < 100; a++ {
		y += fmt.Sprintf("  - {id: a%d, endpoint: sim/a%d, logged_in: true, skills: {s%d: %d, s%d: 5}, queues: [{queue: q%d}, {queue: q%d, penalty: 1}]}\n",
			a, a, a%5, 1+a%9, (a+1)%5, a%5, (a+1)%5)
	}
	cfg, err := config.Parse([]byte(y), "bench.yaml")
	if err != nil {
		b.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		b.Fatal(err)
	}
	var calls, events int
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		r, err := NewSimRun(SimOptions{Core: Options{Config: cfg, Seed: uint64(i)}, Start: epoch,
			Sim: sim.Options{Seed: int64(i), Latency: 20 * time.Millisecond,
				Phones: config.SimAgentPhone{AnswerDelay: 3 * time.Second, NoAnswerRate: 0.05, TalkTime: 2 * time.Minute}}})
		if err != nil {
			b.Fatal(err)
		}
		var entries []string
		for q := 0; q < 5; q++ {
			entries = append(entries, fmt.Sprint(100+q))
		}
		if err := r.Switch.StartTraffic(sim.Traffic{Entries: entries, RatePerMinute: 45, Patience: 2 * time.Minute, Until: epoch.Add(time.Hour)}); err != nil {
			b.Fatal(err)
		}
		r.RunUntil(epoch.Add(70 * time.Minute))
		st := r.Switch.Stats()
		calls += st.CallsPlaced
		events += st.Events
	}
	b.ReportMetric(float64(calls)/b.Elapsed().Seconds(), "calls/s")
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}
