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

// A flow's menu, collect, language and faq nodes that leave out timeout or
// retries wait and ask again as a menu of menus: does (5 s, two retries),
// rather than being refused for no timeout or asking once.
func TestFlowNodeDefaults(t *testing.T) {
	src := `
queues:
  - name: support
entries:
  - {number: "100", flow: main}
flows:
  main:
    start: lang
    nodes:
      lang: {kind: language, options: {"1": {language: en}}, default: en, next: pick}
      pick: {kind: menu, options: {"1": {node: order}}, default: {node: person}}
      order: {kind: collect, var: order, length: 4, next: person, fallback: person}
      strict: {kind: collect, var: pin, length: 4, retries: 0, timeout: 9s, next: person, fallback: person}
      person: {kind: queue, queue: support}
`
	cfg, err := Parse([]byte(src), "defaults.yaml")
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil && !strings.Contains(err.Error(), "unreachable") {
		t.Fatal(err)
	}
	nodes := cfg.Flows["main"].Nodes
	if m := nodes["pick"].Node.(*ivr.Menu); m.Timeout != 5*time.Second || m.Retries != 2 {
		t.Errorf("menu: timeout %v retries %d, want 5s and 2", m.Timeout, m.Retries)
	}
	if c := nodes["order"].Node.(*ivr.Collect); c.Timeout != 5*time.Second || c.Retries != 2 {
		t.Errorf("collect: timeout %v retries %d, want 5s and 2", c.Timeout, c.Retries)
	}
	if c := nodes["strict"].Node.(*ivr.Collect); c.Timeout != 9*time.Second || c.Retries != 0 {
		t.Errorf("collect with its own: timeout %v retries %d, want 9s and 0", c.Timeout, c.Retries)
	}
	if l := nodes["lang"].Node.(*ivr.Language); l.Timeout != 5*time.Second {
		t.Errorf("language: timeout %v, want 5s", l.Timeout)
	}
}

// A {variable} that no node of the flow sets and the host does not either
// is a misspelling: it would be said, put in a lookup's URL or dialed as
// nothing. Loading names the node, the setting and the variable.
func TestFlowUnknownVariables(t *testing.T) {
	src := `
queues:
  - name: support
entries:
  - {number: "100", flow: main}
flows:
  main:
    start: ask
    nodes:
      ask: {kind: collect, var: order, length: 4, next: look, fallback: person, say: {en: "Caller {caller}, your order number please"}}
      look: {kind: lookup, url: "https://shop.example/orders/{order}?who={custmer}", read: {state: status}, timeout: 2s, next: tell, on_failure: person}
      tell: {kind: play, say: {en: "Order {order} is {stat}.", de: "Bestellung {order}: {state}"}, next: mark}
      mark: {kind: set, vars: {note: "{state} for {caller}", skill.vip: "1"}, next: person}
      person: {kind: queue, queue: support}
`
	cfg, err := Parse([]byte(src), "vars.yaml")
	if err == nil {
		err = cfg.Validate()
	}
	if err == nil {
		t.Fatal("the config passed with variables no node sets")
	}
	for _, want := range []string{
		`flows.main.nodes.look.url: {custmer} is a variable no node of the flow sets (known: caller, known, note, order, skill.vip, state, tags)`,
		`flows.main.nodes.tell.say.en: {stat} is a variable no node of the flow sets`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("problems lack %q:\n%v", want, err)
		}
	}
	if n := strings.Count(err.Error(), "no node of the flow sets"); n != 2 {
		t.Errorf("%d unknown variables named, want 2:\n%v", n, err)
	}
}

// A collect with no fallback hangs up on a caller who keys nothing once
// its retries are spent: valid, so an advisory, not an error; not for a
// flow only a campaign's survey asks.
func TestFlowCollectWithoutFallbackAdvisory(t *testing.T) {
	src := `
queues:
  - name: support
entries:
  - {number: "100", flow: main}
flows:
  main:
    start: ask
    nodes:
      ask: {kind: collect, var: order, length: 4, next: person}
      person: {kind: queue, queue: support}
  poll:
    start: rate
    nodes:
      rate: {kind: collect, var: score, length: 1, next: bye}
      bye: {kind: hangup}
campaigns:
  - {name: spring, kind: survey, flow: poll, caller_id: "5550100", endpoint: "PJSIP/{number}@trunk"}
`
	got := advisoryTexts(t, src, "advice.yaml", false)
	want := "flows.main.nodes.ask.fallback: none: after 2 retries a caller who keys nothing or a bad value is hung up; name a node to go to instead (one that queues to a person, say)"
	if len(got) != 1 || got[0] != want {
		t.Errorf("advisories = %q, want only %q", got, want)
	}
}

// A queue none of whose members has the skills it asks for (nor those of
// any of its targets) never serves a caller: an advisory names the skill
// and level missing; a target a member meets, or a queue no agent is in,
// says nothing.
func TestQueueSkillsNoMemberHasAdvisory(t *testing.T) {
	src := `
queues:
  - {name: french, skills: {french: 5, billing: 2}}
  - {name: relaxed, skills: {german: 9}, targets: [{after: 30s, skills: {german: 4}}]}
  - {name: never, skills: {german: 9}, targets: [{after: 30s, skills: {german: 8}}]}
  - {name: empty, skills: {klingon: 1}}
agents:
  - {id: ann, endpoint: sim/ann, skills: {french: 4, billing: 3, german: 5}, queues: [{queue: french}, {queue: relaxed}, {queue: never}]}
  - {id: bob, endpoint: sim/bob, skills: {french: 9}, queues: [{queue: french}]}
`
	got := advisoryTexts(t, src, "skills.yaml", false)
	want := []string{
		// bob has the French but not the billing, ann the billing but
		// not the French at 5: each skill is met alone, not together.
		"queues[0].skills: no agent of the queue has every skill it asks for; its callers wait until max_wait or hang up",
		"queues[2].skills: no agent of the queue has german at 9 or more, nor what any of its targets asks; its callers wait until max_wait or hang up",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("advisories:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// advisoryTexts parses src (and validates it, when validate) and returns
// its advisories as text.
func advisoryTexts(t *testing.T, src, name string, validate bool) []string {
	t.Helper()
	cfg, err := Parse([]byte(src), name)
	if err == nil && validate {
		err = cfg.Validate()
	}
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range cfg.Advisories() {
		got = append(got, a.String())
	}
	return got
}
