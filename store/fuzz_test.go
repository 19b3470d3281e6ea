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
	dir := f.TempDir()
	seed := filepath.Join(dir, "seed.db")
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
		db, err := Open(path, Options{Verify: true, NoSync: true, LockTimeout: 50 * time.Millisecond})
		if err != nil {
			if errors.Is(err, ErrLocked) {
				t.Fatalf("a failed open kept its lock: %v", err)
			}
			return
		}
		defer db.Close()
		for range db.Calls(Filter{}) {
		}
		_, _ = db.Agents()
		_, _ = db.Callbacks()
		_, _ = db.ActiveCalls()
		_ = db.SaveCall(fullCall("c2", t0))
	})
}
