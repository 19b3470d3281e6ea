package store

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"go.etcd.io/bbolt"
)

// asOlderStore makes a closed store what a Hotline from before the
// recordings index left: no index, no note of it.
func asOlderStore(t *testing.T, path string) {
	t.Helper()
	bdb, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	if err := bdb.Update(func(tx *bbolt.Tx) error {
		if err := tx.DeleteBucket(bucketRecordings); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Delete(keyRecordingsIndexed)
	}); err != nil {
		t.Fatal(err)
	}
}

func indexedCalls(t *testing.T, path string) []string {
	t.Helper()
	bdb, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	var ids []string
	_ = bdb.View(func(tx *bbolt.Tx) error {
		if b := tx.Bucket(bucketRecordings); b != nil {
			return b.ForEach(func(k, _ []byte) error { ids = append(ids, string(k[8:])); return nil })
		}
		return nil
	})
	return ids
}

func listed(t *testing.T, db *DB) (ids []string, bad []*DecodeError) {
	t.Helper()
	es, err := db.Recordings(time.Time{}, time.Time{})
	bad, rest := Skipped(err)
	if rest != nil {
		t.Fatal(rest)
	}
	for _, e := range es {
		ids = append(ids, e.Call+"#"+string(rune('0'+e.N))+"="+e.Name)
	}
	return ids, bad
}

// A store from before the recordings index lists the recordings its calls
// name: read-only, from the calls themselves; read-write, the open indexes
// them once (a damaged record named in the log, nothing else changed), and
// opening again changes nothing.
func TestRecordingsOfAnOlderStore(t *testing.T) {
	db, path := openTemp(t)
	day := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	for _, c := range []*CallRecord{
		{ID: "a", Entered: day, Queue: "q", Agent: "alice", Recording: Recording{Name: "rec-a", Path: "/r/rec-a.wav"}},
		{ID: "b", Entered: day.Add(time.Minute), Queue: "q"},
		{ID: "c", Entered: day.Add(2 * time.Minute), Queue: "q", Agent: "bob", Recording: Recording{Name: "rec-c", Path: "/r/rec-c.wav"},
			MoreRecordings: []Recording{{Name: "rec-c-2", Agent: "cy", Leg: 2}}},
	} {
		if err := db.SaveCall(c); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	asOlderStore(t, path)
	rawPut(t, path, bucketCalls, []byte("z"), []byte(`{"id":"z","entered":`))
	rawPut(t, path, bucketCallIndex, indexKey(day.Add(3*time.Minute), "z"), []byte{})
	want := []string{"a#1=rec-a", "c#1=rec-c", "c#2=rec-c-2"}

	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	got, bad := listed(t, ro)
	ro.Close()
	if !slices.Equal(got, want) || len(bad) != 1 || bad[0].Key != "z" {
		t.Errorf("read-only: %v, damaged %v; want %v and z named", got, bad, want)
	}
	if ids := indexedCalls(t, path); len(ids) != 0 {
		t.Errorf("a read-only open indexed %v", ids)
	}

	var log bytes.Buffer
	rw, err := Open(path, Options{Logger: zerolog.New(&log)})
	if err != nil {
		t.Fatal(err)
	}
	got, bad = listed(t, rw)
	rw.Close()
	if !slices.Equal(got, want) || len(bad) != 0 { // the index does not name z: the open's log does
		t.Errorf("read-write: %v, damaged %v; want %v", got, bad, want)
	}
	if ids := indexedCalls(t, path); !slices.Equal(ids, []string{"a", "c"}) {
		t.Errorf("indexed %v, want a and c", ids)
	}
	if s := log.String(); !strings.Contains(s, `"call":"z"`) || !strings.Contains(s, `"calls":2`) {
		t.Errorf("the log does not name the damaged record z or count two calls indexed:\n%s", s)
	}
	if m := rawGet(t, path, bucketMeta, keyRecordingsIndexed); string(m) != indexedAll {
		t.Errorf("index note %q, want %q", m, indexedAll)
	}

	log.Reset()
	again, err := Open(path, Options{Logger: zerolog.New(&log)})
	if err != nil {
		t.Fatal(err)
	}
	got, _ = listed(t, again)
	again.Close()
	if !slices.Equal(got, want) || strings.Contains(log.String(), "recordings index") {
		t.Errorf("a second open: %v, log:\n%s", got, log.String())
	}
}

// Calls sealed under a key the open was not given are indexed once
// SealCalls gives it.
func TestSealedRecordingsIndexedWithTheKey(t *testing.T) {
	db, path := openTemp(t)
	keys := ring(t, testKeys(t, "k1")...)
	db.SealCalls(keys, "US")
	day := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	for _, c := range []*CallRecord{
		{ID: "s", Entered: day, Queue: "q", Recording: Recording{Name: "rec-s", Path: "/r/rec-s.wav"}},
		{ID: "t", Entered: day.Add(time.Minute), Queue: "q"},
	} {
		if err := db.SaveCall(c); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	asOlderStore(t, path)
	db = reopen(t, path)
	if m := rawGetOpen(t, db); m != indexedClear {
		t.Errorf("index note without the key %q, want %q", m, indexedClear)
	}
	if got, _ := listed(t, db); len(got) != 0 {
		t.Errorf("without the key: %v, want nothing (it cannot be told)", got)
	}
	db.SealCalls(keys, "US")
	if got, _ := listed(t, db); !slices.Equal(got, []string{"s#1=rec-s"}) {
		t.Errorf("with the key: %v, want s's recording", got)
	}
	if m := rawGetOpen(t, db); m != indexedAll {
		t.Errorf("index note with the key %q, want %q", m, indexedAll)
	}
}

func rawGetOpen(t *testing.T, db *DB) string {
	t.Helper()
	var m string
	if err := db.View(func(tx *Tx) error { m = tx.recordingsIndexed(); return nil }); err != nil && !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
	return m
}
