package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/internal/tmpfs"
)

func TestFailureReason(t *testing.T) {
	for err, want := range map[error]string{
		nil: "",
		&fs.PathError{Op: "write", Path: "/var/lib/hotline/hotline.db", Err: syscall.ENOSPC}: ReasonNoSpace,
		fmt.Errorf("commit: %w", syscall.EDQUOT):                                             ReasonQuota,
		syscall.EROFS:                                                                        ReasonReadOnly,
		syscall.EIO:                                                                          ReasonIO,
		fmt.Errorf("x: %w", ErrCorrupt):                                                      ReasonCorrupt,
		ErrClosed:                                                                            ReasonClosed,
		errors.New("something else"):                                                         ReasonOther,
	} {
		if got := FailureReason(err); got != want {
			t.Errorf("FailureReason(%v) = %q, want %q", err, got, want)
		}
	}
}

// On a full disk, call records are kept and retried, the failure is
// counted as no-space and logged at error level, and every record is on
// disk once space is freed.
func TestDiskFull(t *testing.T) {
	dir := tmpfs.Mount(t, 2<<20)
	path := filepath.Join(dir, "hotline.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { // the last db opened, before the unmount
		if db != nil {
			db.Close()
		}
	}()
	filler := tmpfs.Fill(t, dir)

	var logs lockedBuffer // the writer logs from its goroutine while the test reads
	w := NewWriter(db, WriterOptions{RetryMin: time.Millisecond, RetryMax: 20 * time.Millisecond,
		Logger: zerolog.New(&logs)})
	w.Start()
	const n = 200
	var last uint64
	for i := range n {
		c := fullCall(fmt.Sprintf("c%03d", i), t0.Add(time.Duration(i)*time.Second))
		c.Notes = strings.Repeat("n", 500) // enough to need new pages
		if last, err = w.Submit(PutCall(c)); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for w.Failures() < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if !w.Failing() || FailureReason(w.Err()) != ReasonNoSpace {
		t.Fatalf("on a full disk: failing=%v err=%v, want failing with no space", w.Failing(), w.Err())
	}
	if by := w.FailuresByReason(); by[ReasonNoSpace] == 0 {
		t.Errorf("FailuresByReason = %v, want no-space counted", by)
	}
	if !strings.Contains(logs.String(), `"level":"error"`) || !strings.Contains(logs.String(), `"reason":"no-space"`) {
		t.Errorf("log %q, want an error-level line with reason no-space", logs.String())
	}
	if w.Durable() == last {
		t.Fatal("every record was saved on a full disk: the test wrote too little")
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(30 * time.Second)
	for w.Durable() != last && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if w.Failing() {
		t.Errorf("still failing after space was freed: %v", w.Err())
	}
	db.Close()
	db, err = Open(path, Options{Verify: true})
	if err != nil {
		db = nil
		t.Fatalf("reopening after the disk was full: %v", err)
	}
	calls, err := db.CollectCalls(Filter{})
	if err != nil || len(calls) != n {
		t.Errorf("after the disk was full: %d of %d calls on disk (%v)", len(calls), n, err)
	}
}

// lockedBuffer is a bytes.Buffer one goroutine writes while another reads.
type lockedBuffer struct {
	mu  sync.Mutex // guards buf
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
