package main

import (
	"encoding/json"
	"io"
	"net/http"
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

// TestCallCommand: each action posts to the agent's call route with the
// body the API expects, and the answer is printed in a line; misuse is
// refused before any request.
func TestCallCommand(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = append(got, r.Method+" "+r.URL.Path+" "+strings.TrimSpace(string(b)))
		json.NewEncoder(w).Encode(map[string]any{"id": "c1", "phase": "consulting", "agent": "alice", "queue": "support"})
	}))
	defer srv.Close()
	for _, tc := range []struct {
		args []string
		req  string
		out  string
	}{
		{[]string{"hold", "alice"}, `POST /api/v1/agents/alice/call/hold {}`, "call c1: consulting (alice, queue support)"},
		{[]string{"transfer", "alice", "--to-agent", "bob", "--attended"}, `POST /api/v1/agents/alice/call/transfer {"agent":"bob","attended":true}`, "call c1"},
		{[]string{"transfer", "alice", "--to-number", "+12125550100"}, `POST /api/v1/agents/alice/call/transfer {"number":"+12125550100"}`, "call c1"},
		{[]string{"cancel", "alice"}, `POST /api/v1/agents/alice/call/cancel {}`, "call c1"},
	} {
		got = nil
		code, out, errOut := hotline(t, nil, append([]string{"call"}, append(tc.args, "--api", srv.URL)...)...)
		if code != 0 || len(got) != 1 || got[0] != tc.req || !strings.Contains(out, tc.out) {
			t.Errorf("hotline call %v: exit %d %q %q; requests %q, want %q", tc.args, code, out, errOut, got, tc.req)
		}
	}
	for _, args := range [][]string{{"park", "alice"}, {"hold", "alice", "--to-queue", "billing"}} {
		got = nil
		if code, _, errOut := hotline(t, nil, append([]string{"call"}, append(args, "--api", srv.URL)...)...); code == 0 || len(got) != 0 || errOut == "" {
			t.Errorf("hotline call %v: exit %d, requests %q; want refused with a message", args, code, got)
		}
	}
}

// TestCallsShowTransfers: hotline calls lists a transferred call's parties
// in turn and its hold time.
func TestCallsShowTransfers(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "h.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	at := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	rec := store.CallRecord{ID: "moved", Entered: at, Answered: at.Add(2 * time.Second), Ended: at.Add(time.Minute),
		Agent: "bob", Queue: "billing", Talk: 50 * time.Second, Hold: 5 * time.Second, Transfers: 2, Outcome: acd.OutcomeAnswered,
		Legs: []store.Leg{{Agent: "alice"}, {Agent: "bob", Via: acd.TransferBlind}, {Number: "5551234", Via: acd.TransferAttended}}}
	if err := db.SaveCall(&rec); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(nil, db, zerolog.Nop()))
	defer srv.Close()
	code, out, errOut := hotline(t, nil, "calls", "--api", srv.URL)
	if code != 0 || !strings.Contains(out, "alice→bob→5551234") || !strings.Contains(out, " 5s ") || !strings.Contains(out, "HOLD") {
		t.Errorf("hotline calls: exit %d %q %q; want the parties in turn and the 5s hold", code, out, errOut)
	}
}

// A transfer names its target with exactly one flag, and a misuse of the
// command's flags is a bad argument (exit 2), found before the daemon is
// asked: two targets were sent on and refused as a bad "body", and every
// misuse exited 1.
func TestCallFlagsChecked(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"call", "transfer", "alice"}, "give one of --to-agent, --to-queue or --to-number"},
		{[]string{"call", "transfer", "alice", "--to-agent", "bob", "--to-queue", "sales"}, "give one of --to-agent, --to-queue or --to-number, not 2"},
		{[]string{"call", "hold", "alice", "--to-agent", "bob"}, "hold takes no --to-* or --attended flag"},
		{[]string{"call", "park", "alice"}, `unknown action "park"`},
	} {
		code, _, errOut := hotline(t, nil, append(tc.args, "--api", "127.0.0.1:1")...)
		if code != exitInvalid || !strings.Contains(errOut, tc.want) || strings.Contains(errOut, "body") {
			t.Errorf("%v: exit %d, %q; want %d and %q", tc.args, code, errOut, exitInvalid, tc.want)
		}
	}
}

// A calls flag value the API would refuse is named with its flag and exits
// 2 before the daemon is asked (none listens here).
func TestCallsFlagValuesCheckedFirst(t *testing.T) {
	for _, tc := range []struct{ args []string }{
		{[]string{"--from", "abc"}}, {[]string{"--outcome", "bogus"}}, {[]string{"--direction", "sideways"}},
		{[]string{"--contact", "x"}}, {[]string{"--from", "2026-01-01T00:00:00Z", "--to", "2025-01-01T00:00:00Z"}},
	} {
		code, _, errOut := hotline(t, nil, append([]string{"calls", "--api", "127.0.0.1:1"}, tc.args...)...)
		if code != exitInvalid || !strings.Contains(errOut, tc.args[len(tc.args)-2]) || strings.Contains(errOut, "serve running") {
			t.Errorf("calls %v: exit %d, %q; want 2 naming the flag", tc.args, code, errOut)
		}
	}
}
