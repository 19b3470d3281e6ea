package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestOverride(t *testing.T) {
	c := mustParse(t, "server:\n  log_format: console\npbx:\n  type: sim\n")
	sets := []struct{ path, value string }{
		{"server.log_format", "json"},
		{"pbx.asterisk.ping_interval", "750ms"},
		{"pbx.sim.seed", "42"},
		{"pbx.sim.callers.dtmf_chance", "0.5"},
		{"store.path", "/tmp/h.db"},
	}
	for _, s := range sets {
		if err := c.Override(s.path, s.value, "TEST"); err != nil {
			t.Fatalf("Override(%s, %s): %v", s.path, s.value, err)
		}
	}
	if c.Server.LogFormat != "json" || c.PBX.Asterisk.PingInterval != 750*time.Millisecond || c.PBX.Sim.Seed != 42 ||
		c.PBX.Sim.Callers.DTMFChance != 0.5 || c.Store.Path != "/tmp/h.db" || c.PBX.Type != "sim" {
		t.Errorf("overrides not applied: %+v", c)
	}
}

func TestOverrideRefuses(t *testing.T) {
	tests := []struct{ path, value, want string }{
		{"pbx.asterisk.ping_interval", "2", `FLAG: pbx.asterisk.ping_interval: duration 2 needs a unit`},
		{"pbx.sim.seed", "x", `FLAG: pbx.sim.seed: want a whole number, got "x"`},
		{"pbx.sim.callers.dtmf_chance", "most", `FLAG: pbx.sim.callers.dtmf_chance: want a number, got "most"`},
		{"server.nope", "x", `FLAG: server.nope: no such setting`},
		{"queues", "x", `FLAG: queues: not a single setting`},
		{"pbx.asterisk", "x", `FLAG: pbx.asterisk: not a single setting`},
		{"server.listen.port", "x", `FLAG: server.listen.port: not a single setting`},
		{"store.path", "/var/lib/hot\u202eline.db", `FLAG: store.path: holds the direction control character U+202E at character 13`},
	}
	for _, tt := range tests {
		c := Default()
		err := c.Override(tt.path, tt.value, "FLAG")
		if !errors.Is(err, ErrInvalid) || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("Override(%s, %q) = %v, want %q", tt.path, tt.value, err, tt.want)
		}
	}
}

// A problem with an overridden setting names the override, not the file line.
func TestOverrideOriginInProblems(t *testing.T) {
	c := mustParse(t, "pbx:\n  type: sim\nserver:\n  log_level: info\n")
	before := c
	if err := c.Override("pbx.type", "pabx", "HOTLINE_PBX_TYPE"); err != nil {
		t.Fatal(err)
	}
	before.Server.LogLevel = "loud"
	err := c.Validate()
	want := `HOTLINE_PBX_TYPE: pbx.type: unknown switch type "pabx"; known: sim, asterisk, freeswitch`
	if err == nil || err.Error() != want {
		t.Errorf("Validate() = %v, want %q", err, want)
	}
	// The copy taken before the override still points into the file.
	want = `test.yaml:4: server.log_level: unknown log level "loud"; known: ` + strings.Join(LogLevels, ", ")
	if err := before.Validate(); err == nil || err.Error() != want {
		t.Errorf("copy Validate() = %v, want %q", err, want)
	}
}
