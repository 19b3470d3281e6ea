package hrtimer

import (
	"slices"
	"testing"
	"time"
)

func newTimer(t *testing.T) *Timer {
	t.Helper()
	tm := New()
	t.Cleanup(func() {
		if err := tm.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return tm
}

func TestFiresNotBeforeItsTime(t *testing.T) {
	tm := newTimer(t)
	for _, d := range []time.Duration{-time.Second, 0, time.Microsecond, 300 * time.Microsecond, 3 * time.Millisecond} {
		armed := time.Now()
		tm.Reset(d)
		select {
		case at := <-tm.C:
			if got := at.Sub(armed); got < d {
				t.Errorf("Reset(%v) fired after %v", d, got)
			}
		case <-time.After(time.Second):
			t.Fatalf("Reset(%v) never fired", d)
		}
	}
}

// TestResetReplacesAndStopDisarms runs on the platform's timer and on the
// fallback alike.
func TestResetReplacesAndStopDisarms(t *testing.T) {
	fallback := func(t *testing.T) *Timer {
		c := make(chan time.Time, 1)
		tm := &Timer{C: c, c: c, impl: newGoTimer(c)}
		t.Cleanup(func() { _ = tm.Close() })
		return tm
	}
	for name, newT := range map[string]func(*testing.T) *Timer{"platform": newTimer, "fallback": fallback} {
		t.Run(name, func(t *testing.T) {
			tm := newT(t)
			noTick := func(why string) {
				t.Helper()
				select {
				case <-tm.C:
					t.Fatal("fired " + why)
				case <-time.After(30 * time.Millisecond):
				}
			}
			tm.Reset(time.Millisecond)
			tm.Reset(time.Hour) // replaces the 1 ms arming
			tm.Reset(time.Hour)
			noTick("at the replaced time")
			tm.Reset(5 * time.Millisecond)
			tm.Stop()
			noTick("after Stop")
			tm.Reset(2 * time.Millisecond) // usable again after Stop
			select {
			case <-tm.C:
			case <-time.After(time.Second):
				t.Fatal("never fired after Stop and Reset")
			}
		})
	}
}

// TestSubMillisecondPrecision is the reason for the package: half the
// timers, armed for random times under 2 ms, fire within 0.4 ms of their
// time (a time.Timer's median is about 0.5 ms here, as it waits in whole
// milliseconds). Only a machine starved of CPU for most of the test fails it.
func TestSubMillisecondPrecision(t *testing.T) {
	tm := newTimer(t)
	if _, ok := tm.impl.(*goTimer); ok {
		t.Skip("no high-resolution timer on this platform")
	}
	var late []time.Duration
	for i := range 200 {
		d := time.Duration(i%20) * 100 * time.Microsecond
		due := time.Now().Add(d)
		tm.Reset(d)
		<-tm.C
		late = append(late, time.Since(due))
	}
	slices.Sort(late)
	if p50 := late[len(late)/2]; p50 > 400*time.Microsecond {
		t.Errorf("median lateness %v, want <= 400µs (p90 %v)", p50, late[len(late)*9/10])
	}
}
