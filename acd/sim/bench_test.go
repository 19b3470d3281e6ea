package sim_test

import (
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/sim"
)

// BenchmarkDeterministic measures events per second through deterministic
// mode with the toy engine reacting to every event: an hour of a 40-agent
// floor at 30 calls a minute per iteration.
func BenchmarkDeterministic(b *testing.B) {
	events := 0
	for b.Loop() {
		clock := sim.NewClock(epoch)
		var e *toyEngine
		sw, err := sim.New(sim.Options{Seed: 1, Clock: clock, Emit: func(ev pbx.Event) {
			events++
			e.handle(ev)
		}, Phones: config.SimAgentPhone{AnswerDelay: 3 * time.Second, NoAnswerRate: 0.1, BusyRate: 0.05, TalkTime: 80 * time.Second}})
		if err != nil {
			b.Fatal(err)
		}
		e = newToyEngine(sw, 40)
		err = sw.StartTraffic(sim.Traffic{Entries: []string{"100"}, RatePerMinute: 30, Patience: 2 * time.Minute,
			DTMFChance: 0.3, Keys: []string{"1", "2"}, Until: epoch.Add(time.Hour)})
		if err != nil {
			b.Fatal(err)
		}
		clock.RunUntil(epoch.Add(2 * time.Hour))
		_ = sw.Close()
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(events)/float64(b.N), "events/op")
}

// BenchmarkClock is one Schedule plus one Step on a clock holding 1000
// pending functions.
func BenchmarkClock(b *testing.B) {
	c := sim.NewClock(epoch)
	fn := func() {}
	for i := range 1000 {
		c.After(time.Duration(i)*time.Millisecond, fn)
	}
	for b.Loop() {
		c.After(time.Second, fn)
		c.Step()
	}
}
