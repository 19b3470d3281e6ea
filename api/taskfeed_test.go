package api

import (
	"fmt"
	"testing"

	"github.com/hotline-cc/hotline/acd/contact"
)

// A stream that falls more than maxPendingTasks behind is told to read its
// list again instead of holding them all; one that keeps up gets each task.
func TestTaskFeedFallsBehind(t *testing.T) {
	var f taskFeed
	slow, stopSlow := f.listen()
	defer stopSlow()
	for i := range maxPendingTasks + 1 {
		f.publish([]contact.Task{{ID: fmt.Sprintf("t-%d", i), State: contact.TaskOpen}})
	}
	if notes, lost := f.take(slow); !lost || len(notes) != 0 {
		t.Fatalf("after %d tasks untaken: %d pending, lost %v; want none pending, lost", maxPendingTasks+1, len(notes), lost)
	}
	f.publish([]contact.Task{{ID: "t-next", State: contact.TaskClaimed, Agent: "alice"}})
	notes, lost := f.take(slow)
	if lost || len(notes) != 1 || string(notes[0].data) != `{"task":{"id":"t-next","call_id":"","contact":0,"reason":"","created":"0001-01-01T00:00:00Z","state":"claimed","agent":"alice"}}` {
		t.Fatalf("after catching up: %+v lost %v", notes, lost)
	}
	select {
	case <-slow.wake:
	default:
		t.Error("no ring for the pending task")
	}
}
