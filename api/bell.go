package api

import "sync"

// bell wakes its listeners without ever blocking who rings it: a listener
// that has not taken the last ring yet takes one for both. The zero value
// is ready to use.
type bell struct {
	mu   sync.Mutex // guards subs
	subs map[chan struct{}]struct{}
}

func (b *bell) ring() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for c := range b.subs {
		select {
		case c <- struct{}{}:
		default:
		}
	}
}

// listen returns a channel that receives the rings from now on, and the
// function that stops them.
func (b *bell) listen() (<-chan struct{}, func()) {
	c := make(chan struct{}, 1)
	b.mu.Lock()
	if b.subs == nil {
		b.subs = map[chan struct{}]struct{}{}
	}
	b.subs[c] = struct{}{}
	b.mu.Unlock()
	return c, func() {
		b.mu.Lock()
		delete(b.subs, c)
		b.mu.Unlock()
	}
}
