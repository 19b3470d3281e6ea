package ari

import (
	"sync"

	"github.com/hotline-cc/hotline/acd/pbx"
)

// queue holds events between the websocket reader and the engine. It has no
// bound: the reader never waits on the engine, so Asterisk never waits on
// Hotline and no event is dropped for lack of room.
type queue struct {
	mu    sync.Mutex // guards items
	items []pbx.Event
	wake  chan struct{} // holds a token while items may be non-empty
	done  chan struct{} // closed by stop
	once  sync.Once
}

func newQueue() *queue {
	return &queue{wake: make(chan struct{}, 1), done: make(chan struct{})}
}

func (q *queue) push(evs ...pbx.Event) {
	if len(evs) == 0 {
		return
	}
	q.mu.Lock()
	q.items = append(q.items, evs...)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *queue) stop() { q.once.Do(func() { close(q.done) }) }

// pump delivers events to out in order until stop, then closes out.
func (q *queue) pump(out chan<- pbx.Event) {
	defer close(out)
	for {
		q.mu.Lock()
		batch := q.items
		q.items = nil
		q.mu.Unlock()
		for _, ev := range batch {
			select {
			case out <- ev:
			case <-q.done:
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
