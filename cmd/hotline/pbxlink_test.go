package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/api"
)

// An Asterisk that is still starting answers 503 to everything. serve stays
// up, keeps trying, and says the link is down in /healthz, /metrics and
// `hotline status`.
func TestServeWaitsForStartingAsterisk(t *testing.T) {
	var handshakes atomic.Int64
	ast := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") == "websocket" {
			handshakes.Add(1)
		}
		http.Error(w, "Service Unavailable", http.StatusServiceUnavailable)
	}))
	defer ast.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	env := map[string]string{
		"HOTLINE_ASTERISK_URL": ast.URL + "/ari", "HOTLINE_STORE_PATH": filepath.Join(t.TempDir(), "h.db"),
		"HOTLINE_SPEECH_PROMPTS": t.TempDir(),
		"HOTLINE_SERVER_LISTEN":  addr,
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var errOut string
	go func() {
		var code int
		code, _, errOut = hotlineCtx(t, ctx, env, "serve", "--config", "../../configs/hotline.example.yaml", "--pbx", "asterisk",
			"--log-level", "warn")
		done <- code
	}()
	stopped := false
	stop := func() int {
		stopped = true
		cancel()
		return <-done
	}
	defer func() {
		if !stopped {
			stop()
		}
	}()
	base := "http://" + addr
	get := func(path string) (int, string) {
		resp, err := http.Get(base + path)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	waitUntil(t, 60*time.Second, "API up and two refused handshakes", func() bool {
		select {
		case code := <-done:
			stopped = true
			t.Fatalf("serve exited %d while Asterisk was starting: %s", code, errOut)
		default:
		}
		code, _ := get("/healthz")
		return code != 0 && handshakes.Load() >= 2
	})
	code, body := get("/healthz")
	var h api.Health
	if err := json.Unmarshal([]byte(body), &h); err != nil {
		t.Fatalf("/healthz: %v: %s", err, body)
	}
	if code != http.StatusServiceUnavailable || h.Status != "pbx-link-down" || h.PBX == nil || h.PBX.Up ||
		!strings.Contains(h.PBX.Error, "503") || h.PBX.Attempts < 1 {
		t.Errorf("/healthz = %d %s, want 503 pbx-link-down naming the 503", code, body)
	}
	if _, m := get("/metrics"); !strings.Contains(m, "\nhotline_pbx_link_up 0\n") {
		t.Errorf("/metrics lacks hotline_pbx_link_up 0:\n%s", m)
	}
	var out, serr safeBuffer
	if code := run(context.Background(), []string{"status", "--api", addr}, &out, &serr); code != 0 {
		t.Errorf("status exited %d: %s", code, serr.String())
	}
	if !strings.Contains(out.String(), "pbx link: DOWN since") || !strings.Contains(out.String(), "503") {
		t.Errorf("status does not show the link down:\n%s", out.String())
	}
	if code := stop(); code != 0 {
		t.Errorf("serve exited %d on stop: %s", code, errOut)
	}
}
