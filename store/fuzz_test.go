package store

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
)

// FuzzOpen feeds Open arbitrary files: it must return an error or a usable
// store, never panic or crash, whatever bbolt makes of the bytes.
func FuzzOpen(f *testing.F) {
	real := seedFile(f)
	f.Add(real)
	f.Add(real[:len(real)/2])
	f.Add([]byte("not a database"))
	f.Add(make([]byte, 3*4096))

	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return // an empty file is a new store, not a parse
		}
		path := filepath.Join(t.TempDir(), "f.db")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		// However damaged, a file must not hang the daemon: every step has
		// a deadline. (A stuck goroutine is left behind; the test has failed.)
		var db *DB
		var err error
		within(t, "Open", func() {
			db, err = Open(path, Options{Verify: true, NoSync: true, LockTimeout: 50 * time.Millisecond})
		})
		if err != nil {
			if errors.Is(err, ErrLocked) {
				t.Fatalf("a failed open kept its lock: %v", err)
			}
			return
		}
		within(t, "reading", func() {
			for range db.Calls(Filter{}) {
			}
			_, _ = db.Agents()
			_, _ = db.Callbacks()
			_, _ = db.ActiveCalls()
		})
		within(t, "SaveCall", func() { _ = db.SaveCall(fullCall("c2", t0)) })
		db.Close()
	})
}

// within runs fn and fails the test when it does not return within limit.
func within(t *testing.T, what string, fn func()) {
	const limit = 30 * time.Second // a hang, not a slow machine
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
	case <-time.After(limit):
		t.Fatalf("%s did not return within %v", what, limit)
	}
}

// FuzzRepair feeds Repair arbitrary files: it must end, and whatever it
// writes must be a store that Open accepts with Verify.
func FuzzRepair(f *testing.F) {
	real := seedFile(f)
	f.Add(real)
	f.Add(real[:len(real)/2])

	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		src, dst := filepath.Join(dir, "src.db"), filepath.Join(dir, "dst.db")
		if err := os.WriteFile(src, data, 0o600); err != nil {
			t.Fatal(err)
		}
		var rep *RepairReport
		var err error
		within(t, "Repair", func() { rep, err = Repair(src, dst, nil) })
		if err != nil {
			return
		}
		within(t, "Open of the repaired file", func() {
			db, err := Open(dst, Options{Verify: true, ReadOnly: true})
			if err != nil {
				t.Errorf("Repair wrote %s that Open refuses: %v (report %+v)", dst, err, rep)
				return
			}
			db.Close()
		})
	})
}

// seedFile is a small store file with a call and an agent in it.
func seedFile(f *testing.F) []byte {
	seed := filepath.Join(f.TempDir(), "seed.db")
	db, err := Open(seed, Options{})
	if err != nil {
		f.Fatal(err)
	}
	if err := db.SaveCall(fullCall("c1", t0)); err != nil {
		f.Fatal(err)
	}
	if err := db.SaveAgent(&AgentState{ID: "a1", State: acd.Available}); err != nil {
		f.Fatal(err)
	}
	db.Close()
	real, err := os.ReadFile(seed)
	if err != nil {
		f.Fatal(err)
	}
	return real
}
