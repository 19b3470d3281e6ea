package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/store"
)

// check names the record whose file is gone and the file no record
// names, and exits 1; once they agree it exits 0. list shows the period's.
func TestRecordingsCheckAndList(t *testing.T) {
	tmp := t.TempDir()
	path, dir := filepath.Join(tmp, "h.db"), filepath.Join(tmp, "rec")
	db, err := store.Open(path, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, c := range []store.CallRecord{
		{ID: "c1", Entered: now.Add(-time.Hour), Queue: "support", Agent: "alice", Recording: store.Recording{Name: "day/c1", Path: "/spool/day/c1.wav"},
			MoreRecordings: []store.Recording{{Name: "day/c1-2", Path: "/spool/day/c1-2.wav", Agent: "carol", Leg: 2, Start: now.Add(-50 * time.Minute)}}},
		{ID: "c2", Entered: now.Add(-time.Hour), Queue: "support", Agent: "bob", Recording: store.Recording{Name: "day/c2", Path: "/spool/day/c2.wav"}},
		{ID: "c3", Entered: now.Add(-48 * time.Hour), Queue: "sales", Recording: store.Recording{Name: "c3", Failed: true}},
	} {
		if err := db.SaveCall(&c); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	for _, f := range []string{"day/c1.wav", "day/c1-2.wav", "day/stray.wav"} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), []byte("RIFF"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) (string, error) {
		cmd := newRootCmd()
		var out bytes.Buffer
		cmd.SetArgs(append(append([]string{"recordings"}, args...), "--store", path))
		cmd.SetOut(&out)
		cmd.SetErr(&out)
		err := cmd.ExecuteContext(context.Background())
		return out.String(), err
	}
	out, err := run("check", "--dir", dir)
	if exitCode(err) != exitFailure || !strings.Contains(out, "MISSING  call c2: "+filepath.Join(dir, "day/c2.wav")) ||
		!strings.Contains(out, "ORPHAN   "+filepath.Join(dir, "day/stray.wav")) || strings.Contains(out, "c1.wav") ||
		!strings.Contains(out, "4 recordings on record, 1 without a file (failed or unfinished), 1 missing, 1 files no record names") {
		t.Fatalf("check: %v\n%s", err, out)
	}
	if err := os.Rename(filepath.Join(dir, "day/stray.wav"), filepath.Join(dir, "day/c2.wav")); err != nil {
		t.Fatal(err)
	}
	if out, err := run("check", "--dir", dir); err != nil || !strings.Contains(out, "0 missing, 0 files") {
		t.Fatalf("check after the fix: %v\n%s", err, out)
	}
	out, err = run("list", "--from", "24h")
	if err != nil || !strings.Contains(out, "day/c1") || !strings.Contains(out, "day/c2") || strings.Contains(out, "c3") ||
		!regexp.MustCompile(`c1\s+2\s+support\s+carol\s+2\s+\S+\s+-\s+day/c1-2\s`).MatchString(out) {
		t.Fatalf("list of the last day: %v\n%s", err, out)
	}
	if out, err = run("list", "--from", "72h", "--to", "24h"); err != nil || !strings.Contains(out, "(failed)") || strings.Contains(out, "day/c1") {
		t.Fatalf("list 72h to 24h ago: %v\n%s", err, out)
	}
	if _, err := run("check"); exitCode(err) == 0 {
		t.Fatal("check without a directory succeeded")
	}
}

// get downloads the call's N-th recording through the API, and says the
// API's refusal.
func TestRecordingsGet(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.URL.Path+"?"+r.URL.RawQuery)
		if r.URL.Query().Get("n") == "3" {
			w.WriteHeader(http.StatusNotFound)
			json.NewEncoder(w).Encode(map[string]string{"error": "call c1 has 2 recordings, no number 3: not found"})
			return
		}
		w.Write([]byte("RIFF-" + r.URL.Query().Get("n")))
	}))
	defer srv.Close()
	file := filepath.Join(t.TempDir(), "c1-2.wav")
	if code, out, errOut := hotline(t, nil, "recordings", "get", "c1", "2", "-o", file, "--api", srv.URL); code != 0 {
		t.Fatalf("get c1 2: exit %d %q %q", code, out, errOut)
	}
	if b, err := os.ReadFile(file); err != nil || string(b) != "RIFF-2" || got[0] != "/api/v1/calls/c1/recording?download=1&n=2" {
		t.Errorf("file %q %v; requests %q", b, err, got)
	}
	if code, out, _ := hotline(t, nil, "recordings", "get", "c1", "--api", srv.URL); code != 0 || out != "RIFF-1" {
		t.Errorf("get c1 to stdout: exit %d %q", code, out)
	}
	code, _, errOut := hotline(t, nil, "recordings", "get", "c1", "3", "-o", file, "--api", srv.URL)
	if _, err := os.Stat(file); code == 0 || !strings.Contains(errOut, "has 2 recordings") || err == nil {
		t.Errorf("get c1 3: exit %d %q; the file is left: %v", code, errOut, err == nil)
	}
	if code, _, errOut := hotline(t, nil, "recordings", "get", "c1", "0", "--api", srv.URL); code == 0 || !strings.Contains(errOut, "recording number") {
		t.Errorf("get c1 0: exit %d %q", code, errOut)
	}
}

// Each control posts to the agent's recording route and prints the state.
func TestRecordingsControl(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = append(got, r.Method+" "+r.URL.Path+" "+strings.TrimSpace(string(b)))
		json.NewEncoder(w).Encode(map[string]any{"id": "c1", "phase": "bridged", "agent": "alice", "recording": "paused"})
	}))
	defer srv.Close()
	for _, a := range []string{"start", "pause", "resume", "stop"} {
		got = nil
		code, out, errOut := hotline(t, nil, "recordings", a, "alice", "--api", srv.URL)
		if want := "POST /api/v1/agents/alice/recording/" + a + " {}"; code != 0 || len(got) != 1 || got[0] != want || !strings.Contains(out, "call c1: recording paused") {
			t.Errorf("recordings %s: exit %d %q %q; requests %q, want %q", a, code, out, errOut, got, want)
		}
	}
	if code, _, _ := hotline(t, nil, "recordings", "pause", "--api", srv.URL); code == 0 {
		t.Error("pause without an agent succeeded")
	}
}

// config validate accepts record: true and says how to write it now.
func TestRecordDeprecationNote(t *testing.T) {
	file := filepath.Join(t.TempDir(), "h.yaml")
	if err := os.WriteFile(file, []byte("queues:\n  - {name: a, record: true}\n  - {name: b, recording: on_demand}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := hotline(t, nil, "config", "validate", file)
	if code != 0 || !strings.Contains(out, "ok") || strings.Count(errOut, "note:") != 1 ||
		!strings.Contains(errOut, "queues[0].record: record: true is deprecated; write recording: always") {
		t.Errorf("exit %d\n%s\n%s", code, out, errOut)
	}
}
