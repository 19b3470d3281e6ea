package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/routing"
)

func mustParse(t *testing.T, yaml string) Config {
	t.Helper()
	c, err := Parse([]byte(yaml), "test.yaml")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return c
}

// parseProblems parses yaml that must fail and returns its problems as strings.
func parseProblems(t *testing.T, yaml string) []string {
	t.Helper()
	_, err := Parse([]byte(yaml), "test.yaml")
	if err == nil {
		t.Fatal("Parse succeeded, want an error")
	}
	return problemStrings(t, err)
}

func TestParseKeepsTopLevelDefaults(t *testing.T) {
	c := mustParse(t, "pbx:\n  asterisk:\n    username: hl\n")
	if c.PBX.Asterisk.Username != "hl" {
		t.Errorf("username = %q, want hl", c.PBX.Asterisk.Username)
	}
	if c.PBX.Asterisk.URL != Default().PBX.Asterisk.URL || c.PBX.Asterisk.PingInterval != 2*time.Second {
		t.Errorf("defaults next to a set key were lost: %+v", c.PBX.Asterisk)
	}
}

func TestParseAppliesDefaultsToListElements(t *testing.T) {
	c := mustParse(t, `
queues:
  - name: a
    targets:
      - after: 10s
      - after: 20s
        max_penalty: 0
  - name: b
    wrap_up: 0s
    ring_timeout: 20s
    announce: {interval: 60s}
    callback: {endpoint: "PJSIP/{number}@trunk"}
menus:
  - name: m
    prompt: [sound:x]
agents:
  - id: x
  - id: y
    weight: 3
`)
	a, b := c.Queues[0], c.Queues[1]
	if a.RingTimeout != 15*time.Second || a.WrapUp != 5*time.Second || a.Strategy != StrategyLongestIdle || a.Weight != 1 {
		t.Errorf("queue a did not get the defaults: %+v", a)
	}
	if a.Targets[0].MaxPenalty != -1 || a.Targets[1].MaxPenalty != 0 {
		t.Errorf("targets max_penalty = %d, %d; want -1 (default), 0 (written)", a.Targets[0].MaxPenalty, a.Targets[1].MaxPenalty)
	}
	if b.WrapUp != 0 || b.RingTimeout != 20*time.Second {
		t.Errorf("queue b: wrap_up %s ring_timeout %s, want the written 0s and 20s", b.WrapUp, b.RingTimeout)
	}
	if b.Announce.Interval != time.Minute || !b.Announce.Position {
		t.Errorf("queue b announce = %+v, want interval 1m with the default position true", b.Announce)
	}
	if b.Callback.MaxAttempts != 3 || b.Callback.Endpoint == "" {
		t.Errorf("queue b callback = %+v, want the endpoint and default attempts", b.Callback)
	}
	if m := c.Menus[0]; m.Timeout != 5*time.Second || m.Retries != 2 {
		t.Errorf("menu did not get the defaults: %+v", m)
	}
	if c.Agents[0].Weight != 1 || c.Agents[1].Weight != 3 {
		t.Errorf("agent weights = %d, %d; want 1 (default), 3", c.Agents[0].Weight, c.Agents[1].Weight)
	}
}

func TestParseAnchorsAndMerges(t *testing.T) {
	c := mustParse(t, `
queues:
  - &base
    name: a
    ring_timeout: 25s
  - <<: *base
    name: b
  - *base
`)
	if len(c.Queues) != 3 {
		t.Fatalf("got %d queues, want 3", len(c.Queues))
	}
	for i, q := range c.Queues {
		if q.RingTimeout != 25*time.Second || q.WrapUp != 5*time.Second {
			t.Errorf("queues[%d] = ring %s wrap %s, want 25s from the anchor and the 5s default", i, q.RingTimeout, q.WrapUp)
		}
	}
	if c.Queues[1].Name != "b" {
		t.Errorf("merged queue name = %q, want b", c.Queues[1].Name)
	}
}

func TestParseProblems(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{"unknown top-level key", "servr:\n  listen: x\n", []string{`test.yaml:1: servr: unknown key; did you mean "server"?`}},
		{"unknown key in a list", "queues:\n  - name: a\n    ring_timout: 10s\n", []string{`test.yaml:3: queues[0].ring_timout: unknown key; did you mean "ring_timeout"?`}},
		{"unknown key far from anything", "store:\n  path: x\n  colour: red\n", []string{`test.yaml:3: store.colour: unknown key; known: path`}},
		{"every unknown key at once", "queues:\n  - nme: a\n    stratgy: x\nagents:\n  - idd: b\n", []string{
			`test.yaml:2: queues[0].nme: unknown key; did you mean "name"?`,
			`test.yaml:3: queues[0].stratgy: unknown key; did you mean "strategy"?`,
			`test.yaml:5: agents[0].idd: unknown key; did you mean "id"?`,
		}},
		{"bare number duration", "queues:\n  - name: a\n    ring_timeout: 15\n", []string{`test.yaml:3: queues[0].ring_timeout: duration 15 needs a unit, e.g. "15s" or "15ms"`}},
		{"bare zero duration", "queues:\n  - name: a\n    max_wait: 0\n", []string{`test.yaml:3: queues[0].max_wait: duration 0 needs a unit`}},
		{"quoted number duration", "pbx:\n  asterisk:\n    ping_interval: \"2\"\n", []string{`test.yaml:3: pbx.asterisk.ping_interval: duration 2 needs a unit`}},
		{"bad duration", "pbx:\n  freeswitch:\n    command_timeout: soon\n", []string{`test.yaml:3: pbx.freeswitch.command_timeout: want a duration like "15s", "2m" or "1h30m", got "soon"`}},
		{"int field given text", "queues:\n  - name: a\n    max_len: lots\n", []string{`test.yaml:3: queues[0].max_len: want a whole number, got "lots"`}},
		// yaml would cut a fraction off and read other bases: 010 as 8.
		{"int field given a fraction", "queues:\n  - name: a\n    max_len: 1.5\n", []string{`test.yaml:3: queues[0].max_len: want a whole number in decimal digits without leading zeros (e.g. 12), got "1.5"`}},
		{"int field given other bases", "queues:\n  - {name: a, max_len: 010, weight: 0x10, max_no_answer: 1_000}\nagents:\n  - {id: b, skills: {x: 10.9}, queues: [{queue: a, penalty: 0b11}]}\n", []string{
			`test.yaml:2: queues[0].max_len: want a whole number in decimal digits without leading zeros (e.g. 12), got "010"`,
			`test.yaml:2: queues[0].weight: want a whole number in decimal digits without leading zeros (e.g. 12), got "0x10"`,
			`test.yaml:2: queues[0].max_no_answer: want a whole number in decimal digits without leading zeros (e.g. 12), got "1_000"`,
			`test.yaml:4: agents[0].skills.x: want a whole number in decimal digits without leading zeros (e.g. 12), got "10.9"`,
			`test.yaml:4: agents[0].queues[0].penalty: want a whole number in decimal digits without leading zeros (e.g. 12), got "0b11"`,
		}},
		{"bool field given text", "queues:\n  - name: a\n    record: sometimes\n", []string{`test.yaml:3: queues[0].record: want true or false, got "sometimes"`}},
		{"float field given text", "pbx:\n  sim:\n    callers:\n      dtmf_chance: high\n", []string{`test.yaml:4: pbx.sim.callers.dtmf_chance: want a number, got "high"`}},
		{"list given a scalar", "queues:\n  - name: a\n    greeting: sound:x\n", []string{`test.yaml:3: queues[0].greeting: want a list, got "sound:x"`}},
		{"mapping given a list", "server: [a]\n", []string{`test.yaml:1: server: want a mapping of key: value, got a list`}},
		{"scalar given a mapping", "store:\n  path: {a: b}\n", []string{`test.yaml:2: store.path: want a text value, got a mapping`}},
		{"queues not a list", "queues:\n  name: a\n", []string{`test.yaml:2: queues: want a list, got a mapping`}},
		{"empty list item", "queues:\n  -\n  - name: a\n", []string{`test.yaml:2: queues[0]: empty list item`}},
		{"duplicate key", "store:\n  path: a\n  path: b\n", []string{`test.yaml:3: store.path: key "path" already set on line 2`}},
		{"direction override in a name", "queues:\n  - name: \"sup\u202Eport\"\n", []string{`test.yaml:2: queues[0].name: holds the direction control character U+202E at character 4`}},
		{"invisible character in a prompt", "queues:\n  - name: a\n    greeting: [\"sound:\u200Bx\"]\n", []string{`test.yaml:3: queues[0].greeting[0]: holds the invisible formatting character U+200B at character 7`}},
		{"syntax error", "queues:\n  - name: a\n   strategy: [\n", []string{"test.yaml:3: did not find expected '-' indicator"}},
		{"tab indentation", "store:\n\tpath: a\n", []string{"test.yaml:2: found character that cannot start any token"}},
		// yaml's own line for a syntax error is that of the block around the
		// problem, counted from 0: the line before the list, or no line at all
		// for a problem in the top mapping.
		{"tab in a list item", "server:\n  listen: x\nqueues:\n  - name: a\n\tstrategy: x\n", []string{"test.yaml:5: found a tab character that violates indentation"}},
		{"bad indent in the top mapping", "store:\n  path: a\npbx:\n  type: sim\n bad: 1\n", []string{"test.yaml:5: did not find expected key"}},
		{"unclosed flow list", "queues:\n  - name: a\n    strategy: [x\nagents: []\n", []string{"test.yaml:3: did not find expected ',' or ']'"}},
		{"unclosed flow mapping", "store:\n  path: a\n\n\nqueues:\n  - {name: a, strategy: x\n  - {name: b}\n", []string{"test.yaml:6: did not find expected ',' or '}'"}},
		{"unclosed quote", "queues:\n  - name: a\n    greeting: \"x\n", []string{"test.yaml:3: found unexpected end of stream"}},
		{"second document", "store: {path: a}\n---\nstore: {path: b}\n", []string{"test.yaml:2: a second YAML document"}},
		{"merge of itself", "store: &s\n  <<: *s\n", []string{"test.yaml:2: store: alias *s refers to itself"}},
		{"unquoted * key", "menus:\n  - name: m\n    options:\n      1: {queue: q}\n      *: {hangup: true}\n", []string{
			`test.yaml:5: did not find expected alphabetic or numeric character; YAML reads an unquoted * as an alias: quote the DTMF key, "*"`}},
		{"unquoted * value", "queues:\n  - name: q\n    exit_key: *\n", []string{
			`test.yaml:3: did not find expected alphabetic or numeric character; YAML reads an unquoted * as an alias: quote the DTMF key, "*"`}},
		{"unquoted # key", "menus:\n  - name: m\n    prompt: [sound:x]\n    options:\n      1: {hangup: true}\n      #: {hangup: true}\n", []string{
			`test.yaml:6: YAML reads an unquoted # as the start of a comment, so this line is ignored: quote the DTMF key, "#"`}},
		{"unquoted # value", "queues:\n  - name: q\n    callback_key: #\n", []string{
			`test.yaml:3: YAML reads an unquoted # as the start of a comment, so callback_key is empty: quote the DTMF key, "#"`}},
		{"commented-out exit key is fine", "queues:\n  - name: q\n    exit_key: # off for now\n    colour: red\n", []string{`test.yaml:4: queues[0].colour: unknown key`}},
		{"empty file", "", []string{`test.yaml: the file is empty: nothing is configured; start from "hotline config example"`}},
		{"only comments", "# nothing yet\n", []string{`test.yaml: the file is empty`}},
		{"empty document", "---\n", []string{`test.yaml: the file is empty`}},
		{"alias of the enclosing list", "queues: &q\n  - *q\n", []string{"test.yaml:1: queues[0]: want a mapping of key: value, got a list"}},
		// Decoded, the bytes passed by the text rules (an escape sequence
		// shown in the API's status).
		{"binary text", "agents:\n  - {id: a, name: !!binary G1syShtbMzFtRVZJTOKArg==}\n", []string{
			"test.yaml:2: agents[0].name: a binary value (!!binary) where text is wanted"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkProblems(t, parseProblems(t, tt.yaml), tt.want)
		})
	}
}

func TestValidateNamesLines(t *testing.T) {
	c := mustParse(t, `
queues:
  - name: a
    strategy: fastest
agents:
  - id: x
    endpoint: PJSIP/1
    queues:
      - queue: b
`)
	err := c.Validate()
	want := "test.yaml:4: queues[0].strategy: unknown strategy \"fastest\"; known: " + strings.Join(routing.Strategies(), ", ") + " (app_queue and mod_callcenter names too)\n" +
		"test.yaml:9: agents[0].queues[0].queue: unknown queue \"b\"; known: a"
	if err == nil || err.Error() != want {
		t.Errorf("Validate() =\n%v\nwant\n%s", err, want)
	}
}

// A problem about a setting left out points at its nearest written parent.
func TestValidateLineOfMissingSetting(t *testing.T) {
	c := mustParse(t, "store:\n  path: x\nentries:\n  - number: \"1\"\n")
	var ve *ValidationError
	if !errors.As(c.Validate(), &ve) || len(ve.Problems) != 1 {
		t.Fatalf("Validate() = %v, want one problem", c.Validate())
	}
	if p := ve.Problems[0]; p.Line != 4 || p.Path != "entries[0]" {
		t.Errorf("problem at line %d path %q, want line 4 path entries[0]", p.Line, p.Path)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "h.yaml")
	if err := os.WriteFile(path, []byte("store:\n  path: /tmp/x.db\n  nope: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	if !errors.Is(err, ErrInvalid) || !strings.HasPrefix(err.Error(), path+":3: store.nope: unknown key") {
		t.Errorf("Load = %v, want an ErrInvalid naming %s:3", err, path)
	}

	_, err = Load(filepath.Join(dir, "missing.yaml"))
	if !errors.Is(err, fs.ErrNotExist) || errors.Is(err, ErrInvalid) {
		t.Errorf("Load(missing) = %v, want fs.ErrNotExist and not ErrInvalid", err)
	}
}

// A small file whose aliases multiply into millions of values is refused
// quickly instead of walked.
func TestParseAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("menus:\n  - name: a\n    prompt: &m [" + strings.Repeat("x,", 500) + "x]\n    options: &o {")
	for i := range 500 {
		fmt.Fprintf(&b, "k%d: {message: *m},", i)
	}
	b.WriteString("}\n")
	for range 500 {
		b.WriteString("  - {name: b, options: *o}\n")
	}
	got := parseProblems(t, b.String())
	if len(got) != 1 || !strings.Contains(got[0], "aliases expand the document beyond") {
		t.Errorf("got %q, want one problem about aliases", got)
	}
}

// TestParseReportsValidationToo: a file with an unknown key still gets every
// other problem reported in the same run, without echoes of the misspelling.
func TestParseReportsValidationToo(t *testing.T) {
	_, err := Parse([]byte("queues: [{name: q, strategy: fastest, ring_timout: 5s}]\nagents: [{id: a, endpoint: sim/a, queues: [{queue: nope}]}]\n"), "two.yaml")
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v", err)
	}
	text := ve.Error()
	for _, want := range []string{"ring_timout: unknown key", `unknown strategy "fastest"`, `unknown queue "nope"`} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
}

// Merge keys multiply like aliases do: a few lines of <<: [*b, *b, ...]
// nested four deep would walk a hundred million keys. They are counted
// against the same budget.
func TestParseMergeBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("queues:\n  - name: q0\n    skills: &m0 {")
	for k := range 100 {
		fmt.Fprintf(&b, "k%d: 1, ", k)
	}
	b.WriteString("}\n")
	for level := 1; level <= 4; level++ {
		fmt.Fprintf(&b, "  - name: q%d\n    skills: &m%d {<<: [", level, level)
		for range 30 {
			fmt.Fprintf(&b, "*m%d, ", level-1)
		}
		b.WriteString("]}\n")
	}
	began := time.Now()
	got := parseProblems(t, b.String())
	if len(got) != 1 || !strings.Contains(got[0], "aliases expand the document beyond") {
		t.Errorf("got %q, want one problem about aliases", got)
	}
	if d := time.Since(began); d > 5*time.Second {
		t.Errorf("took %s to refuse", d)
	}
}
