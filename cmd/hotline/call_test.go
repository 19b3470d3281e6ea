package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
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
