package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/internal/seal"
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

// A path whose customer data the daemon sealed prints as asked with the key
// and with "…" in its place without it.
func TestAuditOpensSealedPathsWithTheKey(t *testing.T) {
	env := keyEnv(t)
	keys, err := seal.FromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "h.db")
	db, err := store.Open(path, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	db.SealCalls(keys, "US")
	err = db.LogAccess([]store.AccessEntry{{At: time.Now().Add(-time.Minute), Who: "sue", Role: "supervisor", Method: "GET",
		Path: "/api/v1/calls?number=…", Private: "/api/v1/calls?number=%2B12125550101", Status: 200}})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	code, out, errs := hotline(t, env, "audit", "--store", path)
	if code != 0 || !strings.Contains(out, "/api/v1/calls?number=%2B12125550101") {
		t.Errorf("with the key: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = hotline(t, map[string]string{seal.EnvKey: "", seal.EnvKeyFile: ""}, "audit", "--store", path)
	if code != 0 || !strings.Contains(out, "/api/v1/calls?number=…") || strings.Contains(out, "2125550101") {
		t.Errorf("without the key: exit %d\n%s%s", code, out, errs)
	}
	// The config's key file is not there (or not this user's to read): the
	// log prints, without what is sealed, and says why.
	cfg := filepath.Join(t.TempDir(), "hotline.yaml")
	if err := os.WriteFile(cfg, []byte("privacy: {key_file: "+filepath.Join(t.TempDir(), "missing.key")+"}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs = hotline(t, map[string]string{seal.EnvKey: "", seal.EnvKeyFile: ""}, "audit", "--store", path, "--config", cfg)
	if code != 0 || !strings.Contains(out, "/api/v1/calls?number=…") || !strings.Contains(errs, "missing.key") {
		t.Errorf("with the config's key file missing: exit %d\n%s%s", code, out, errs)
	}
}
