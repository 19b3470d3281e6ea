package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/api"
)

// TestCallsDisposition: hotline calls disposition posts the disposition
// with its callback to the call's route, notes only when given, a time as
// RFC 3339 with its offset (a duration ahead of now too), and prints what
// the daemon took; a flag that does not parse is refused before any
// request, and a value the daemon refuses (400) names its flag; both exit 2.
func TestCallsDisposition(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = append(got, r.Method+" "+r.URL.EscapedPath()+" "+strings.TrimSpace(string(b)))
		var req api.DispositionRequest
		_ = json.Unmarshal(b, &req)
		if req.CallbackTo == "a9" {
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(api.Error{Error: `campaign "renewals": bad callback: callback_to "a9": want me, anyone or an agent of the campaign (a1, a2)`})
			return
		}
		if req.CallbackTo == "me" {
			req.CallbackTo = "a1" // the daemon names the agent
		}
		json.NewEncoder(w).Encode(req)
	}))
	defer srv.Close()
	for _, tc := range []struct {
		args []string
		req  string
		out  string
	}{
		{[]string{"c1", "sale"}, `POST /api/v1/calls/c1/disposition {"disposition":"sale"}`, "call c1: sale\n"},
		{[]string{"c1", "sale", "--notes", "", "--reason", "renewal"}, `POST /api/v1/calls/c1/disposition {"disposition":"sale","reason":"renewal","notes":""}`, "call c1: sale\n"},
		{[]string{"o 2", "call-back", "--callback-at", "2026-12-03T15:00:00-05:00", "--callback-to", "me", "--notes", "after lunch"},
			`POST /api/v1/calls/o%202/disposition {"disposition":"call-back","callback_at":"2026-12-03T15:00:00-05:00","callback_to":"me","notes":"after lunch"}`,
			"call o 2: call-back; callback at 2026-12-03T15:00:00-05:00 for a1\n"},
	} {
		got = nil
		code, out, errOut := hotline(t, nil, append([]string{"calls", "disposition"}, append(tc.args, "--api", srv.URL)...)...)
		if code != 0 || len(got) != 1 || got[0] != tc.req || out != tc.out {
			t.Errorf("hotline calls disposition %q: exit %d %q %q; requests %q, want %q and %q", tc.args, code, out, errOut, got, tc.req, tc.out)
		}
	}
	// A duration ahead is sent as a time with its offset, that far ahead.
	got = nil
	before := time.Now()
	if code, _, errOut := hotline(t, nil, "calls", "disposition", "c1", "call-back", "--callback-at", "2h", "--api", srv.URL); code != 0 || len(got) != 1 {
		t.Fatalf("--callback-at 2h: exit %d %q; requests %q", code, errOut, got)
	}
	var sent api.DispositionRequest
	_ = json.Unmarshal([]byte(got[0][strings.Index(got[0], "{"):]), &sent)
	if at, err := time.Parse(time.RFC3339, sent.CallbackAt); err != nil || at.Before(before.Add(2*time.Hour-time.Second)) || at.After(time.Now().Add(2*time.Hour)) {
		t.Errorf("--callback-at 2h sent %q (%v); want two hours ahead", sent.CallbackAt, err)
	}
	for _, tc := range []struct {
		args      []string
		want      string
		requested bool
	}{
		{[]string{"c1", "call-back", "--callback-at", "tomorrow 3pm"}, `--callback-at "tomorrow 3pm": want a time with its offset`, false},
		{[]string{"c1", "call-back", "--callback-at", "2026-12-03T15:00:00"}, `--callback-at "2026-12-03T15:00:00": want a time with its offset`, false},
		{[]string{"c1", "call-back", "--callback-at", "-2h"}, `--callback-at "-2h"`, false},
		{[]string{"c1", " "}, "DISPOSITION is empty", false},
		{[]string{"c1"}, "accepts 2 arg(s)", false},
		{[]string{"c1", "call-back", "--callback-to", "a9"}, `--callback-to "a9": campaign "renewals": bad callback: callback_to "a9": want me, anyone or an agent of the campaign (a1, a2)`, true},
	} {
		got = nil
		code, _, errOut := hotline(t, nil, append([]string{"calls", "disposition"}, append(tc.args, "--api", srv.URL)...)...)
		if code != exitInvalid || !strings.Contains(errOut, tc.want) || (len(got) > 0) != tc.requested {
			t.Errorf("hotline calls disposition %q: exit %d %q, requests %q; want %d and %q", tc.args, code, errOut, got, exitInvalid, tc.want)
		}
	}
}
