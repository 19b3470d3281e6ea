package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/store"
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
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !strings.Contains(string(body), `"store"`) || !strings.Contains(string(body), `"failing": false`) {
				t.Errorf("/healthz does not report the store writer: %s", body)
			}
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

func TestDemoRefusesBadFlags(t *testing.T) {
	for _, tt := range []struct{ flag, value string }{
		{"--duration", "-1h"}, {"--duration", "0s"}, {"--speed", "-5"}, {"--speed", "NaN"},
		{"--speed", "Inf"}, {"--speed", "-Inf"}, {"--every", "-1m"}, {"--leads", "-1"},
	} {
		code, out, errOut := hotline(t, nil, "demo", "--plain", tt.flag, tt.value)
		if code == 0 || !strings.Contains(errOut, tt.flag+" ") || !strings.Contains(errOut, tt.value) || strings.Contains(out, "Queues") {
			t.Errorf("%s %s: exit %d, stderr %q; want a refusal naming the flag before anything runs", tt.flag, tt.value, code, errOut)
		}
	}
}

// A config written for a real PBX runs, but the simulator can ring none of
// its agents: the demo says so at the start, naming them.
func TestDemoWarnsOfEndpointsItCannotRing(t *testing.T) {
	file := writeFile(t, "real.yaml", `
pbx: {type: sim, sim: {callers: {rate_per_minute: 3}}}
entries: [{number: "1", queue: q}]
queues: [{name: q}]
agents:
  - {id: a, endpoint: PJSIP/1001, logged_in: true, queues: [{queue: q}]}
  - {id: b, endpoint: sim/b, logged_in: true, queues: [{queue: q}]}
  - {id: c, logged_in: true, queues: [{queue: q}]}
`)
	code, out, errOut := hotline(t, nil, "demo", "--config", file, "--speed", "0", "--duration", "5m", "--plain")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	head, _, _ := strings.Cut(out, "Queues")
	want := `warning: the simulated switch rings only "sim/NAME" endpoints; 2 of 3 agents will never answer: a (PJSIP/1001), c (no endpoint)`
	if !strings.Contains(head, want) {
		t.Errorf("output does not start with the warning %q:\n%s", want, out)
	}
	defer func(f func(io.Writer) bool) { isTerminal = f }(isTerminal)
	isTerminal = func(io.Writer) bool { return true }
	_, out, _ = hotline(t, nil, "demo", "--config", file, "--speed", "0", "--duration", "5m")
	if frame := out[strings.LastIndex(out, "\x1b[H"):]; !strings.Contains(frame, want) {
		t.Errorf("the full-screen view drew over the warning:\n%q", frame)
	}
	isTerminal = func(io.Writer) bool { return false }
	_, out, _ = hotline(t, nil, "demo", "--speed", "0", "--duration", "5m", "--plain")
	if strings.Contains(out, "warning") {
		t.Errorf("the built-in demo warned:\n%s", out)
	}
}

// The figures cover the configured period and the time the last calls took
// to end, no fixed quarter hour of idle agents, and the summary says so.
func TestDemoSaysWhatPeriodTheFiguresCover(t *testing.T) {
	code, out, errOut := hotline(t, nil, "demo", "--speed", "0", "--duration", "30m", "--plain")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	const said = "Figures cover 30m0s of callers arriving, then "
	i := strings.Index(out, said)
	if i < 0 {
		t.Fatalf("no period stated:\n%s", out)
	}
	field := strings.Fields(out[i+len(said):])[0]
	if drain, _ := time.ParseDuration(field); drain <= 0 || drain >= 15*time.Minute {
		t.Errorf("the last calls took %q to end; want more than 0 and less than the 15m cap:\n%s", field, out[i:])
	}
}

// The full-screen view overwrites the screen in place (home, each line
// cleared to its end, the rest of the screen cleared) a few times a wall
// second, never clearing the whole screen for every frame.
func TestDemoRedrawsInPlace(t *testing.T) {
	defer func(f func(io.Writer) bool) { isTerminal = f }(isTerminal)
	isTerminal = func(io.Writer) bool { return true }
	began := time.Now()
	code, out, errOut := hotline(t, nil, "demo", "--speed", "0", "--duration", "30m")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	frames := strings.Count(out, "\x1b[H")
	limit := int(time.Since(began)/demoRedraw) + 2
	if frames == 0 || frames > limit {
		t.Errorf("%d frames in %s; want 1 to %d", frames, time.Since(began), limit)
	}
	if n := strings.Count(out, "\x1b[2J"); n > 1 {
		t.Errorf("the whole screen was cleared %d times", n)
	}
	frame := out[strings.LastIndex(out, "\x1b[H"):]
	frame = frame[:strings.Index(frame, "\x1b[J")]
	for _, line := range strings.Split(strings.TrimSuffix(frame, "\n"), "\n") {
		if !strings.HasSuffix(line, "\x1b[K") {
			t.Errorf("frame line %q is not cleared to its end", line)
		}
	}
}

// A second demo on the same store adds its calls to the first one's: it
// does not write over them with calls of the same ids.
func TestDemoAgainKeepsTheStoredCalls(t *testing.T) {
	path := filepath.Join(t.TempDir(), "demo.db")
	count := func() int {
		t.Helper()
		db, err := store.Open(path, store.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		calls, err := db.CollectCalls(store.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		return len(calls)
	}
	run := func() {
		t.Helper()
		if code, _, errOut := hotline(t, nil, "demo", "--speed", "0", "--duration", "10m", "--plain", "--leads", "0", "--store", path); code != 0 {
			t.Fatalf("demo: exit %d: %s", code, errOut)
		}
	}
	run()
	first := count()
	if first == 0 {
		t.Fatal("the first demo stored no calls")
	}
	run()
	if got := count(); got != 2*first {
		t.Errorf("after a second demo the store holds %d calls, want the first run's %d and as many more", got, first)
	}
}
