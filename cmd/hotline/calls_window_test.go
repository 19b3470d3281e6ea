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
	at := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	srv := callsServer(t, []store.CallRecord{
		{ID: "seen", Entered: at, Answered: at.Add(2 * time.Second), Ended: at.Add(40 * time.Second),
			Wait: 2 * time.Second, Talk: 38 * time.Second, Outcome: acd.OutcomeAnswered},
		{ID: "unseen", Entered: at.Add(time.Minute), Answered: at.Add(62 * time.Second), EndEarliest: at.Add(80 * time.Second),
			Ended: at.Add(5 * time.Minute), Wait: 2 * time.Second, Talk: 18 * time.Second, Outcome: acd.OutcomeAnswered},
	}...)
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

// TestCallsFiltersByPeriodAndDirection: --to and --direction reach the
// API's filters, so the CLI searches as GET /api/v1/calls does.
func TestCallsFiltersByPeriodAndDirection(t *testing.T) {
	at := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	srv := callsServer(t, []store.CallRecord{
		{ID: "morning-in", Direction: acd.DirectionInbound, Entered: at, Ended: at.Add(time.Minute), Outcome: acd.OutcomeAbandoned},
		{ID: "noon-out", Direction: acd.DirectionOutbound, Caller: "+15550000000", Called: "+33140000001",
			Entered: at.Add(3 * time.Hour), Ended: at.Add(3*time.Hour + time.Minute), Outcome: acd.OutcomeAbandoned},
	}...)
	for _, tc := range []struct {
		args      []string
		want, not string
	}{
		{[]string{"--from", "2026-01-05T08:00:00Z", "--to", "2026-01-05T10:00:00Z"}, "morning-in ", "noon-out "},
		{[]string{"--direction", "outbound"}, "noon-out ", "morning-in "},
		// A campaign's dial shows the lead's number dialed, not the campaign's caller id.
		{[]string{"--direction", "outbound"}, "→+33140000001", "+15550000000"},
	} {
		code, out, errOut := hotline(t, nil, append([]string{"calls", "--api", srv.URL}, tc.args...)...)
		if code != 0 {
			t.Fatalf("hotline calls %v: exit %d, %q", tc.args, code, errOut)
		}
		if !strings.Contains(out, tc.want) || strings.Contains(out, tc.not) {
			t.Errorf("hotline calls %v printed %q, want %s and not %s", tc.args, out, tc.want, tc.not)
		}
	}
}

// callsServer serves recs through the API from a store in a temp dir.
func callsServer(t *testing.T, recs ...store.CallRecord) *httptest.Server {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "h.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, rec := range recs {
		if err := db.SaveCall(&rec); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(api.New(nil, db, zerolog.Nop()))
	t.Cleanup(srv.Close)
	return srv
}
