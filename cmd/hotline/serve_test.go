package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd/config"
)

// quietCenter is a call center on the simulated switch without callers.
const quietCenter = `
pbx: {type: sim, sim: {callers: {rate_per_minute: 0}}}
entries: [{number: "1", queue: q}]
queues: [{name: q}]
agents: [{id: a, endpoint: sim/a, queues: [{queue: q}]}]
`

// startServe runs the daemon on the simulated switch, listening on listen,
// with center (pbx, entries, queues, agents), and returns the API's address
// and the daemon's log.
func startServe(t *testing.T, listen, center string) (string, *safeBuffer) {
	t.Helper()
	return startServeOn(t, listen, center, t.TempDir()+"/h.db")
}

// startServeOn is startServe with the daemon's store file at db.
func startServeOn(t *testing.T, listen, center, db string) (string, *safeBuffer) {
	t.Helper()
	cfg, err := config.Parse([]byte(fmt.Sprintf(`
server: {listen: %q}
store: {path: %q}
%s`, listen, db, center)), "serve.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	logs := &safeBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, cfg, zerolog.New(logs)) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		for _, line := range strings.Split(logs.String(), "\n") {
			var l struct{ Message, Listen string }
			if json.Unmarshal([]byte(line), &l) == nil && l.Message == "HTTP API listening" {
				_, port, _ := net.SplitHostPort(l.Listen)
				addr := net.JoinHostPort("127.0.0.1", port)
				if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
					resp.Body.Close()
					return addr, logs
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("API never came up; log:\n%s", logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestServeWarnsWhenListeningBeyondLoopback(t *testing.T) {
	_, logs := startServe(t, "0.0.0.0:0", quietCenter)
	if !strings.Contains(logs.String(), `"level":"error"`) || !strings.Contains(logs.String(), "no user exists yet") {
		t.Errorf("listening on 0.0.0.0 with no users logged no error about the missing credentials:\n%s", logs)
	}
	_, logs = startServe(t, "127.0.0.1:0", quietCenter)
	if strings.Contains(logs.String(), "no user exists yet") || strings.Contains(logs.String(), "without TLS") {
		t.Errorf("listening on loopback warned about credentials:\n%s", logs)
	}
}

func TestBeyondLoopback(t *testing.T) {
	for addr, want := range map[string]bool{"127.0.0.1:1": false, "[::1]:1": false, "0.0.0.0:1": true, "[::]:1": true, "192.0.2.1:1": true} {
		a, err := net.ResolveTCPAddr("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := beyondLoopback(a); got != want {
			t.Errorf("beyondLoopback(%s) = %v, want %v", addr, got, want)
		}
	}
}

// An open event stream does not hold the daemon up when it stops.
func TestServeStopsWithOpenEventStream(t *testing.T) {
	cfg, err := config.Parse([]byte(fmt.Sprintf(`
server: {listen: "127.0.0.1:0"}
store: {path: %q}
%s`, t.TempDir()+"/h.db", quietCenter)), "serve.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// A stream that held the server up would hold it for the whole grace:
	// make that an hour, so the test needs no wall-clock threshold.
	defer func(g time.Duration) { shutdownGrace = g }(shutdownGrace)
	shutdownGrace = time.Hour
	logs := &safeBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, cfg, zerolog.New(logs)) }()
	addr := waitForAPI(t, logs)
	resp, err := http.Get("http://" + addr + "/api/v1/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not stop within 60 s with an event stream open")
	}
}
