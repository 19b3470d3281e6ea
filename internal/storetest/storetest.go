// Package storetest writes store files for tests: some call records, and
// the damage outside testers did by hand (one byte of one record changed).
package storetest

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/store"
)

// T0 is when the first call of WithCalls entered; the others follow a
// minute apart.
var T0 = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// WithCalls writes a store in a new temporary directory holding answered
// inbound calls of queue support with the given ids, in one transaction.
func WithCalls(t testing.TB, ids ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hotline.db")
	db, err := store.Open(path, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Apply(func(tx *store.Tx) error {
		for i, id := range ids {
			rec := &store.CallRecord{ID: id, Direction: acd.DirectionInbound, Queue: "support", Caller: "555",
				Entered: T0.Add(time.Duration(i) * time.Minute), Outcome: acd.OutcomeAnswered}
			if err := tx.SaveCall(rec); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// DamageRecord changes one byte of the stored JSON of call id, so that
// record no longer decodes while the file's pages stay sound.
func DamageRecord(t testing.TB, path, id string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	at := bytes.Index(raw, []byte(`{"id":"`+id+`"`))
	if at < 0 {
		t.Fatalf("record %s not found in %s", id, path)
	}
	raw[at] = 'X'
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
}
