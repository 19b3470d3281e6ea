package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// serve lets the admin pages edit its config file: a new agent through the
// API lands in the file (after a backup) and in the running engine, checked
// with the HOTLINE_* variables and flags serve was started with.
func TestServeConfigEdit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "hotline.yaml")
	base := fmt.Sprintf(reloadBase, freeAddr(t), filepath.Join(dir, "h.db"))
	if err := os.WriteFile(path, []byte(base), 0o600); err != nil {
		t.Fatal(err)
	}
	addr, _ := serveFile(t, path)
	req, _ := http.NewRequest("POST", "http://"+addr+"/api/v1/config/agents",
		strings.NewReader(`{"yaml":"id: b\nendpoint: sim/b\nqueues: [{queue: q}]\n"}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(raw), `"agents_added": [`) {
		t.Fatalf("POST agent: %d %s", resp.StatusCode, raw)
	}
	if ids := agentIDs(t, addr); fmt.Sprint(ids) != "[a b]" {
		t.Errorf("agents after the edit: %v, want [a b]", ids)
	}
	now, _ := os.ReadFile(path)
	if want := base + "  - id: b\n    endpoint: sim/b\n    queues: [{queue: q}]\n"; string(now) != want {
		t.Errorf("file:\n%s\nwant:\n%s", now, want)
	}
	backups, _ := filepath.Glob(path + ".*.bak")
	if len(backups) != 1 {
		t.Errorf("backups %v", backups)
	}
}
