package sim

import (
	"container/heap"
	"time"
)

// TimerID names one scheduled function so it can be cancelled.
type TimerID uint64

// Clock is a discrete-event virtual clock: time stands still until Step runs
// the earliest scheduled function and moves Now to its time. It is not safe
// for concurrent use; in deterministic mode one goroutine (the demo's or a
// test's) owns it together with the engine that shares it.
type Clock struct {
	now    time.Time
	nextID TimerID
	timers timerHeap
	byID   map[TimerID]*timer
}

type timer struct {
	at    time.Time
	id    TimerID // also the tie-breaker: ids grow in scheduling order
	fn    func()
	index int // position in the heap, kept by timerHeap
}

// NewClock returns a clock whose Now is start and that has nothing scheduled.
func NewClock(start time.Time) *Clock {
	return &Clock{now: start, byID: make(map[TimerID]*timer)}
}

// Now is the virtual time: the time of the last function Step ran, or a
// later time RunUntil moved to.
func (c *Clock) Now() time.Time { return c.now }

// Schedule arranges for fn to run at at. A time before Now runs at the next
// Step without moving Now backwards. Functions due at the same time run in
// the order they were scheduled. fn may schedule and cancel other functions.
func (c *Clock) Schedule(at time.Time, fn func()) TimerID {
	if fn == nil {
		panic("sim: Clock.Schedule with a nil func")
	}
	c.nextID++
	t := &timer{at: at, id: c.nextID, fn: fn}
	heap.Push(&c.timers, t)
	c.byID[t.id] = t
	return t.id
}

// After schedules fn to run d after Now.
func (c *Clock) After(d time.Duration, fn func()) TimerID {
	return c.Schedule(c.now.Add(d), fn)
}

// Cancel unschedules a function; it reports whether it was still pending.
func (c *Clock) Cancel(id TimerID) bool {
	t, ok := c.byID[id]
	if !ok {
		return false
	}
	heap.Remove(&c.timers, t.index)
	delete(c.byID, id)
	return true
}

// Step runs the earliest scheduled function, first moving Now to its time.
// It returns false, doing nothing, when nothing is scheduled.
func (c *Clock) Step() bool {
	if len(c.timers) == 0 {
		return false
	}
	t := heap.Pop(&c.timers).(*timer)
	delete(c.byID, t.id)
	if t.at.After(c.now) {
		c.now = t.at
	}
	t.fn()
	return true
}

// RunUntil steps through every function due at or before until, then moves
// Now to until if it is later.
func (c *Clock) RunUntil(until time.Time) {
	for len(c.timers) > 0 && !c.timers[0].at.After(until) {
		c.Step()
	}
	if until.After(c.now) {
		c.now = until
	}
}

// Next is the time of the earliest scheduled function.
func (c *Clock) Next() (time.Time, bool) {
	if len(c.timers) == 0 {
		return time.Time{}, false
	}
	return c.timers[0].at, true
}

// Len is how many functions are scheduled.
func (c *Clock) Len() int { return len(c.timers) }

// timerHeap orders timers by time, then by scheduling order.
type timerHeap []*timer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if h[i].at.Equal(h[j].at) {
		return h[i].id < h[j].id
	}
	return h[i].at.Before(h[j].at)
}
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}
func (h *timerHeap) Push(x any) {
	t := x.(*timer)
	t.index = len(*h)
	*h = append(*h, t)
}
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return t
}
