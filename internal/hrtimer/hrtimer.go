// Package hrtimer is a one-shot timer that fires within tens of
// microseconds of its time, where the machine allows it.
//
// A time.Timer on Linux fires up to a millisecond late when the process is
// otherwise idle: the Go runtime waits for its next timer in epoll_wait,
// whose timeout is in whole milliseconds, and rounds a shorter wait up to
// one (golang/go#44343). A loop driven by such a timer takes up a timer due
// in 0.3 ms after about 1 ms. On Linux this package arms a timerfd instead:
// the kernel reports its expiry as a readable file, which the runtime's
// poller hands over as soon as it happens. Elsewhere, or where a timerfd
// cannot be made, it falls back to a time.Timer.
package hrtimer

import "time"

// Timer delivers the wall time on C when it fires. Unlike a time.Timer, a
// tick from an earlier arming may rarely still arrive just after Reset or
// Stop; receivers check that what they wait for is due, as a loop that pops
// due items off a heap does anyway.
type Timer struct {
	// C receives the time the timer fired; it holds at most one tick.
	C <-chan time.Time
	c chan time.Time
	impl
}

// New returns a stopped timer. Close releases it.
func New() *Timer {
	c := make(chan time.Time, 1)
	t := &Timer{C: c, c: c}
	t.impl = newImpl(c)
	return t
}

// Reset arms the timer to fire once after d (at once if d <= 0), replacing
// any earlier arming, and drops a tick not yet received.
func (t *Timer) Reset(d time.Duration) {
	t.drain() // first: the new arming's own tick must not be dropped
	t.arm(max(d, time.Nanosecond))
}

// Stop disarms the timer and drops a tick not yet received.
func (t *Timer) Stop() {
	t.disarm()
	t.drain()
}

func (t *Timer) drain() {
	select {
	case <-t.c:
	default:
	}
}

// impl is the platform's timer.
type impl interface {
	arm(d time.Duration)
	disarm()
	// Close releases the timer; it must not be used afterwards.
	Close() error
}

// goTimer is the fallback: a time.Timer feeding C.
type goTimer struct {
	t *time.Timer
}

func newGoTimer(c chan<- time.Time) *goTimer {
	g := &goTimer{}
	g.t = time.AfterFunc(time.Hour, func() {
		select {
		case c <- time.Now():
		default:
		}
	})
	g.t.Stop()
	return g
}

func (g *goTimer) arm(d time.Duration) { g.t.Reset(d) }
func (g *goTimer) disarm()             { g.t.Stop() }
func (g *goTimer) Close() error        { g.t.Stop(); return nil }
