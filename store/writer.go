package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
)

// Target is where a Writer commits: *DB, or a stand-in in tests. Write
// applies ops in order, all or nothing, and is durable when it returns nil.
type Target interface {
	Write(ops []Op) error
	Call(id string) (*CallRecord, error)
}

var _ Target = (*DB)(nil)

// WriterOptions tune a Writer. The zero value is usable.
type WriterOptions struct {
	// MaxBatch bounds the ops of one transaction; 0 means 4096. A single
	// submission is never split.
	MaxBatch int
	// RetryMin and RetryMax bound the wait before a failed commit is tried
	// again (doubling from min to max); 0 means 10 ms and 2 s.
	RetryMin, RetryMax time.Duration
	Logger             zerolog.Logger
	// Sync commits every submission before Submit returns, in the caller's
	// goroutine (the deterministic simulation). A failed commit stays
	// queued and is tried again with the next submission.
	Sync bool
}

// Writer takes the engine's writes off its goroutine: Submit queues ops
// and returns at once; one goroutine (Start) commits everything queued so far
// in one transaction, so a burst of changes pays one fsync (group commit,
// the idea of bbolt's DB.Batch, but in order). Submissions are committed in
// the order they were made, each exactly once; a commit that fails is kept
// and retried, never dropped, and counted (Failures, Failing). Saved
// reports how far commits have come, by sequence number.
//
// Without Start, Commit applies the queue in the caller's goroutine: the
// deterministic simulation uses the same Writer that way.
type Writer struct {
	target Target
	opts   WriterOptions
	log    zerolog.Logger

	mu     sync.Mutex // guards the fields up to commitMu
	queue  []submission
	ops    int    // ops in queue
	seq    uint64 // sequence number of the last submission
	calls  map[string]pendingCall
	closed bool
	err    error // the last commit error, nil once a commit succeeds

	commitMu sync.Mutex // one commit at a time (Run and Commit)

	wake     chan struct{} // a submission arrived (capacity 1)
	saved    chan uint64   // newest durable sequence (capacity 1)
	stop     chan struct{} // closed by Close: no more submissions to wait for
	quit     chan struct{} // closed when Close gives up: stop retrying
	done     chan struct{} // closed when the goroutine of Start returns
	quitOnce sync.Once
	running  atomic.Bool
	durable  atomic.Uint64
	failures atomic.Uint64
	failing  atomic.Bool
	reasons  failureCounts
}

type submission struct {
	seq uint64
	ops []Op
}

// pendingCall is the newest submitted, not yet committed version of a call
// record, so that a read sees what the engine last wrote.
type pendingCall struct {
	seq uint64
	rec *CallRecord
}

// ErrWriterClosed is returned by Submit after Close.
var ErrWriterClosed = errors.New("store: writer closed")

// NewWriter returns a Writer committing to t. Call Start, or
// call Commit where writes should be synchronous.
func NewWriter(t Target, opts WriterOptions) *Writer {
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 4096
	}
	if opts.RetryMin <= 0 {
		opts.RetryMin = 10 * time.Millisecond
	}
	if opts.RetryMax < opts.RetryMin {
		opts.RetryMax = max(2*time.Second, opts.RetryMin)
	}
	return &Writer{
		target: t, opts: opts, log: opts.Logger.With().Str("component", "writer").Logger(),
		calls: map[string]pendingCall{}, wake: make(chan struct{}, 1), saved: make(chan uint64, 1),
		stop: make(chan struct{}), quit: make(chan struct{}), done: make(chan struct{}),
	}
}

// Submit queues ops to be committed together, after everything submitted
// before, and returns their sequence number. It never waits for the disk.
// An op that could never be written (see Op.Check) refuses the whole
// submission.
func (w *Writer) Submit(ops ...Op) (uint64, error) {
	for _, op := range ops {
		if err := op.Check(); err != nil {
			return 0, err
		}
	}
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return 0, ErrWriterClosed
	}
	w.seq++
	seq := w.seq
	w.queue = append(w.queue, submission{seq: seq, ops: ops})
	w.ops += len(ops)
	for _, op := range ops {
		if op.kind == opPutCall {
			w.calls[op.id] = pendingCall{seq: seq, rec: op.call}
		}
	}
	w.mu.Unlock()
	if w.opts.Sync {
		_ = w.Commit() // counted and kept on failure
		return seq, nil
	}
	select {
	case w.wake <- struct{}{}:
	default:
	}
	return seq, nil
}

// Call returns the record with the given ID as last submitted, whether or
// not it is committed yet.
func (w *Writer) Call(id string) (*CallRecord, error) {
	w.mu.Lock()
	p, ok := w.calls[id]
	w.mu.Unlock()
	if ok {
		return PutCall(p.rec).call, nil // a copy: the caller may change it
	}
	return w.target.Call(id)
}

// Saved delivers the newest durable sequence number after each commit.
// Only the newest matters, so a reader that falls behind misses nothing.
func (w *Writer) Saved() <-chan uint64 { return w.saved }

// Durable is the sequence number of the last committed submission.
func (w *Writer) Durable() uint64 { return w.durable.Load() }

// Submitted is the sequence number of the last submission.
func (w *Writer) Submitted() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.seq
}

// Failing reports whether the last commit failed (its writes are kept and
// retried); a health check reports it.
func (w *Writer) Failing() bool { return w.failing.Load() }

// Failures counts failed commits since the start.
func (w *Writer) Failures() uint64 { return w.failures.Load() }

// Err is the error of the last commit while Failing, else nil.
func (w *Writer) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// Queued is the number of ops submitted and not yet committed.
func (w *Writer) Queued() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.ops
}

// Start commits in a goroutine of its own until Close.
func (w *Writer) Start() {
	w.running.Store(true)
	go w.run()
}

func (w *Writer) run() {
	defer close(w.done)
	var delay time.Duration
	for {
		n, err := w.commit()
		if err != nil {
			delay = min(max(2*delay, w.opts.RetryMin), w.opts.RetryMax)
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-w.quit:
				t.Stop()
				return
			}
			continue
		}
		delay = 0
		if n > 0 {
			continue
		}
		w.mu.Lock()
		closed := w.closed
		w.mu.Unlock()
		if closed {
			return
		}
		select {
		case <-w.wake:
		case <-w.stop:
		case <-w.quit:
			return
		}
	}
}

// Commit applies everything queued now, in the caller's goroutine, in
// transactions of at most MaxBatch ops. On error the ops stay queued.
func (w *Writer) Commit() error {
	for {
		n, err := w.commit()
		if err != nil || n == 0 {
			return err
		}
	}
}

// commit writes the oldest queued submissions (up to MaxBatch ops) in one
// transaction and reports how many submissions it committed.
func (w *Writer) commit() (int, error) {
	w.commitMu.Lock()
	defer w.commitMu.Unlock()
	w.mu.Lock()
	var batch []Op
	n := 0
	for _, s := range w.queue {
		if n > 0 && len(batch)+len(s.ops) > w.opts.MaxBatch {
			break
		}
		batch = append(batch, s.ops...)
		n++
	}
	var last uint64
	if n > 0 {
		last = w.queue[n-1].seq
	}
	w.mu.Unlock()
	if n == 0 {
		return 0, nil
	}
	if err := w.target.Write(coalesce(batch)); err != nil {
		w.failures.Add(1)
		w.reasons.add(err)
		w.failing.Store(true)
		w.mu.Lock()
		w.err = err
		w.compact()
		w.mu.Unlock()
		w.log.Error().Err(err).Str("reason", FailureReason(err)).Int("ops", len(batch)).Uint64("seq", last).Msg("commit failed; kept for retry")
		return 0, err
	}
	w.mu.Lock()
	clear(w.queue[:n]) // let the committed records go
	w.queue = w.queue[n:]
	w.ops -= len(batch)
	for _, op := range batch {
		if op.kind == opPutCall {
			if p, ok := w.calls[op.id]; ok && p.seq <= last {
				delete(w.calls, op.id)
			}
		}
	}
	w.err = nil
	w.mu.Unlock()
	if w.failing.Swap(false) {
		w.log.Info().Uint64("seq", last).Msg("commits succeed again")
	}
	w.durable.Store(last)
	select {
	case <-w.saved: // replaced by the newer number
	default:
	}
	w.saved <- last
	return n, nil
}

// Close refuses further submissions and waits until Start's goroutine has committed
// everything queued, or ctx ends (then the error says how much was left).
// Without Start, Close commits the queue itself.
func (w *Writer) Close(ctx context.Context) error {
	w.mu.Lock()
	already := w.closed
	w.closed = true
	w.mu.Unlock()
	if !already {
		close(w.stop)
	}
	if !w.running.Load() {
		if err := w.Commit(); err != nil {
			return fmt.Errorf("store: writer closed with %d ops not written: %w", w.Queued(), err)
		}
		return nil
	}
	select {
	case <-w.done:
		return nil
	case <-ctx.Done():
		w.quitOnce.Do(func() { close(w.quit) })
		<-w.done
		return fmt.Errorf("store: writer closed with %d ops not written: %w (%w)", w.Queued(), ctx.Err(), w.Err())
	}
}

// coalesce drops the ops of a batch that a later op of the same batch
// overwrites (a record saved again, or saved then deleted): one
// transaction applies the batch, so only the last op on each record shows.
// Under load a call record is re-saved several times per commit, and each
// save costs an encoding and a B+tree update.
func coalesce(batch []Op) []Op {
	if len(batch) < 2 {
		return batch
	}
	type key struct {
		bucket byte
		id     string
	}
	seen := make(map[key]struct{}, len(batch))
	keep := make([]bool, len(batch))
	n := 0
	for i := len(batch) - 1; i >= 0; i-- {
		op := batch[i]
		var b byte
		switch op.kind {
		case opPutCall:
			b = 'c'
		case opPutAgent:
			b = 'a'
		case opPutActive, opDeleteActive:
			b = 'l'
		case opPutCallback, opDeleteCallback:
			b = 'b'
		case opPutAlive:
			b = 'h' // the last heartbeat says all
		default: // agent changes each have their own key
			keep[i] = true
			n++
			continue
		}
		k := key{b, op.id}
		if _, ok := seen[k]; ok {
			continue
		}
		seen[k] = struct{}{}
		keep[i] = true
		n++
	}
	if n == len(batch) {
		return batch
	}
	out := make([]Op, 0, n)
	for i, op := range batch {
		if keep[i] {
			out = append(out, op)
		}
	}
	return out
}

// compact merges the queue into one submission of the last op on each
// record, so that while commits fail the queue holds the state to write,
// not every change on the way (a call re-saved a hundred times is one op).
// The merged writes are committed together or not at all, which keeps their
// order. Called with mu held.
func (w *Writer) compact() {
	if len(w.queue) < 2 {
		return
	}
	var all []Op
	for _, s := range w.queue {
		all = append(all, s.ops...)
	}
	merged := submission{seq: w.queue[len(w.queue)-1].seq, ops: coalesce(all)}
	clear(w.queue)
	w.queue = append(w.queue[:0], merged)
	w.ops = len(merged.ops)
}
