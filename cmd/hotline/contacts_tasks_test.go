package main

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/internal/seal"
)

// Serve with a key: simulated callers who give up waiting (no agent is
// logged in) become callback tasks, which an agent takes and closes from
// the shell.
func TestTasksCommandsAgainstDaemon(t *testing.T) {
	key, _ := seal.Generate("k1")
	t.Setenv(seal.EnvKeyFile, "")
	t.Setenv(seal.EnvKey, key.String())
	addr, _ := startServe(t, "127.0.0.1:0", `
pbx: {type: sim, sim: {callers: {rate_per_minute: 600, patience: 200ms}}}
entries: [{number: "1", queue: q}]
queues: [{name: q}]
agents: [{id: a, endpoint: sim/a, queues: [{queue: q}]}]
`)
	deadline := time.Now().Add(60 * time.Second)
	var out string
	for {
		var code int
		var errOut string
		code, out, errOut = hotline(t, nil, "tasks", "--api", addr)
		if code != 0 {
			t.Fatalf("hotline tasks: exit %d: %s", code, errOut)
		}
		if strings.Contains(out, "abandoned") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no task for abandoned callers within 60 s:\n%s", out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	code, out, errOut := hotline(t, nil, "tasks", "next", "a", "--api", addr)
	id := regexp.MustCompile(`task (t-\S+) \(abandoned call`).FindStringSubmatch(out)
	if code != 0 || id == nil || !strings.Contains(out, "call back:") {
		t.Fatalf("tasks next: exit %d %q %q", code, out, errOut)
	}
	if code, out, errOut := hotline(t, nil, "tasks", "close", "a", id[1], "--result", "reached", "--api", addr); code != 0 ||
		!strings.Contains(out, "closed reached") {
		t.Fatalf("tasks close: exit %d %q %q", code, out, errOut)
	}
	if code, out, _ := hotline(t, nil, "tasks", "--state", "closed", "--api", addr); code != 0 || !strings.Contains(out, id[1]) {
		t.Fatalf("closed tasks: %q", out)
	}
}
