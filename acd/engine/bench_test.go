package engine

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/sim"
	"github.com/hotline-cc/hotline/internal/hrtimer"
	"github.com/hotline-cc/hotline/store"
)

// busyHourConfig is a 100-agent, 5-queue call center with skills.
func busyHourConfig(b *testing.B) config.Config {
	b.Helper()
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
	return cfg
}

var busyHourEntries = []string{"100", "101", "102", "103", "104"}

// benchStores are the stores the benchmarks compare: none, and a bbolt
// file with fsync on every commit behind the engine's writer.
var benchStores = []struct {
	name string
	open func(b *testing.B) (Store, func())
}{
	{"store=nop", func(*testing.B) (Store, func()) { return NopStore{}, func() {} }},
	{"store=bbolt-fsync", func(b *testing.B) (Store, func()) {
		db, err := store.Open(filepath.Join(b.TempDir(), "bench.db"), store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		return db, func() { _ = db.Close() }
	}},
}

// BenchmarkBusyHour runs an hour of a 100-agent, 5-queue call center on the
// deterministic simulator: ~2,700 calls with skills, announcements,
// no-answers and wrap-up, as fast as the engine takes them. It reports
// calls and engine inputs per wall second, with no store and with a bbolt
// store syncing every commit, written by the engine's writer in its own
// goroutine (flushed before the clock stops) as in the daemon.
func BenchmarkBusyHour(b *testing.B) {
	cfg := busyHourConfig(b)
	for _, bs := range benchStores {
		b.Run(bs.name, func(b *testing.B) {
			var calls, events int
			var commits uint64
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				st, closeStore := bs.open(b)
				w := store.NewWriter(st, store.WriterOptions{})
				w.Start()
				r, err := NewSimRun(SimOptions{Core: Options{Config: cfg, Store: st, Writer: w, Seed: uint64(i)}, Start: epoch,
					Sim: sim.Options{Seed: int64(i), Latency: 20 * time.Millisecond,
						Phones: config.SimAgentPhone{AnswerDelay: 3 * time.Second, NoAnswerRate: 0.05, TalkTime: 2 * time.Minute}}})
				if err != nil {
					b.Fatal(err)
				}
				if err := r.Switch.StartTraffic(sim.Traffic{Entries: busyHourEntries, RatePerMinute: 45, Patience: 2 * time.Minute, Until: epoch.Add(time.Hour)}); err != nil {
					b.Fatal(err)
				}
				r.RunUntil(epoch.Add(70 * time.Minute))
				if err := w.Close(context.Background()); err != nil {
					b.Fatal(err)
				}
				commits += w.Durable()
				st2 := r.Switch.Stats()
				calls += st2.CallsPlaced
				events += st2.Events
				b.StopTimer()
				closeStore()
				b.StartTimer()
			}
			b.ReportMetric(float64(calls)/b.Elapsed().Seconds(), "calls/s")
			b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(commits)/float64(max(calls, 1)), "writes/call")
		})
	}
}

// BenchmarkLoopLag runs the daemon's runtime against the simulator in real
// time while about 50 calls a second arrive (5 s of traffic), and reports
// how late the engine loop took up events and timers (lag p50, p99, max)
// and how long it worked on one (work p99, max). Lag includes the time the
// process waits for a CPU, so it is only as good as the machine is idle;
// work shows whether the engine itself ever waits (on the disk, say);
// sleep-late is how late a goroutine that does nothing but wait 1 ms on the
// same kind of timer as the engine wakes meanwhile, the machine's own share
// of the lag.
func BenchmarkLoopLag(b *testing.B) {
	cfg := busyHourConfig(b)
	for _, bs := range benchStores {
		b.Run(bs.name, func(b *testing.B) {
			lag := &LagRecorder{}
			calls := 0
			// The machine's own lateness, for comparison: a goroutine that
			// only waits 1 ms at a time records how late it wakes.
			base := &LagRecorder{}
			stop := make(chan struct{})
			probed := make(chan struct{})
			go func() {
				defer close(probed)
				t := hrtimer.New()
				defer t.Close()
				for {
					due := time.Now().Add(time.Millisecond)
					t.Reset(time.Millisecond)
					select {
					case <-stop:
						return
					case <-t.C:
						base.add(time.Since(due))
					}
				}
			}()
			for i := 0; i < b.N; i++ {
				st, closeStore := bs.open(b)
				calls += runLoopLag(b, cfg, st, lag, int64(i))
				closeStore()
			}
			close(stop)
			<-probed
			b99, _ := base.Quantile(0.99)
			b.ReportMetric(float64(b99.Microseconds())/1000, "sleep-late-p99-ms")
			p50, n := lag.Quantile(0.50)
			p99, _ := lag.Quantile(0.99)
			worst, _ := lag.Quantile(1)
			b.ReportMetric(float64(p50.Microseconds())/1000, "lag-p50-ms")
			b.ReportMetric(float64(p99.Microseconds())/1000, "lag-p99-ms")
			b.ReportMetric(float64(worst.Microseconds())/1000, "lag-max-ms")
			t99, _ := lag.TimerQuantile(0.99)
			b.ReportMetric(float64(t99.Microseconds())/1000, "timer-lag-p99-ms")
			w99, _ := lag.WorkQuantile(0.99)
			wmax, _ := lag.WorkQuantile(1)
			b.ReportMetric(float64(w99.Microseconds())/1000, "work-p99-ms")
			b.ReportMetric(float64(wmax.Microseconds())/1000, "work-max-ms")
			b.ReportMetric(float64(n)/float64(b.N), "inputs/op")
			b.ReportMetric(float64(calls)/float64(b.N), "calls/op")
		})
	}
}

func runLoopLag(b *testing.B, cfg config.Config, st Store, lag *LagRecorder, seed int64) int {
	b.Helper()
	sw, err := sim.New(sim.Options{Seed: seed, Speed: 1, Latency: 5 * time.Millisecond,
		Phones: config.SimAgentPhone{AnswerDelay: 300 * time.Millisecond, NoAnswerRate: 0.05, TalkTime: time.Second}})
	if err != nil {
		b.Fatal(err)
	}
	defer sw.Close()
	rt, err := NewRuntime(RunOptions{Core: Options{Config: cfg, Store: st, Seed: uint64(seed)}, Switch: sw,
		Log: zerolog.Nop(), Lag: lag}) // the daemon's clock; the simulator's runs on wall time at speed 1
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- rt.Run(ctx) }()
	if err := sw.Start(ctx); err != nil {
		b.Fatal(err)
	}
	start := sw.Now()
	if err := sw.StartTraffic(sim.Traffic{Entries: busyHourEntries, RatePerMinute: 50 * 60, Patience: 5 * time.Second,
		Until: start.Add(5 * time.Second)}); err != nil {
		b.Fatal(err)
	}
	time.Sleep(7 * time.Second)
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	return sw.Stats().CallsPlaced
}
