// Package reorder puts items back into sequence order when they arrive
// shuffled, waiting a bounded time for numbers that may never come.
//
// FreeSWITCH stamps every event with a global Event-Sequence, but a client
// that subscribed to some events only sees a subset, so gaps are normal. A
// [Buffer] releases an item as soon as every smaller number has been released,
// or, once an item has been held for the window, gives up on the missing
// numbers below it. The buffer is pure: it takes the time from the caller
// and starts no goroutine.
package reorder

import (
	"container/heap"
	"time"
)

// Buffer holds items until their turn. The zero value is not usable; call New.
type Buffer[T any] struct {
	window  time.Duration
	next    uint64 // lowest number not yet released, once started
	started bool
	held    itemHeap[T]
	arrived []arrival // held numbers in arrival order, lazily trimmed
	seen    map[uint64]bool
}

type arrival struct {
	seq uint64
	at  time.Time
}

type item[T any] struct {
	seq uint64
	v   T
}

// New returns a buffer that waits at most window for a missing number.
func New[T any](window time.Duration) *Buffer[T] {
	return &Buffer[T]{window: window, seen: make(map[uint64]bool)}
}

// Push adds an item that arrived at now. If its number was already passed
// (released, or skipped as a gap) it is not held and late is true: the
// caller decides what to do with it. A number already held is dropped as a
// duplicate.
func (b *Buffer[T]) Push(seq uint64, v T, now time.Time) (late bool) {
	if b.started && seq < b.next {
		return true
	}
	if b.seen[seq] {
		return false
	}
	b.seen[seq] = true
	heap.Push(&b.held, item[T]{seq: seq, v: v})
	b.arrived = append(b.arrived, arrival{seq: seq, at: now})
	return false
}

// Release appends to dst, in order, every item that may go at now.
func (b *Buffer[T]) Release(dst []T, now time.Time) []T {
	dst = b.releaseRun(dst)
	// Give up on gaps below any item held for the whole window.
	var upTo uint64
	expired := false
	for len(b.arrived) > 0 {
		a := b.arrived[0]
		if b.started && a.seq < b.next {
			b.arrived = b.arrived[1:]
			continue
		}
		if now.Sub(a.at) < b.window {
			break
		}
		b.arrived = b.arrived[1:]
		if !expired || a.seq > upTo {
			upTo = a.seq
		}
		expired = true
	}
	if expired {
		for b.held.Len() > 0 && b.held[0].seq <= upTo {
			it := heap.Pop(&b.held).(item[T])
			delete(b.seen, it.seq)
			dst = append(dst, it.v)
		}
		b.next, b.started = upTo+1, true
		dst = b.releaseRun(dst)
	}
	if len(b.arrived) == 0 && cap(b.arrived) > 1024 {
		b.arrived = nil
	}
	return dst
}

// releaseRun releases the contiguous run starting at next.
func (b *Buffer[T]) releaseRun(dst []T) []T {
	for b.started && b.held.Len() > 0 && b.held[0].seq == b.next {
		it := heap.Pop(&b.held).(item[T])
		delete(b.seen, it.seq)
		dst = append(dst, it.v)
		b.next++
	}
	return dst
}

// Deadline is when Release must next be called for a held item whose
// predecessors are missing; ok is false when nothing is held.
func (b *Buffer[T]) Deadline() (at time.Time, ok bool) {
	for _, a := range b.arrived {
		if b.started && a.seq < b.next {
			continue
		}
		return a.at.Add(b.window), true
	}
	return time.Time{}, false
}

// Len is the number of items held.
func (b *Buffer[T]) Len() int { return b.held.Len() }

// Next is the lowest number not yet released; ok is false before the first
// release.
func (b *Buffer[T]) Next() (next uint64, ok bool) { return b.next, b.started }

// Reset forgets everything, as after a new connection whose numbering may
// have restarted.
func (b *Buffer[T]) Reset() {
	b.held, b.arrived, b.started, b.next = nil, nil, false, 0
	b.seen = make(map[uint64]bool)
}

type itemHeap[T any] []item[T]

func (h itemHeap[T]) Len() int           { return len(h) }
func (h itemHeap[T]) Less(i, j int) bool { return h[i].seq < h[j].seq }
func (h itemHeap[T]) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *itemHeap[T]) Push(x any)        { *h = append(*h, x.(item[T])) }
func (h *itemHeap[T]) Pop() any {
	old := *h
	it := old[len(old)-1]
	*h = old[:len(old)-1]
	return it
}

// Flush releases everything held, in order, as when the source is gone and
// no missing number can come any more.
func (b *Buffer[T]) Flush(dst []T) []T {
	for b.held.Len() > 0 {
		it := heap.Pop(&b.held).(item[T])
		dst = append(dst, it.v)
		b.next, b.started = it.seq+1, true
	}
	b.arrived = nil
	b.seen = make(map[uint64]bool)
	return dst
}

// ReleaseReady appends the items whose predecessors have all been
// released, skipping no gap whatever the time: for a caller that knows the
// missing numbers may be right behind.
func (b *Buffer[T]) ReleaseReady(dst []T) []T { return b.releaseRun(dst) }
