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
	"github.com/hotline-cc/hotline/acd/engine"
)

func TestDemoRuns(t *testing.T) {
	code, out, errOut := hotline(t, nil, "demo", "--speed", "0", "--duration", "20m", "--plain", "--every", "10m")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"Queues", "Agents", "sales", "support", "billing", "service level", "occupancy", "10m0s |"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	// Callers were answered: the support row has a non-zero answered count.
	if strings.Contains(out, "support        0        0") {
		t.Errorf("no call answered:\n%s", out)
	}
}

func TestDemoIsDeterministic(t *testing.T) {
	_, a, _ := hotline(t, nil, "demo", "--speed", "0", "--duration", "15m", "--plain", "--seed", "3")
	_, b, _ := hotline(t, nil, "demo", "--speed", "0", "--duration", "15m", "--plain", "--seed", "3")
	_, c, _ := hotline(t, nil, "demo", "--speed", "0", "--duration", "15m", "--plain", "--seed", "4")
	if a != b {
		t.Errorf("same seed, different runs")
	}
	if a == c {
		t.Errorf("different seeds, same run")
	}
}

func TestDemoOwnConfigAndBadConfig(t *testing.T) {
	good := writeFile(t, "trial.yaml", `
pbx: {type: sim, sim: {callers: {rate_per_minute: 3}}}
entries: [{number: "1", queue: q}]
queues: [{name: q, strategy: fewest-calls}]
agents:
  - {id: a, endpoint: sim/a, logged_in: true, queues: [{queue: q}]}
  - {id: b, endpoint: sim/b, logged_in: true, queues: [{queue: q}]}
`)
	code, out, errOut := hotline(t, nil, "demo", "--config", good, "--speed", "0", "--duration", "10m", "--plain")
	if code != 0 || !strings.Contains(out, "trial.yaml") {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	bad := writeFile(t, "bad.yaml", "queues: [{name: q, strategy: fastest}]\n")
	code, _, errOut = hotline(t, nil, "demo", "--config", bad, "--speed", "0")
	if code != 2 || !strings.Contains(errOut, "fastest") {
		t.Errorf("bad config: exit %d, stderr %q; want 2 naming the strategy", code, errOut)
	}
}

// A store that cannot be opened is named once, not once per layer.
func TestDemoStoreErrorNamesThePathOnce(t *testing.T) {
	dir := t.TempDir()
	code, _, errOut := hotline(t, nil, "demo", "--speed", "0", "--duration", "1m", "--plain", "--store", dir)
	if code == 0 || strings.Count(errOut, dir) != 1 {
		t.Errorf("exit %d, stderr %q; want a failure naming %s once", code, errOut, dir)
	}
}

// TestServeOnSim runs the daemon on the real-time simulated switch and
// drives an agent through the HTTP API.
func TestServeOnSim(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg, err := config.Parse([]byte(fmt.Sprintf(`
server: {listen: %q}
store: {path: %q}
pbx: {type: sim, sim: {callers: {rate_per_minute: 30}}}
entries: [{number: "1", queue: q}]
queues: [{name: q}]
agents: [{id: a, endpoint: sim/a, queues: [{queue: q}]}]
`, addr, t.TempDir()+"/h.db")), "serve.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, cfg, zerolog.Nop()) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	base := "http://" + addr
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("API never came up: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	code, out, errOut := hotline(t, nil, "agent", "login", "a", "--api", addr)
	if code != 0 || strings.TrimSpace(out) != "a: available" {
		t.Fatalf("hotline agent login: exit %d, %q %q", code, out, errOut)
	}
	code, _, errOut = hotline(t, nil, "agent", "pause", "ghost", "--api", addr)
	if code != 1 || !strings.Contains(errOut, "ghost") {
		t.Errorf("pausing an unknown agent: exit %d, %q", code, errOut)
	}
	if code, out, _ := hotline(t, nil, "status", "--api", addr); code != 0 || !strings.Contains(out, "QUEUE") {
		t.Errorf("hotline status: exit %d, %q", code, out)
	}
	// Callers arrive every ~2 s; within a few seconds agent a is offered one.
	for time.Now().Before(deadline) {
		var st engine.Status
		resp, err := http.Get(base + "/api/v1/status")
		if err != nil {
			t.Fatal(err)
		}
		_ = json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		if len(st.Agents) == 1 && st.Agents[0].Offered > 0 {
			if code, out, errOut := hotline(t, nil, "calls", "--api", addr); code != 0 || !strings.Contains(out, "OUTCOME") {
				t.Errorf("hotline calls: exit %d, %q %q", code, out, errOut)
			}
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Errorf("agent a was never offered a call on the simulated switch")
}
