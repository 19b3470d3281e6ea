package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
)

// faultyTarget commits like a store but refuses some transactions, and
// records every op it committed, in commit order.
type faultyTarget struct {
	mu        sync.Mutex // guards the fields below
	committed []Op
	writes    int
	calls     map[string]CallRecord
	fail      func(n int) bool // whether the n-th Write (from 0) fails
	delay     time.Duration
}

var errDisk = errors.New("disk on fire")

func (f *faultyTarget) Write(ops []Op) error {
	time.Sleep(f.delay)
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.writes
	f.writes++
	if f.fail != nil && f.fail(n) {
		return errDisk
	}
	for _, op := range ops {
		f.committed = append(f.committed, op)
		if op.kind == opPutCall {
			f.calls[op.id] = *op.call
		}
	}
	return nil
}

func (f *faultyTarget) Call(id string) (*CallRecord, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.calls[id]
	if !ok {
		return nil, ErrNotFound
	}
	return &c, nil
}

// numbered is submission i: a call record re-saved (one of a few IDs, so
// order matters) and an agent change (so loss or duplication shows).
func numbered(i int) []Op {
	return []Op{
		PutCall(&CallRecord{ID: fmt.Sprintf("c%d", i%5), Entered: t0, Notes: fmt.Sprint(i)}),
		PutAgentChange(&AgentChange{Agent: "a1", At: t0.Add(time.Duration(i) * time.Second), Seq: uint64(i), To: acd.Available}),
	}
}

// checkCommitted checks what a target received for submissions 0..n-1:
// every agent change once, in order; each call record's versions in order
// (a version a later one in the same commit overwrote may be left out), the
// last version last.
func checkCommitted(t *testing.T, got []Op, n int) {
	t.Helper()
	var changes []uint64
	versions := map[string][]int{}
	for _, op := range got {
		switch r := op.Saves().(type) {
		case *AgentChange:
			changes = append(changes, r.Seq)
		case *CallRecord:
			v, _ := strconv.Atoi(r.Notes)
			versions[r.ID] = append(versions[r.ID], v)
		default:
			t.Fatalf("unexpected op %s", op)
		}
	}
	if len(changes) != n {
		t.Fatalf("committed %d agent changes, want %d (lost or duplicated)", len(changes), n)
	}
	for i, seq := range changes {
		if seq != uint64(i) {
			t.Fatalf("agent change %d committed as %d: out of order", i, seq)
		}
	}
	for k := range min(n, 5) {
		id := fmt.Sprintf("c%d", k)
		vs := versions[id]
		for i := 1; i < len(vs); i++ {
			if vs[i] <= vs[i-1] {
				t.Fatalf("call %s versions committed as %v: out of order or doubled", id, vs)
			}
		}
		last := k + (n-1-k)/5*5
		if len(vs) == 0 || vs[len(vs)-1] != last {
			t.Fatalf("call %s last committed version %v, want %d", id, vs, last)
		}
	}
}

func TestWriterKeepsOrderThroughFailures(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	ft := &faultyTarget{calls: map[string]CallRecord{}, fail: func(int) bool { return rng.IntN(3) == 0 }}
	w := NewWriter(ft, WriterOptions{RetryMin: time.Microsecond, RetryMax: time.Millisecond, MaxBatch: 7})
	w.Start()
	const n = 500
	var last uint64
	for i := range n {
		seq, err := w.Submit(numbered(i)...)
		if err != nil {
			t.Fatal(err)
		}
		if seq != last+1 {
			t.Fatalf("submission %d got sequence %d after %d", i, seq, last)
		}
		last = seq
		if i%50 == 0 {
			time.Sleep(time.Millisecond) // let some commits fail in between
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	checkCommitted(t, ft.committed, n)
	if w.Durable() != last {
		t.Errorf("Durable = %d, want %d", w.Durable(), last)
	}
	if w.Failures() == 0 {
		t.Error("no failure counted, though a third of the commits failed")
	}
	if w.Failing() || w.Err() != nil {
		t.Errorf("still failing after the last commit succeeded: %v", w.Err())
	}
	if _, err := w.Submit(numbered(0)...); !errors.Is(err, ErrWriterClosed) {
		t.Errorf("Submit after Close = %v, want ErrWriterClosed", err)
	}
}

func TestWriterGroupsCommits(t *testing.T) {
	ft := &faultyTarget{calls: map[string]CallRecord{}, delay: 2 * time.Millisecond}
	w := NewWriter(ft, WriterOptions{})
	w.Start()
	const n = 300
	for i := range n {
		if _, err := w.Submit(numbered(i)...); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	checkCommitted(t, ft.committed, n)
	if len(ft.committed) >= 2*n {
		t.Errorf("no call record version was coalesced in %d ops", len(ft.committed))
	}
	if ft.writes > n/10 {
		t.Errorf("%d submissions took %d transactions; a slow disk should gather them", n, ft.writes)
	}
}

func TestWriterFailingIsReportedAndKept(t *testing.T) {
	var mu sync.Mutex
	broken := true
	ft := &faultyTarget{calls: map[string]CallRecord{}, fail: func(int) bool { mu.Lock(); defer mu.Unlock(); return broken }}
	w := NewWriter(ft, WriterOptions{RetryMin: time.Millisecond, RetryMax: time.Millisecond})
	w.Start()
	seq, _ := w.Submit(numbered(0)...)
	deadline := time.Now().Add(30 * time.Second)
	for w.Failures() < 3 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if !w.Failing() || !errors.Is(w.Err(), errDisk) || w.Durable() != 0 || w.Queued() != 2 {
		t.Fatalf("while the disk fails: failing=%v err=%v durable=%d queued=%d", w.Failing(), w.Err(), w.Durable(), w.Queued())
	}
	// A read sees the write that is not on disk yet.
	if c, err := w.Call("c0"); err != nil || c.Notes != "0" {
		t.Errorf("Call(c0) while queued = %+v, %v", c, err)
	}
	mu.Lock()
	broken = false
	mu.Unlock()
	select {
	case got := <-w.Saved():
		if got != seq {
			t.Errorf("Saved = %d, want %d", got, seq)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no Saved after the disk recovered")
	}
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	checkCommitted(t, ft.committed, 1)
}

func TestWriterCloseGivesUpOnContext(t *testing.T) {
	ft := &faultyTarget{calls: map[string]CallRecord{}, fail: func(int) bool { return true }}
	w := NewWriter(ft, WriterOptions{RetryMin: time.Millisecond})
	w.Start()
	_, _ = w.Submit(numbered(0)...)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := w.Close(ctx); !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, errDisk) {
		t.Errorf("Close on a dead disk = %v, want the deadline and the disk error", err)
	}
}

func TestWriterRefusesInvalidOps(t *testing.T) {
	w := NewWriter(&faultyTarget{calls: map[string]CallRecord{}}, WriterOptions{})
	for name, op := range map[string]Op{
		"call without id":     PutCall(&CallRecord{Entered: t0}),
		"bad agent state":     PutAgent(&AgentState{ID: "a1", State: acd.AgentState(77)}),
		"change without time": PutAgentChange(&AgentChange{Agent: "a1"}),
		"empty op":            {},
	} {
		if _, err := w.Submit(numbered(0)[0], op); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: Submit = %v, want ErrInvalid", name, err)
		}
	}
	if w.Queued() != 0 {
		t.Errorf("a refused submission was queued in part: %d ops", w.Queued())
	}
}

// The synchronous mode commits in the caller's goroutine, in order.
func TestWriterCommitSynchronously(t *testing.T) {
	ft := &faultyTarget{calls: map[string]CallRecord{}, fail: func(n int) bool { return n == 1 }}
	w := NewWriter(ft, WriterOptions{})
	for i := range 3 {
		if _, err := w.Submit(numbered(i)...); err != nil {
			t.Fatal(err)
		}
		err := w.Commit()
		if (err != nil) != (i == 1) {
			t.Fatalf("Commit %d = %v", i, err)
		}
	}
	if w.Durable() != 3 || w.Queued() != 0 {
		t.Errorf("Durable = %d, Queued = %d; want 3, 0", w.Durable(), w.Queued())
	}
	checkCommitted(t, ft.committed, 3)
}

func TestWriterSyncCommitsOnSubmit(t *testing.T) {
	ft := &faultyTarget{calls: map[string]CallRecord{}, fail: func(n int) bool { return n == 1 }}
	w := NewWriter(ft, WriterOptions{Sync: true})
	for i := range 3 {
		seq, err := w.Submit(numbered(i)...)
		if err != nil {
			t.Fatal(err)
		}
		want := seq
		if i == 1 {
			want = seq - 1 // the second commit failed: kept for the next one
		}
		if w.Durable() != want {
			t.Errorf("after submission %d: Durable = %d, want %d", i, w.Durable(), want)
		}
	}
	if w.Failures() != 1 || w.Failing() {
		t.Errorf("Failures = %d, Failing = %v; want 1, false", w.Failures(), w.Failing())
	}
	checkCommitted(t, ft.committed, 3)
}

func TestCoalesceKeepsLastOpPerRecord(t *testing.T) {
	c1 := &CallRecord{ID: "c1", Entered: t0}
	batch := []Op{
		PutCall(c1), PutActive(&ActiveCall{CallID: "c1"}), PutAgentChange(&AgentChange{Agent: "a", At: t0, Seq: 1}),
		PutCall(c1), DeleteActive("c1"), PutAgentChange(&AgentChange{Agent: "a", At: t0, Seq: 2}),
		DeleteCallback("b1"), PutCallback(&Callback{ID: "b1"}), PutActive(&ActiveCall{CallID: "c2"}),
	}
	var got []string
	for _, op := range coalesce(batch) {
		got = append(got, op.String())
	}
	want := []string{`save agent change "a"`, `save call "c1"`, `delete active call "c1"`, `save agent change "a"`,
		`save callback "b1"`, `save active call "c2"`}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("coalesce =\n%q\nwant\n%q", got, want)
	}
}

func TestEnteredOf(t *testing.T) {
	c := fullCall("c1", t0)
	c.CallerName = `Tricky "entered":"2001-01-01T00:00:00Z"`
	data, _ := json.Marshal(c)
	if got, ok := enteredOf(data); !ok || !got.Equal(t0) {
		t.Errorf("enteredOf = %v, %v; want %v", got, ok, t0)
	}
	for _, bad := range []string{`{}`, `{"entered":`, `{"entered":"x"}`, `{"entered":12}`} {
		if _, ok := enteredOf([]byte(bad)); ok {
			t.Errorf("enteredOf(%s) ok", bad)
		}
	}
}

// While commits fail, the queue keeps the last version of each record, not
// every change: memory stays bounded by the records, and the order of what
// is kept does not change.
func TestWriterQueueStaysBoundedWhileFailing(t *testing.T) {
	var mu sync.Mutex
	broken := true
	ft := &faultyTarget{calls: map[string]CallRecord{}, fail: func(int) bool { mu.Lock(); defer mu.Unlock(); return broken }}
	w := NewWriter(ft, WriterOptions{Sync: true})
	const n = 1000
	for i := range n {
		if _, err := w.Submit(numbered(i)...); err != nil {
			t.Fatal(err)
		}
	}
	// 5 call records (the last version of each) and every agent change.
	if q := w.Queued(); q != 5+n {
		t.Errorf("Queued = %d while failing, want %d", q, 5+n)
	}
	mu.Lock()
	broken = false
	mu.Unlock()
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	checkCommitted(t, ft.committed, n)
	if w.Durable() != n {
		t.Errorf("Durable = %d, want %d", w.Durable(), n)
	}
}
