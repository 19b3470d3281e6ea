package config

import (
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/ivr"
)

// A flow is decoded through acd/ivr's registry as strictly as the rest of
// the file, and checked whole: every problem comes back with its path.
func TestFlowProblems(t *testing.T) {
	src := `
store: {path: x.db}
queues:
  - name: support
entries:
  - {number: "100", flow: main}
  - {number: "101", flow: nope}
  - {number: "102", flow: main, queue: support}
flows:
  main:
    start: hours
    nodes:
      hours:
        kind: hours
        zone: Europe/Berlin
        week: {mon: "09:00-18:00"}
        open: sales
        closed: bye
        colour: red
      bye: {kind: hangup, say: {en: Goodbye}}
      q: {kind: queue, queue: billing}
      x: {kind: teleport}
      y: {queue: support}
      z: {kind: queue, queue: support, skills: {tech: 11, basic: 0}}
      w: {kind: hangup, prompt: ["bogus:y"]}
`
	_, err := Parse([]byte(src), "flows.yaml")
	if err == nil {
		t.Fatal("Parse accepted a broken flow")
	}
	for _, want := range []string{
		`flows.yaml:7: entries[1].flow: unknown flow "nope"; known: main`,
		`flows.yaml:8: entries[2]: more than one of queue, menu and flow set`,
		`flows.yaml:17: flows.main.nodes.hours.open: unknown node "sales"`,
		`flows.yaml:19: flows.main.nodes.hours.colour: unknown key`,
		`flows.main.nodes.q: unreachable: no way leads here from start "hours"`,
		`flows.main.nodes.q.queue: unknown queue "billing"; known: support`,
		`flows.main.nodes.x.kind: unknown node kind "teleport"`,
		`flows.main.nodes.y.kind: missing; one of`,
		// As a queue's: a caller needing 11 is never taken (agents have 10 at most).
		`flows.main.nodes.z.skills.tech: level 11 is outside 1..10`,
		`flows.main.nodes.z.skills.basic: level 0 is outside 1..10`,
		`flows.main.nodes.w.prompt[0]: "bogus:y": unknown media kind "bogus"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("problems lack %q:\n%v", want, err)
		}
	}
}

// A FAQ's listen_silence is checked against what switches take and
// against its own listen, and the problem names the node.
func TestFlowListenSilence(t *testing.T) {
	const flow = `
store: {path: x.db}
queues: [{name: support}]
entries: [{number: "100", flow: help}]
flows:
  help:
    start: ask
    nodes:
      ask:
        kind: faq
        timeout: 5s
        agent: person
        %s
        entries: [{id: hours, key: "1", say: {en: "Nine to six."}}]
      person: {kind: queue, queue: support}
`
	for _, tc := range []struct{ set, want string }{
		{"listen_silence: 1500ms", "flows.help.nodes.ask: listen_silence 1.5s: want whole seconds"},
		{"listen_silence: -1s", "flows.help.nodes.ask: listen_silence -1s: want whole seconds"},
		{"listen: 4s\n        listen_silence: 4s", "flows.help.nodes.ask: listen_silence 4s: must be shorter than listen (4s)"},
		{"listen_silence: 8s", "flows.help.nodes.ask: listen_silence 8s: must be shorter than listen (8s)"},
		{"listen: -2s", "flows.help.nodes.ask: listen -2s: must be positive"},
	} {
		cfg, err := Parse([]byte(strings.Replace(flow, "%s", tc.set, 1)), "flows.yaml")
		if err == nil {
			err = cfg.Validate()
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.set, err, tc.want)
		}
	}
	cfg, err := Parse([]byte(strings.Replace(flow, "%s", "listen_silence: 3s", 1)), "flows.yaml")
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil {
		t.Fatal(err)
	}
	if f := cfg.Flows["help"].Nodes["ask"].Node.(*ivr.FAQ); f.ListenSilence != 3*time.Second {
		t.Errorf("listen_silence decoded as %v, want 3s", f.ListenSilence)
	}
}

func TestFlowDecodes(t *testing.T) {
	cfg, err := Parse([]byte(`
store: {path: x.db}
queues: [{name: support}]
entries: [{number: "100", flow: main}]
flows:
  main:
    start: ask
    nodes:
      ask: {kind: collect, var: order, length: 4, timeout: 3s, next: q}
      q: {kind: queue, queue: support, skills: {orders: 2}, priority: 3}
`), "ok.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	nodes := cfg.Flows["main"].IVRNodes()
	c, ok := nodes["ask"].(*ivr.Collect)
	q, ok2 := nodes["q"].(*ivr.Queue)
	if !ok || !ok2 || c.Length != 4 || c.Timeout.Seconds() != 3 || q.Skills["orders"] != 2 || q.Priority != 3 {
		t.Errorf("decoded %#v %#v", nodes["ask"], nodes["q"])
	}
}

// A node's own problems name the setting and its line, one problem each:
// they were one problem on the node's line ("flows.yaml:5:
// flows.main.nodes.hours: week.mon: ...; holidays.1: ...").
func TestFlowNodeProblemsNameTheirSetting(t *testing.T) {
	src := `queues: [{name: support}]
entries: [{number: "100", flow: main}]
flows:
  main:
    start: hours
    nodes:
      hours:
        kind: hours
        zone: Mars/Base
        week:
          mon: "09:00-18:00"
          tue: "25:00-26:00"
        holidays:
          - "2026-12-25"
          - "2026-02-30"
        open: q
        closed: q
      q: {kind: queue, queue: support}
`
	err := mustParse(t, src).Validate()
	if err == nil {
		t.Fatal("Validate accepted a broken node")
	}
	checkProblems(t, problemStrings(t, err), []string{
		`test.yaml:9: flows.main.nodes.hours.zone: unknown time zone Mars/Base`,
		`test.yaml:12: flows.main.nodes.hours.week.tue: "25:00" is not a time like 09:30`,
		`test.yaml:15: flows.main.nodes.hours.holidays.1: "2026-02-30" is not a date like 2026-12-25`,
	})
}
