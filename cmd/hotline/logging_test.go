package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func TestNewLoggerJSON(t *testing.T) {
	var b bytes.Buffer
	log, err := newLogger(&b, "json", "warn")
	if err != nil {
		t.Fatal(err)
	}
	log.Info().Msg("hidden")
	log.Warn().Str("component", "test").Msg("shown")
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("got %d lines, want only the warning:\n%s", len(lines), b.String())
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
		t.Fatalf("not JSON: %v: %s", err, lines[0])
	}
	if rec["message"] != "shown" || rec["component"] != "test" || rec["level"] != "warn" || rec["time"] == nil {
		t.Errorf("record = %v", rec)
	}
}

func TestNewLoggerConsole(t *testing.T) {
	var b bytes.Buffer
	log, err := newLogger(&b, "console", "debug")
	if err != nil {
		t.Fatal(err)
	}
	log.Debug().Str("queue", "sales").Msg("offered")
	out := b.String()
	if strings.HasPrefix(out, "{") || !strings.Contains(out, "offered") || !strings.Contains(out, "queue=sales") || strings.Contains(out, "\x1b[") {
		t.Errorf("console output %q: want plain uncoloured text for a non-terminal", out)
	}
}

func TestNewLoggerRefuses(t *testing.T) {
	for _, c := range [][2]string{{"xml", "info"}, {"json", "loud"}, {"json", ""}} {
		if _, err := newLogger(&bytes.Buffer{}, c[0], c[1]); err == nil {
			t.Errorf("newLogger(%q, %q) succeeded, want an error", c[0], c[1])
		}
	}
}

// The logger follows the loaded file; before a load, env and flags.
func TestGlobalLoggerFollowsConfig(t *testing.T) {
	t.Setenv("HOTLINE_CONFIG", "")
	t.Setenv("HOTLINE_LOG_FORMAT", "")
	t.Setenv("HOTLINE_LOG_LEVEL", "error")
	g := newGlobalOptions()
	g.AddFlags(pflag.NewFlagSet("test", pflag.ContinueOnError))

	var b bytes.Buffer
	log := g.logger(&b)
	log.Warn().Msg("below error")
	if b.Len() != 0 {
		t.Errorf("HOTLINE_LOG_LEVEL=error not applied before a load: %s", b.String())
	}

	t.Setenv("HOTLINE_LOG_LEVEL", "")
	t.Setenv("HOTLINE_CONFIG", writeFile(t, "h.yaml", "server:\n  log_format: console\n  log_level: debug\n"))
	if _, err := g.loadConfig(); err != nil {
		t.Fatal(err)
	}
	log = g.logger(&b)
	log.Debug().Msg("from the file")
	if out := b.String(); !strings.Contains(out, "from the file") || strings.HasPrefix(out, "{") {
		t.Errorf("logger does not follow the loaded file's console/debug: %q", out)
	}
}

// Each log line names its component once: a logger handed to a package that
// adds its own component must not carry one already.
func TestServeLogLinesNameOneComponent(t *testing.T) {
	_, logs := startServe(t, "127.0.0.1:0", quietCenter)
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(logs.String(), "simulated switch started") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if n := strings.Count(line, `"component":`); n > 1 {
			t.Errorf("%d components in %s", n, line)
		}
		checked++
	}
	if !strings.Contains(logs.String(), "simulated switch started") || checked < 3 {
		t.Fatalf("serve logged too little to check:\n%s", logs)
	}
}
