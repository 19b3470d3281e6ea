package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// serve appends queue_log lines as agents log in and pause, when the
// config names a file.
func TestServeWritesQueueLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "queue_log")
	addr, _ := startServe(t, "127.0.0.1:0", quietCenter+"reports: {queue_log: "+path+"}\n")
	for _, req := range []struct{ action, body string }{{"login", ""}, {"pause", `{"reason": "lunch"}`}, {"ready", ""}} {
		resp, err := http.Post("http://"+addr+"/api/v1/agents/a/"+req.action, "application/json", strings.NewReader(req.body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %s", req.action, resp.Status)
		}
	}
	want := []string{"|NONE|q|a|ADDMEMBER|", "|NONE|q|a|PAUSE|lunch", "|NONE|q|a|UNPAUSE|"}
	deadline := time.Now().Add(60 * time.Second)
	for {
		data, _ := os.ReadFile(path)
		lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
		ok := len(lines) == len(want)
		for i := 0; ok && i < len(want); i++ {
			ok = strings.HasSuffix(lines[i], want[i])
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("queue_log:\n%s\nwant lines ending %q", data, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
