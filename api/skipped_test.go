package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/store"
)

// One record damaged in the file (one byte changed) must not hide the others.
func TestCallsSkipUnreadableRecord(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	db, err := store.Open(path, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	for i, id := range []string{"c1", "c2", "c3"} {
		rec := &store.CallRecord{ID: id, Direction: acd.DirectionInbound, Queue: "support", Caller: "555",
			Entered: at.Add(time.Duration(i) * time.Minute), Outcome: acd.OutcomeAnswered}
		if err := db.SaveCall(rec); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	at2 := bytes.Index(raw, []byte(`{"id":"c2"`))
	if at2 < 0 {
		t.Fatal(`record c2 not found in the file as {"id":"c2"`)
	}
	raw[at2] = 'X'
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err = store.Open(path, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	srv := httptest.NewServer(New(nil, db, zerolog.Nop()))
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/api/v1/calls")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v1/calls = %s, want 200 with the readable records", resp.Status)
	}
	var recs []Call
	if err := json.NewDecoder(resp.Body).Decode(&recs); err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0].ID != "c3" || recs[1].ID != "c1" {
		t.Errorf("calls = %+v, want c3 and c1 (newest first)", recs)
	}
	if got := resp.Header.Get(SkippedHeader); got != "1" {
		t.Errorf("%s = %q, want 1", SkippedHeader, got)
	}
	if w := resp.Header.Get("Warning"); !strings.Contains(w, "calls/c2") {
		t.Errorf("Warning = %q, want it to name calls/c2", w)
	}
}
