package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/api"
	"github.com/hotline-cc/hotline/store"
)

const reloadBase = `
server: {listen: %q}
store: {path: %q}
pbx: {type: sim, sim: {callers: {rate_per_minute: 0}}}
entries: [{number: "1", queue: q}]
queues: [{name: q}]
agents:
  - {id: a, endpoint: sim/a, queues: [{queue: q}]}
`

// serveFile runs `hotline serve --config path` in-process and returns the
// API address and the daemon's log.
func serveFile(t *testing.T, path string) (string, *safeBuffer) {
	t.Helper()
	t.Setenv("HOTLINE_CONFIG", "")
	for _, o := range overrides {
		t.Setenv(o.env, "")
	}
	var out, logs safeBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"serve", "--config", path}, &out, &logs) }()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exited %d: %s", code, logs.String())
		}
	})
	return waitForAPI(t, &logs), &logs
}

func waitForAPI(t *testing.T, logs *safeBuffer) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		for _, line := range strings.Split(logs.String(), "\n") {
			var l struct{ Message, Listen string }
			if json.Unmarshal([]byte(line), &l) == nil && l.Message == "HTTP API listening" {
				if resp, err := http.Get("http://" + l.Listen + "/healthz"); err == nil {
					resp.Body.Close()
					return l.Listen
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("API never came up; log:\n%s", logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func agentIDs(t *testing.T, addr string) []string {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/api/v1/agents")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var as []engine.AgentStatus
	if err := json.NewDecoder(resp.Body).Decode(&as); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range as {
		ids = append(ids, a.ID)
	}
	return ids
}

// hotline config reload and SIGHUP apply the edited file to the running
// daemon; a file with problems changes nothing and says why.
func TestConfigReloadAndHangup(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "hotline.yaml")
	base := fmt.Sprintf(reloadBase, freeAddr(t), filepath.Join(dir, "h.db"))
	write := func(s string) {
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(base)
	addr, logs := serveFile(t, path)

	write(base + "  - {id: b, endpoint: sim/b, queues: [{queue: q}]}\n")
	code, out, errOut := hotline(t, nil, "config", "reload", "--api", addr)
	if code != 0 || !strings.Contains(out, "agents added: b") {
		t.Fatalf("config reload: exit %d, %q %q", code, out, errOut)
	}
	if ids := agentIDs(t, addr); fmt.Sprint(ids) != "[a b]" {
		t.Errorf("agents after reload: %v, want [a b]", ids)
	}

	write(base + "  - {id: b, endpoint: sim/b, queues: [{queue: nowhere}]}\n")
	code, out, errOut = hotline(t, nil, "config", "reload", "--api", addr)
	if code == 0 || !strings.Contains(errOut, "nothing changed") || !strings.Contains(errOut, "nowhere") {
		t.Errorf("reload of a bad file: exit %d, %q %q; want a refusal naming the problem", code, out, errOut)
	}
	if !strings.Contains(logs.String(), "config reload refused") {
		t.Errorf("the daemon did not log the refused reload")
	}
	if ids := agentIDs(t, addr); fmt.Sprint(ids) != "[a b]" {
		t.Errorf("agents after a refused reload: %v, want [a b] unchanged", ids)
	}

	write(base + "  - {id: c, endpoint: sim/c, queues: [{queue: q}]}\n")
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for fmt.Sprint(agentIDs(t, addr)) != "[a c]" {
		if time.Now().After(deadline) {
			t.Fatalf("after SIGHUP agents are %v, want [a c]; log:\n%s", agentIDs(t, addr), logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The engine shows the new agents before the SIGHUP's reload returns
	// and is counted, so the counters are awaited as well.
	wants := []string{`hotline_config_reloads_total{result="applied"} 2`, `hotline_config_reloads_total{result="refused"} 1`}
	for {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		metrics, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var missing []string
		for _, want := range wants {
			if !strings.Contains(string(metrics), want) {
				missing = append(missing, want)
			}
		}
		if len(missing) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics lack %s:\n%s", strings.Join(missing, ", "), metrics)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The file moved away: the admin's to fix, a 422 naming it, not a 500.
	if err := os.Rename(path, path+".moved"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post("http://"+addr+"/api/v1/config/reload", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(body), path+": no such file") {
		t.Errorf("reload with the file gone: %d %s; want 422 naming it", resp.StatusCode, body)
	}
}

// TestConfigReloadInUse: a reload the engine refuses for what is in use
// answers 409 with the list, and hotline config reload prints it and exits
// 1; --force (force=true) applies it.
func TestConfigReloadInUse(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "h.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	h := api.New(nil, db, zerolog.Nop())
	var forced []bool
	h.WatchReload(func(_ context.Context, force bool) (engine.ReconfigureReport, error) {
		forced = append(forced, force)
		if !force {
			return engine.ReconfigureReport{}, &engine.InUseError{Items: []string{`queue "sales": 2 callers waiting`, `agent "bob": on a call`}}
		}
		return engine.ReconfigureReport{QueuesRemoved: []string{"sales"}, AgentsRemoved: []string{"bob"}}, nil
	})
	srv := httptest.NewServer(h)
	defer srv.Close()

	resp, err := http.Post(srv.URL+"/api/v1/config/reload", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	var body api.ReloadError
	json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusConflict || len(body.InUse) != 2 {
		t.Errorf("POST reload: %d %+v; want 409 listing what is in use", resp.StatusCode, body)
	}
	code, out, errOut := hotline(t, nil, "config", "reload", "--api", srv.URL)
	if code != 1 || !strings.Contains(errOut, `queue "sales": 2 callers waiting`) || !strings.Contains(errOut, `agent "bob": on a call`) || !strings.Contains(errOut, "--force") {
		t.Errorf("config reload: exit %d %q %q; want 1 and the list", code, out, errOut)
	}
	code, out, errOut = hotline(t, nil, "config", "reload", "--force", "--api", srv.URL)
	if code != 0 || !strings.Contains(out, "queues removed: sales") {
		t.Errorf("config reload --force: exit %d %q %q; want applied", code, out, errOut)
	}
	if len(forced) != 3 || forced[0] || forced[1] || !forced[2] {
		t.Errorf("reloads asked %v; want two not forced, then one forced", forced)
	}
}
