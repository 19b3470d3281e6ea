package esl_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/pbx/pbxtest"
	"github.com/hotline-cc/hotline/esl"
	"github.com/hotline-cc/hotline/esl/esltest"
)

// TestOrderKeptUnderLoad pushes thousands of events with sequence gaps
// like those unsubscribed events leave (one in three numbers skipped) and
// checks that the engine sees every one, in the socket's order, without a
// gap ever being waited for.
func TestOrderKeptUnderLoad(t *testing.T) {
	const n = 5000
	f := newFixture(t, esl.Options{OutboundListen: "127.0.0.1:0"})
	rec := pbxtest.NewRecorder(f.sw.Events(), 10*time.Second)
	a := arrive(t, f, rec, "5556000", "entry,100")
	if err := f.fs.Burst(string(a.Channel), n, 3); err != nil {
		t.Fatal(err)
	}
	rec.WaitFor(t, context.Background(), func(ev pbx.Event) bool {
		d, ok := ev.(pbx.DTMF)
		return ok && d.Duration == time.Duration(n)*time.Second/8000
	})
	dtmf := rec.Filter(pbxtest.On[pbx.DTMF](a.Channel))
	if len(dtmf) != n {
		t.Fatalf("got %d DTMF events, want %d", len(dtmf), n)
	}
	for i, ev := range dtmf {
		if want := time.Duration(i+1) * time.Second / 8000; ev.(pbx.DTMF).Duration != want {
			t.Fatalf("event %d has duration %v, want %v: order lost", i, ev.(pbx.DTMF).Duration, want)
		}
	}
	if st := f.sw.Stats(); st.Inversions != 0 {
		t.Errorf("%d events came after a higher Event-Sequence from a fake that sends them in order", st.Inversions)
	}
}

// TestGapAddsNoDelay: a lone event after a sequence gap reaches the engine
// at once. A reorder window would hold it for the whole window.
func TestGapAddsNoDelay(t *testing.T) {
	f := newFixture(t, esl.Options{OutboundListen: "127.0.0.1:0"})
	rec := pbxtest.NewRecorder(f.sw.Events(), 5*time.Second)
	a := arrive(t, f, rec, "5556100", "entry,100")
	var delays []time.Duration
	for i := 0; i < 20; i++ {
		start := time.Now()
		if err := f.fs.Burst(string(a.Channel), 2, 2); err != nil { // the second one after a gap
			t.Fatal(err)
		}
		want := 2 * time.Second / 8000
		rec.WaitFor(t, context.Background(), func(ev pbx.Event) bool {
			d, ok := ev.(pbx.DTMF)
			return ok && d.Duration == want && d.At.After(start.Add(-time.Millisecond))
		})
		delays = append(delays, time.Since(start))
	}
	slices.Sort(delays)
	t.Logf("burst → second event at the engine: p50 %v, max %v", delays[len(delays)/2], delays[len(delays)-1])
	if p50 := delays[len(delays)/2]; p50 > 15*time.Millisecond {
		t.Errorf("an event after a gap took %v (p50) to reach the engine; nothing should wait for the gap", p50)
	}
}

// TestIdleLinkWoken: mod_event_socket sends the events queued for an idle
// connection only when its client writes or after 20 ms (the fake's
// IdlePoll does the same), so the link writes a line end every
// WakeInterval. Events then wait at most that long; without it, 10 ms on
// average.
func TestIdleLinkWoken(t *testing.T) {
	wait := func(wake time.Duration) time.Duration {
		f := newFixtureOn(t, esltest.Options{IdlePoll: 20 * time.Millisecond}, esl.Options{WakeInterval: wake})
		rec := pbxtest.NewRecorder(f.sw.Events(), 5*time.Second)
		a := arrive(t, f, rec, "5556200", "entry,100")
		var delays []time.Duration
		for i := 0; i < 25; i++ {
			time.Sleep(time.Duration(3+i%7) * time.Millisecond) // at any point of the fake's 20 ms
			start := time.Now()
			if err := f.fs.Burst(string(a.Channel), 1, 1); err != nil {
				t.Fatal(err)
			}
			rec.WaitFor(t, context.Background(), func(ev pbx.Event) bool {
				d, ok := ev.(pbx.DTMF)
				return ok && d.At.After(start.Add(-time.Millisecond))
			})
			delays = append(delays, time.Since(start))
		}
		slices.Sort(delays)
		return delays[len(delays)/2]
	}
	idle, woken := wait(-1), wait(0)
	t.Logf("event → engine, p50: %v with an idle link, %v woken every 2 ms (the default)", idle, woken)
	if idle < 5*time.Millisecond {
		t.Fatalf("with an idle link events took %v (p50): the fake does not hold them as FreeSWITCH does", idle)
	}
	if woken > idle/2 {
		t.Errorf("woken every 2 ms, events still took %v (p50), against %v idle", woken, idle)
	}
}

// BenchmarkEventsToEngine measures events per second from FreeSWITCH's
// socket (the fake) through the reader, decoding and tracking to pbx
// events on Events. Run with -cpu 1 for the one-core figure.
func BenchmarkEventsToEngine(b *testing.B) {
	f := newFixture(b, esl.Options{OutboundListen: "127.0.0.1:0"})
	events := f.sw.Events()
	if _, err := f.placeCall(farend.CallScript{From: "5557000", To: "100"}, "entry,100"); err != nil {
		b.Fatal(err)
	}
	var ch pbx.ChannelID
	for ch == "" {
		if a, ok := (<-events).(pbx.CallArrived); ok {
			ch = a.Channel
		}
	}
	b.ResetTimer()
	start := time.Now()
	go func() {
		const batch = 1000
		for sent := 0; sent < b.N; sent += batch {
			f.fs.Burst(string(ch), min(batch, b.N-sent), 0)
		}
	}()
	var last time.Duration
	for got := 0; got < b.N; {
		if d, ok := (<-events).(pbx.DTMF); ok {
			got++
			if d.Duration < last && d.Duration != time.Second/8000 {
				b.Fatalf("order lost at %d", got)
			}
			last = d.Duration
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
}
