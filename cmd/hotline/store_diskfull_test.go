package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/api"
	"github.com/hotline-cc/hotline/internal/tmpfs"
	"github.com/hotline-cc/hotline/store"
)

// health polls /healthz until it answers code or 60 s pass.
func health(t *testing.T, addr string, code int) api.Health {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		var h api.Health
		err = json.NewDecoder(resp.Body).Decode(&h)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode == code {
			return h
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz still answers %d %+v, want %d", resp.StatusCode, h, code)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// On a full disk serve keeps the records it cannot write, /healthz and
// /metrics say so, and once space is freed it writes them: the file is
// sound and holds the calls.
func TestServeOnAFullDisk(t *testing.T) {
	dir := tmpfs.Mount(t, 1<<20)
	path := filepath.Join(dir, "hotline.db")
	msgs := notifySocket(t)
	addr, stop := daemonWith(t, path, "pbx: {type: sim, sim: {callers: {rate_per_minute: 600, patience: 1s}}}", msgs)
	stopped := false
	defer func() {
		if !stopped {
			stop()
		}
	}()
	if h := health(t, addr, http.StatusOK); h.Store == nil || h.Store.Failing {
		t.Fatalf("/healthz before the disk is full: %+v", h)
	}
	filler := tmpfs.Fill(t, dir)

	h := health(t, addr, http.StatusServiceUnavailable)
	if h.Status != "store-failing" || h.Store == nil || h.Store.Reason != store.ReasonNoSpace || h.Store.Queued == 0 {
		t.Errorf("/healthz on a full disk: %+v %+v, want store-failing, no-space, writes queued", h, h.Store)
	}
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`hotline_store_write_failures_total{reason="no-space"}`, "hotline_store_failing 1"} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics on a full disk lacks %s", want)
		}
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if h := health(t, addr, http.StatusOK); h.Store == nil || h.Store.Failing {
		t.Errorf("/healthz once space is freed: %+v %+v", h, h.Store)
	}
	stop()
	stopped = true
	rep, err := store.Check(path)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Err() != nil || rep.Keys["calls"] == 0 {
		t.Errorf("the store after a full disk: %v, %d calls", rep.Err(), rep.Keys["calls"])
	}
}

// The demo on a full disk says which records it could not save and fails.
func TestDemoOnAFullDisk(t *testing.T) {
	dir := tmpfs.Mount(t, 512<<10)
	path := filepath.Join(dir, "demo.db")
	if code, _, errOut := hotline(t, nil, "demo", "--store", path, "--speed", "0", "--duration", "1m"); code != 0 {
		t.Fatalf("demo on an empty disk: exit %d, %q", code, errOut)
	}
	tmpfs.Fill(t, dir)
	code, _, errOut := hotline(t, nil, "demo", "--store", path, "--speed", "0", "--duration", "10m")
	if code != 1 || !strings.Contains(errOut, "not saved to "+path) || !strings.Contains(errOut, "no space left on device") {
		t.Errorf("demo on a full disk: exit %d, %q; want 1 naming the store and the full disk", code, errOut)
	}
}
