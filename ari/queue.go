package ari

import "sync"

// fifo is an unbounded queue with one consumer. Producers never wait: the
// websocket reader never waits on translation, translation never waits on
// the engine, so Asterisk never waits on Hotline and nothing is dropped for
// lack of room.
type fifo[T any] struct {
	mu    sync.Mutex // guards items
	items []T
	wake  chan struct{} // holds a token while items may be non-empty
	done  chan struct{} // closed by stop
	once  sync.Once
}

func newFIFO[T any]() *fifo[T] {
	return &fifo[T]{wake: make(chan struct{}, 1), done: make(chan struct{})}
}

func (q *fifo[T]) push(items ...T) {
	if len(items) == 0 {
		return
	}
	q.mu.Lock()
	q.items = append(q.items, items...)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *fifo[T]) stop() { q.once.Do(func() { close(q.done) }) }

// drain hands every item, in order, to each until stop; each returns false
// to give up early. What is queued at stop is dropped.
func (q *fifo[T]) drain(each func(T) bool) {
	for {
		q.mu.Lock()
		batch := q.items
		q.items = nil
		q.mu.Unlock()
		for _, it := range batch {
			if !each(it) {
				return
			}
		}
		select {
		case <-q.wake:
		case <-q.done:
			return
		}
	}
}

// pumpTo delivers items to out until stop, then closes out.
func (q *fifo[T]) pumpTo(out chan<- T) {
	defer close(out)
	q.drain(func(it T) bool {
		select {
		case out <- it:
			return true
		case <-q.done:
			return false
		}
	})
}
