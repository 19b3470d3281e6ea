package store

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// A backup taken while calls are being saved is a store file holding every
// call saved before it began, and only whole transactions.
func TestBackupWhileWriting(t *testing.T) {
	db, _ := openTemp(t)
	var saved atomic.Int64 // calls c0..c(saved-1) are committed
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			// Two records per transaction: a copy holding one without the
			// other would not be a consistent one.
			err := db.Apply(func(tx *Tx) error {
				for _, id := range []string{fmt.Sprintf("c%d", i), fmt.Sprintf("d%d", i)} {
					if err := tx.SaveCall(fullCall(id, t0.Add(time.Duration(i)*time.Second))); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				done <- err
				return
			}
			saved.Store(int64(i + 1))
		}
	}()
	for saved.Load() < 50 {
		time.Sleep(time.Millisecond)
	}
	before := saved.Load()
	var buf bytes.Buffer
	var size int64
	n, err := db.Backup(&buf, func(s int64) { size = s })
	close(stop)
	if werr := <-done; werr != nil {
		t.Fatal(werr)
	}
	if err != nil {
		t.Fatal(err)
	}
	if n != size || int64(buf.Len()) != n {
		t.Errorf("Backup wrote %d bytes, announced %d, buffer holds %d", n, size, buf.Len())
	}
	path := filepath.Join(t.TempDir(), "backup.db")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	copyDB, err := Open(path, Options{Verify: true, ReadOnly: true})
	if err != nil {
		t.Fatalf("the backup does not open: %v", err)
	}
	defer copyDB.Close()
	calls, err := copyDB.CollectCalls(Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(calls)%2 != 0 || int64(len(calls)/2) < before {
		t.Fatalf("the backup holds %d calls; want whole pairs, at least the %d pairs saved before it began", len(calls), before)
	}
	for i := range len(calls) / 2 {
		for _, id := range []string{fmt.Sprintf("c%d", i), fmt.Sprintf("d%d", i)} {
			if _, err := copyDB.Call(id); err != nil {
				t.Errorf("the backup lacks %s: %v", id, err)
			}
		}
	}
}
