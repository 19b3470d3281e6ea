package main

import (
	"bytes"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/api"
	"github.com/hotline-cc/hotline/store"
)

var storeT0 = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// storeWithCalls writes a store holding the given call records.
func storeWithCalls(t *testing.T, ids ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hotline.db")
	db, err := store.Open(path, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i, id := range ids {
		rec := &store.CallRecord{ID: id, Direction: acd.DirectionInbound, Queue: "support", Caller: "555",
			Entered: storeT0.Add(time.Duration(i) * time.Minute), Outcome: acd.OutcomeAnswered}
		if err := db.SaveCall(rec); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// damageRecord changes one byte of the stored JSON of call id.
func damageRecord(t *testing.T, path, id string) {
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

func TestCallsListsReadableRecordsAndWarns(t *testing.T) {
	path := storeWithCalls(t, "c1", "c2", "c3")
	damageRecord(t, path, "c2")
	db, err := store.Open(path, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	srv := httptest.NewServer(api.New(nil, db, zerolog.Nop()))
	defer srv.Close()

	code, out, errOut := hotline(t, nil, "calls", "--api", srv.URL)
	if code != 0 {
		t.Fatalf("hotline calls: exit %d, %q", code, errOut)
	}
	if !strings.Contains(out, "c1") || !strings.Contains(out, "c3") || strings.Contains(out, "c2") {
		t.Errorf("hotline calls printed %q, want c1 and c3 only", out)
	}
	if !strings.Contains(errOut, "warning: 1 unreadable") || !strings.Contains(errOut, "calls/c2") {
		t.Errorf("hotline calls warned %q, want it to name calls/c2", errOut)
	}
}
