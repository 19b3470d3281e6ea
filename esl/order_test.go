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
	rec := pbxtest.NewRecorder(f.sw.Events(), 60*time.Second) // 5000 events under the race detector on a loaded machine
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
// though the gap is never filled. A reorder window would hold it for the
// whole window; one that waits for the gap would hold it for good.
// BenchmarkGapDelay measures the delay.
func TestGapAddsNoDelay(t *testing.T) {
	f := newFixture(t, esl.Options{OutboundListen: "127.0.0.1:0"})
	rec := pbxtest.NewRecorder(f.sw.Events(), 30*time.Second)
	a := arrive(t, f, rec, "5556100", "entry,100")
	for range 20 {
		gapped(t, f, rec, a.Channel)
	}
}

// BenchmarkGapDelay measures how long the event after a sequence gap
// takes to reach the engine (goal: p50 under 15 ms; nothing should wait
// for the gap).
func BenchmarkGapDelay(b *testing.B) {
	f := newFixture(b, esl.Options{OutboundListen: "127.0.0.1:0"})
	rec := pbxtest.NewRecorder(f.sw.Events(), 30*time.Second)
	a := arrive(b, f, rec, "5556100", "entry,100")
	var delays []time.Duration
	for b.Loop() {
		start := time.Now()
		gapped(b, f, rec, a.Channel)
		delays = append(delays, time.Since(start))
	}
	slices.Sort(delays)
	b.ReportMetric(float64(delays[len(delays)/2].Microseconds()), "µs-p50")
	b.ReportMetric(float64(delays[len(delays)-1].Microseconds()), "µs-max")
}

// gapped sends two DTMF events with a sequence gap between them and waits
// for the second to reach the engine.
func gapped(t testing.TB, f *fixture, rec *pbxtest.Recorder, ch pbx.ChannelID) {
	t.Helper()
	start := time.Now()
	if err := f.fs.Burst(string(ch), 2, 2); err != nil { // the second one after a gap
		t.Fatal(err)
	}
	want := 2 * time.Second / 8000
	rec.WaitFor(t, context.Background(), func(ev pbx.Event) bool {
		d, ok := ev.(pbx.DTMF)
		return ok && d.Duration == want && d.At.After(start.Add(-time.Millisecond))
	})
}

// TestIdleLinkWoken: mod_event_socket sends the events queued for an idle
// connection only when its client writes or after 20 ms, so the link
// writes a line end every WakeInterval. The fake here holds events until
// its client writes (IdlePoll an hour), and the link's pings are an hour
// apart: only the wakes bring the events in.
func TestIdleLinkWoken(t *testing.T) {
	const never = time.Hour
	hold := esltest.Options{IdlePoll: never}

	// The fake holds events as FreeSWITCH does: without wakes, nothing
	// comes until the link writes a command.
	f := newFixtureOn(t, hold, esl.Options{WakeInterval: -1, PingInterval: never})
	rec := pbxtest.NewRecorder(f.sw.Events(), 30*time.Second)
	// Once the start-up is over: until its sync, the link still writes
	// (a busy machine can hold it that long), and any write brings the
	// held events in.
	rec.WaitFor(t, context.Background(), func(ev pbx.Event) bool { _, ok := ev.(pbx.Synced); return ok })
	time.Sleep(100 * time.Millisecond)
	if _, err := f.placeCall(farend.CallScript{From: "5556200", To: "100"}, "entry,100"); err != nil {
		t.Fatal(err)
	}
	arrived := func(ev pbx.Event) bool { a, ok := ev.(pbx.CallArrived); return ok && a.Caller == "5556200" }
	time.Sleep(200 * time.Millisecond)
	if rec.Index(arrived) >= 0 {
		t.Fatal("the fake sent an event to an idle link that never wrote: it does not hold them as FreeSWITCH does")
	}
	if _, err := f.sw.Snapshot(context.Background()); err != nil {
		t.Fatal(err)
	}
	rec.WaitFor(t, context.Background(), arrived)

	// Woken every 2 ms (the default), the link gets its events unasked.
	f = newFixtureOn(t, hold, esl.Options{PingInterval: never})
	rec = pbxtest.NewRecorder(f.sw.Events(), 30*time.Second)
	a := arrive(t, f, rec, "5556201", "entry,100")
	for range 5 {
		start := time.Now()
		if err := f.fs.Burst(string(a.Channel), 1, 1); err != nil {
			t.Fatal(err)
		}
		rec.WaitFor(t, context.Background(), func(ev pbx.Event) bool {
			d, ok := ev.(pbx.DTMF)
			return ok && d.At.After(start.Add(-time.Millisecond))
		})
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
