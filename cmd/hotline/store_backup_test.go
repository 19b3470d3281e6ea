package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/internal/storetest"
	"github.com/hotline-cc/hotline/store"
	"go.etcd.io/bbolt"
)

// notifySocket listens where the daemon sends sd_notify datagrams, as
// systemd does for Type=notify, and hands each message on.
func notifySocket(t *testing.T) <-chan string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	t.Setenv("NOTIFY_SOCKET", path)
	msgs := make(chan string, 16)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			msgs <- string(buf[:n])
		}
	}()
	return msgs
}

func waitNotify(t *testing.T, msgs <-chan string, want string) {
	t.Helper()
	select {
	case m := <-msgs:
		if !strings.Contains(m, want) {
			t.Fatalf("sd_notify sent %q, want %s", m, want)
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("no %s notification within 60 s", want)
	}
}

// daemon runs serve on the simulated switch (with no callers) until the
// returned stop.
func daemon(t *testing.T, storePath string, msgs <-chan string) (addr string, stop func()) {
	t.Helper()
	return daemonWith(t, storePath, "pbx: {type: sim}", msgs)
}

// daemonWith runs serve with the given pbx line until the returned stop.
func daemonWith(t *testing.T, storePath, pbx string, msgs <-chan string) (addr string, stop func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr = ln.Addr().String()
	ln.Close()
	cfg, err := config.Parse([]byte(fmt.Sprintf(`
server: {listen: %q}
store: {path: %q}
%s
entries: [{number: "1", queue: q}]
queues: [{name: q}]
agents: [{id: a, endpoint: sim/a, queues: [{queue: q}]}]
`, addr, storePath, pbx)), "serve.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, cfg, zerolog.Nop()) }()
	select {
	case m := <-msgs:
		if !strings.Contains(m, "READY=1") {
			t.Fatalf("first notification %q, want READY=1", m)
		}
	case err := <-done:
		t.Fatalf("serve ended before it was ready: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("serve sent no READY=1 within 60 s")
	}
	// Ready means the API answers now, not soon.
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatalf("READY=1 sent before the API listens: %v", err)
	}
	resp.Body.Close()
	return addr, func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		waitNotify(t, msgs, "STOPPING=1")
	}
}

// The documented restore: back up from a running daemon, stop it, put the
// copy in place of the store, start again: the records are there.
func TestBackupAndRestore(t *testing.T) {
	msgs := notifySocket(t)
	live := storetest.WithCalls(t, manyIDs(100)...)
	addr, stop := daemon(t, live, msgs)

	backup := filepath.Join(t.TempDir(), "backup.db")
	code, out, errOut := hotline(t, nil, "store", "backup", backup, "--api", addr)
	if code != 0 || !strings.Contains(out, "check ok") || !strings.Contains(out, "calls 100") {
		stop()
		t.Fatalf("store backup: exit %d, %q %q", code, out, errOut)
	}
	stop()

	// The live store is lost; the copy takes its place.
	if err := os.Remove(live); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(live, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	addr, stop = daemon(t, live, msgs)
	defer stop()
	resp, err := http.Get("http://" + addr + "/api/v1/calls/c0042")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var rec store.CallRecord
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&rec) != nil || rec.ID != "c0042" {
		t.Errorf("after the restore, GET /api/v1/calls/c0042 = %s %+v", resp.Status, rec)
	}
	code, out, errOut = hotline(t, nil, "calls", "--api", addr, "--limit", "0")
	if code != 0 || strings.Count(out, "\nc0") != 100 {
		t.Errorf("after the restore, hotline calls: exit %d, %d records, %q", code, strings.Count(out, "\nc0"), errOut)
	}
}

func TestBackupWithoutDaemon(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	backup := filepath.Join(t.TempDir(), "backup.db")
	code, _, errOut := hotline(t, nil, "store", "backup", backup, "--api", addr)
	if code != 1 || !strings.Contains(errOut, "serve running") {
		t.Errorf("store backup with no daemon: exit %d, %q", code, errOut)
	}
	if _, err := os.Stat(backup); !os.IsNotExist(err) {
		t.Errorf("a failed backup left %s behind: %v", backup, err)
	}
}

// A backup of a store holding a record it cannot decode is a faithful copy,
// but not "check ok": it names the record, as store check does, and exits 1.
func TestBackupNamesUnreadableRecord(t *testing.T) {
	msgs := notifySocket(t)
	live := storetest.WithCalls(t, manyIDs(10)...)
	bdb, err := bbolt.Open(live, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := bdb.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte("calls")).Put([]byte("c0005"), []byte(`{"id": "c0005", "entered": nope`))
	}); err != nil {
		t.Fatal(err)
	}
	bdb.Close()
	addr, stop := daemon(t, live, msgs)
	defer stop()
	backup := filepath.Join(t.TempDir(), "backup.db")
	code, out, errOut := hotline(t, nil, "store", "backup", backup, "--api", addr)
	if code != 1 || strings.Contains(out, "check ok") || !strings.Contains(out, "c0005") || !strings.Contains(errOut, "hotline store repair") {
		t.Errorf("store backup: exit %d, %q %q; want 1 naming c0005", code, out, errOut)
	}
	if _, err := os.Stat(backup); err != nil {
		t.Errorf("the copy is not kept: %v", err)
	}
}
