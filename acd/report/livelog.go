package report

import (
	"bufio"
	"fmt"
	"os"
	"time"

	"github.com/hotline-cc/hotline/store"
)

// LiveQueueLog writes queue_log lines as the engine saves its records: it
// stands between the engine's store writer and the store, passes every
// write on, and once a write is stored appends the lines it brings (a
// call's new steps, rings, answer and end; agent logins, pauses and
// logouts), the same lines WriteQueueLog exports for a past period. It
// remembers, per call still going, which lines it wrote, and forgets the
// call when it ends.
//
// Write is called by one goroutine (the store writer's), so it holds no
// lock. A line that cannot be written is reported by Err and does not fail
// the store write: the records matter more than their log.
type LiveQueueLog struct {
	next    store.Target
	f       *os.File
	w       *bufio.Writer
	written map[string]map[string]bool // call ID → keys of the lines written
	// ended remembers the last calls that ended, so a record saved again
	// after its end (a disposition) writes nothing twice.
	ended     map[string]bool
	endedRing []string
	next0     int
	err       error
}

// rememberEnded is how many ended calls LiveQueueLog remembers.
const rememberEnded = 1 << 16

var _ store.Target = (*LiveQueueLog)(nil)

// OpenLiveQueueLog appends to the queue_log file at path (made if missing)
// and passes writes on to next.
func OpenLiveQueueLog(path string, next store.Target) (*LiveQueueLog, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("queue log: %w", err)
	}
	return &LiveQueueLog{next: next, f: f, w: bufio.NewWriter(f), written: map[string]map[string]bool{},
		ended: map[string]bool{}, endedRing: make([]string, rememberEnded)}, nil
}

// Write stores ops, then appends their queue_log lines.
func (l *LiveQueueLog) Write(ops []store.Op) error {
	if err := l.next.Write(ops); err != nil {
		return err
	}
	for _, op := range ops {
		switch rec := op.Saves().(type) {
		case *store.CallRecord:
			l.call(rec)
		case *store.AgentChange:
			changeEvents(*rec, func(at time.Time, line string) { l.line(at, line) })
		}
	}
	if err := l.w.Flush(); err != nil && l.err == nil {
		l.err = fmt.Errorf("queue log %s: %w", l.f.Name(), err)
	}
	return nil
}

func (l *LiveQueueLog) call(rec *store.CallRecord) {
	if l.ended[rec.ID] {
		return
	}
	done := l.written[rec.ID]
	callLines(rec, func(key string, at time.Time, line string) {
		if done[key] {
			return
		}
		if done == nil {
			done = map[string]bool{}
			l.written[rec.ID] = done
		}
		done[key] = true
		l.line(at, line)
	})
	if !rec.Ended.IsZero() {
		delete(l.written, rec.ID)
		if old := l.endedRing[l.next0]; old != "" {
			delete(l.ended, old)
		}
		l.endedRing[l.next0] = rec.ID
		l.ended[rec.ID] = true
		l.next0 = (l.next0 + 1) % len(l.endedRing)
	}
}

func (l *LiveQueueLog) line(at time.Time, line string) {
	fmt.Fprintf(l.w, "%d|%s\n", at.Unix(), line)
}

// Call reads through to the store.
func (l *LiveQueueLog) Call(id string) (*store.CallRecord, error) { return l.next.Call(id) }

// Err is the first failure to write the log, if any.
func (l *LiveQueueLog) Err() error { return l.err }

// Close flushes and closes the file.
func (l *LiveQueueLog) Close() error {
	err := l.w.Flush()
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	return err
}
