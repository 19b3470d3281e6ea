package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/store"
)

func TestAuditPrintsTheRange(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	db, err := store.Open(path, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	err = db.LogAccess([]store.AccessEntry{
		{At: now.Add(-48 * time.Hour), Who: "old", Role: "agent", Method: "POST", Path: "/api/v1/agents/alice/ready", Status: 200},
		{At: now.Add(-time.Hour), Who: "sue", Role: "supervisor", Method: "POST", Path: "/api/v1/agents/alice/pause", Status: 200, Remote: "10.0.0.7:5120"},
		{At: now.Add(-time.Minute), Who: "sue", Role: "supervisor", Token: "abc123", Method: "GET", Path: "/api/v1/calls", Status: 200},
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, error) {
		cmd := newRootCmd()
		var out bytes.Buffer
		cmd.SetArgs(append([]string{"audit", "--store", path}, args...))
		cmd.SetOut(&out)
		cmd.SetErr(&out)
		err := cmd.ExecuteContext(context.Background())
		return out.String(), err
	}
	out, err := run()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "old") || !strings.Contains(out, "/api/v1/agents/alice/pause") || !strings.Contains(out, "10.0.0.7:5120") ||
		!strings.Contains(out, "sue (token abc123)") {
		t.Fatalf("last 24 h:\n%s", out)
	}
	out, err = run("--from", "72h", "--to", "30m", "--json")
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 2 || !strings.Contains(lines[0], `"who":"old"`) {
		t.Fatalf("72h to 30m ago:\n%s", out)
	}
	if _, err := run("--from", "yesterday"); err == nil || exitCode(err) != exitInvalid || !strings.Contains(err.Error(), `--from "yesterday"`) {
		t.Fatalf("bad --from: %v", err)
	}
	// past the store's keys (int64 nanoseconds): it listed nothing
	if _, err := run("--from", "2026-11-30", "--to", "9999-12-31"); err == nil || exitCode(err) != exitInvalid || !strings.Contains(err.Error(), "years 1900 to 2200") {
		t.Fatalf("--to 9999-12-31: %v", err)
	}
}
