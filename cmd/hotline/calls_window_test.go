package main

import (
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/api"
	"github.com/hotline-cc/hotline/store"
)

// TestCallsMarksEndsSeenOnlyInPart: a call that ended while Hotline was down
// shows its talk as a least value ("≥"), one seen to its end exactly.
func TestCallsMarksEndsSeenOnlyInPart(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "h.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	at := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	for _, rec := range []store.CallRecord{
		{ID: "seen", Entered: at, Answered: at.Add(2 * time.Second), Ended: at.Add(40 * time.Second),
			Wait: 2 * time.Second, Talk: 38 * time.Second, Outcome: acd.OutcomeAnswered},
		{ID: "unseen", Entered: at.Add(time.Minute), Answered: at.Add(62 * time.Second), EndEarliest: at.Add(80 * time.Second),
			Ended: at.Add(5 * time.Minute), Wait: 2 * time.Second, Talk: 18 * time.Second, Outcome: acd.OutcomeAnswered},
	} {
		if err := db.SaveCall(&rec); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(api.New(nil, db, zerolog.Nop()))
	defer srv.Close()
	code, out, errOut := hotline(t, nil, "calls", "--api", srv.URL)
	if code != 0 {
		t.Fatalf("hotline calls: exit %d, %q", code, errOut)
	}
	for _, line := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(line, "seen "):
			if !strings.Contains(line, " 38s ") || strings.Contains(line, "≥") {
				t.Errorf("call seen to its end: %q, want talk 38s", line)
			}
		case strings.HasPrefix(line, "unseen "):
			if !strings.Contains(line, " ≥18s ") {
				t.Errorf("call that ended unseen: %q, want talk ≥18s", line)
			}
		}
	}
	if !strings.Contains(out, "unseen ") || !strings.Contains(out, "seen ") {
		t.Errorf("hotline calls printed %q", out)
	}
}
