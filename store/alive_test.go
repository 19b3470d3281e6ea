package store

import (
	"errors"
	"testing"
	"time"
)

// TestAlive: the heartbeat reads back as saved (none: zero), the last of a
// batch wins, and a damaged value is a decode error naming it.
func TestAlive(t *testing.T) {
	db, path := openTemp(t)
	if at, err := db.Alive(); err != nil || !at.IsZero() {
		t.Fatalf("fresh store: %v, %v; want zero, no error", at, err)
	}
	t1 := time.Date(2026, 12, 6, 21, 0, 0, 123456789, time.UTC)
	if err := db.Write([]Op{PutAlive(t1.Add(-time.Second)), PutAlive(t1)}); err != nil {
		t.Fatal(err)
	}
	if at, err := db.Alive(); err != nil || !at.Equal(t1) {
		t.Fatalf("after the write: %v, %v; want %v", at, err, t1)
	}
	if err := PutAlive(time.Time{}).Check(); !errors.Is(err, ErrInvalid) {
		t.Errorf("a heartbeat with no time: %v; want ErrInvalid", err)
	}
	db.Close()
	rawPut(t, path, bucketMeta, keyAlive, []byte("not a time"))
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	at, err := db.Alive()
	var de *DecodeError
	if !errors.As(err, &de) || de.Bucket != "meta" || de.Key != "alive" || !at.IsZero() {
		t.Errorf("damaged heartbeat: %v, %v; want a decode error naming meta/alive, zero", at, err)
	}
}
