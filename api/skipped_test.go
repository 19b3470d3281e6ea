package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/internal/storetest"
	"github.com/hotline-cc/hotline/store"
)

// One record damaged in the file (one byte changed) must not hide the others.
func TestCallsSkipUnreadableRecord(t *testing.T) {
	path := storetest.WithCalls(t, "c1", "c2", "c3")
	storetest.DamageRecord(t, path, "c2")
	db, err := store.Open(path, store.Options{NoSync: true})
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
