package api

import (
	"encoding/json"
	"sync"

	"github.com/hotline-cc/hotline/acd/contact"
)

// maxPendingTasks is how far a stream may fall behind the callback tasks
// written before it is told to read its list again instead.
const maxPendingTasks = 256

// taskFeed hands each event stream the callback tasks written, in order,
// each encoded once for all, without ever blocking the store's writer that
// publishes them.
type taskFeed struct {
	mu   sync.Mutex // guards subs and every sub's pending and lost
	subs map[*taskSub]struct{}
}

// taskSub is one stream's share of the feed.
type taskSub struct {
	wake    chan struct{} // a ring: tasks are pending
	pending []taskNote
	lost    bool // more than maxPendingTasks were dropped: read the list again
}

// taskNote is a task written and its event's data.
type taskNote struct {
	task contact.Task
	data []byte // {"task": ...}
}

// publish hands the tasks of one committed write to every stream.
func (f *taskFeed) publish(written []contact.Task) {
	notes := make([]taskNote, 0, len(written))
	broken := false // a task that does not encode: the streams read their lists again
	for _, t := range written {
		data, err := json.Marshal(TaskEvent{Task: &t})
		broken = broken || err != nil
		notes = append(notes, taskNote{task: t, data: data})
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for sub := range f.subs {
		if sub.lost || broken || len(sub.pending)+len(notes) > maxPendingTasks {
			sub.pending, sub.lost = nil, true
		} else {
			sub.pending = append(sub.pending, notes...)
		}
		select {
		case sub.wake <- struct{}{}:
		default:
		}
	}
}

// listen returns a stream's share of the tasks written from now on, and the
// function that ends it.
func (f *taskFeed) listen() (*taskSub, func()) {
	sub := &taskSub{wake: make(chan struct{}, 1)}
	f.mu.Lock()
	if f.subs == nil {
		f.subs = map[*taskSub]struct{}{}
	}
	f.subs[sub] = struct{}{}
	f.mu.Unlock()
	return sub, func() {
		f.mu.Lock()
		delete(f.subs, sub)
		f.mu.Unlock()
	}
}

// take returns what is pending for sub, and whether some was lost.
func (f *taskFeed) take(sub *taskSub) ([]taskNote, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	notes, lost := sub.pending, sub.lost
	sub.pending, sub.lost = nil, false
	return notes, lost
}
