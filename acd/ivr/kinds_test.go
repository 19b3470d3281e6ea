package ivr

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/internal/golden"
	"go.yaml.in/yaml/v3"
)

// loadFlow reads a flow file of testdata/flows the way the config does: a
// start node and nodes, each with its kind.
func loadFlow(t *testing.T, name string) (map[string]Node, string) { return loadFlowB(t, name) }

func loadFlowB(t testing.TB, name string) (map[string]Node, string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "flows", name+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return parseFlow(t, string(raw))
}

func parseFlow(t testing.TB, src string) (map[string]Node, string) {
	t.Helper()
	var doc struct {
		Start string               `yaml:"start"`
		Nodes map[string]yaml.Node `yaml:"nodes"`
	}
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	nodes := map[string]Node{}
	for name, y := range doc.Nodes {
		kind := ""
		for i := 0; i+1 < len(y.Content); i += 2 {
			if y.Content[i].Value == "kind" {
				kind = y.Content[i+1].Value
				y.Content = slices.Delete(y.Content, i, i+2)
				break
			}
		}
		n, err := Decode(kind, y.Decode)
		if err != nil {
			t.Fatalf("node %s: %v", name, err)
		}
		nodes[name] = n
	}
	return nodes, doc.Start
}

func supportFlow(t *testing.T) *Flow {
	nodes, _ := loadFlow(t, "support")
	f, err := Build(nodes)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// Tuesday 2026-12-01 10:00 in Berlin (09:00 UTC).
var open = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func TestSupportFlowChecksClean(t *testing.T) {
	nodes, start := loadFlow(t, "support")
	if p := Check(nodes, start); len(p) > 0 {
		t.Errorf("problems in a good flow: %v", p)
	}
}

// walkAt is walk with caller data and a clock.
func walkAt(f *Flow, start string, vars map[string]string, now time.Time, inputs []Input) []byte {
	var out strings.Builder
	st, acts := f.StartWith(start, vars, now)
	trace := func(in string) {
		fmt.Fprintf(&out, "%s\n", in)
		for _, a := range acts {
			fmt.Fprintf(&out, "  → %v\n", a)
		}
		fmt.Fprintf(&out, "  = %v\n", st)
	}
	trace("start " + start)
	for _, in := range inputs {
		st, acts = f.Step(st, in, now)
		trace(fmt.Sprint(in))
	}
	return []byte(out.String())
}

func digits(s string) []Input {
	var in []Input
	for _, r := range s {
		in = append(in, Digit{Key: string(r)})
	}
	return in
}

func TestGoldenFlowWalks(t *testing.T) {
	f := supportFlow(t)
	caller := map[string]string{VarCaller: "+4930123", VarKnown: "yes"}
	vip := map[string]string{VarCaller: "+4930999", VarKnown: "yes", VarTags: "gold, VIP"}
	card := "4111111111111111"
	walks := []struct {
		name   string
		vars   map[string]string
		now    time.Time
		inputs []Input
	}{
		{"support-order-lookup-card", caller, open, slices.Concat(
			[]Input{Digit{Key: "2"}}, digits("1234#"),
			[]Input{LookupResult{Values: map[string]string{"order_status": "shipped"}}, PlaybackDone{}},
			digits(card))},
		{"support-vip-priority", vip, open, []Input{PlaybackDone{}, Timeout{}}},
		{"support-closed-holiday", caller, time.Date(2026, 12, 25, 10, 0, 0, 0, time.UTC), []Input{Digit{Key: "1"}}},
		{"support-closed-night", caller, time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC), []Input{Digit{Key: "2"}}},
		{"support-friday-lunch-closed", caller, time.Date(2026, 12, 4, 12, 30, 0, 0, time.UTC), []Input{Digit{Key: "1"}}},
		{"support-bad-order-then-fallback", caller, open, slices.Concat(
			[]Input{Digit{Key: "1"}}, digits("12#"), []Input{PlaybackDone{}, Timeout{}})},
		{"support-lookup-timeout", caller, open, slices.Concat(
			[]Input{Digit{Key: "1"}}, digits("98765#"), []Input{Timeout{}})},
		{"support-lookup-failed", caller, open, slices.Concat(
			[]Input{Digit{Key: "1"}}, digits("98765#"), []Input{LookupResult{Err: "HTTP 500"}})},
		{"support-bad-card", caller, open, slices.Concat(
			[]Input{Digit{Key: "1"}}, digits("1234#"),
			[]Input{LookupResult{Values: map[string]string{"order_status": "packed"}}, PlaybackDone{}},
			digits("4111111111111112"))},
	}
	for _, w := range walks {
		t.Run(w.name, func(t *testing.T) {
			golden.Check(t, filepath.Join("testdata", w.name+".golden"), walkAt(f, "lang", w.vars, w.now, w.inputs))
		})
	}
}

func TestLuhn(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"4111111111111111", true}, {"79927398713", true}, {"4111111111111112", false},
		{"79927398710", false}, {"0", false}, {"12a4", false}, {"00", true},
	} {
		if got := LuhnValid(tc.in); got != tc.want {
			t.Errorf("LuhnValid(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestHoursIsOpen(t *testing.T) {
	h := &Hours{Zone: "America/New_York", Week: map[string]string{"mon": "09:00-17:00", "sat": "10:00-12:00"}, Holidays: []string{"2026-12-07"}}
	for _, tc := range []struct {
		at   string
		want bool
	}{
		{"2026-11-30T14:00:00Z", true},  // Mon 09:00 NY
		{"2026-11-30T13:59:00Z", false}, // Mon 08:59
		{"2026-11-30T22:00:00Z", false}, // Mon 17:00: end is outside
		{"2026-12-05T15:30:00Z", true},  // Sat 10:30
		{"2026-12-06T15:30:00Z", false}, // Sun: not listed
		{"2026-12-07T15:00:00Z", false}, // Mon, a holiday
		{"2026-12-05T03:30:00Z", false}, // Fri 22:30 in NY, Sat 03:30 in UTC: the zone decides
		{"2026-12-06T02:30:00Z", false}, // Sat 21:30
	} {
		at, _ := time.Parse(time.RFC3339, tc.at)
		if got := h.IsOpen(at); got != tc.want {
			t.Errorf("IsOpen(%s) = %v, want %v", tc.at, got, tc.want)
		}
	}
}

func TestCheckProblems(t *testing.T) {
	nodes, start := parseFlow(t, `
start: menu
nodes:
  menu:
    kind: menu
    timeout: 3s
    options:
      "1": {node: again}
      "2": {node: sales}
    default: {node: menu}
  again:
    kind: set
    vars: {x: "1"}
    next: back
  back:
    kind: condition
    cases: [{var: x, goto: again}]
    else: again
  hours:
    kind: hours
    open: sales
    closed: shut
  shut:
    kind: hangup
  ask:
    kind: lookup
    url: http://crm.local/x
    next: shut
    on_failure: shut
`)
	got := Check(nodes, start)
	var lines []string
	for _, p := range got {
		lines = append(lines, p.String())
	}
	golden.Check(t, filepath.Join("testdata", "check-problems.golden"), []byte(strings.Join(lines, "\n")+"\n"))
	for _, want := range []string{
		`hours.open: unknown node "sales"`,
		`menu.options.2: unknown node "sales"`,
		`ask.timeout: missing; a lookup without a timeout could hold the caller forever`,
		`hours: unreachable: no way leads here from start "menu"`,
		`again: a loop that takes no input: again → back → again`,
		`again: no way out`,
	} {
		if !slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, want) }) {
			t.Errorf("no problem %q in\n%s", want, strings.Join(lines, "\n"))
		}
	}
	if err := Err("flows.main.nodes.", got); err == nil || !strings.Contains(err.Error(), `flows.main.nodes.hours.open: unknown node "sales"`) {
		t.Errorf("Err = %v", err)
	}
}

func TestFlowNamesResolveWithinTheirFlow(t *testing.T) {
	f, err := Build(map[string]Node{
		"a/start": &PlayNode{Say: map[string]string{"en": "hi"}, Then: "end"},
		"a/end":   &Queue{Queue: "qa"},
		"b/end":   &Queue{Queue: "qb"},
	})
	if err != nil {
		t.Fatal(err)
	}
	st, _ := f.Start("a/start", open)
	_, acts := f.Step(st, PlaybackDone{}, open)
	if got := fmt.Sprint(acts); got != "[enter queue a/end queue qa]" {
		t.Errorf("a/start → %s, want a/end", got)
	}
	if _, err := Build(map[string]Node{"a/start": &PlayNode{Say: map[string]string{"en": "hi"}, Then: "nowhere"}}); err == nil ||
		!strings.Contains(err.Error(), `a/start.next: unknown node "nowhere"`) {
		t.Errorf("Build = %v", err)
	}
}

// A secret value is masked in every note and in the state's text, kept
// out of the stored state, and dropped when the call leaves the flow.
func TestSecretValues(t *testing.T) {
	nodes := map[string]Node{
		"card":  &Collect{Var: "card", Length: 4, Secret: true, Timeout: time.Second, Then: "note"},
		"note":  &Set{Vars: map[string]string{"topic": "card {card}"}, Then: "check"},
		"check": &LookupNode{URL: "http://cards.local/{card}", Timeout: time.Second, Then: "agent", OnFailure: "agent"},
		"agent": &Queue{Queue: "support"},
	}
	f, err := Build(nodes)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := f.Start("card", t0)
	var all []Action
	for _, in := range append(digits("987"), Digit{Key: "6"}) {
		var acts []Action
		st, acts = f.Step(st, in, t0)
		all = append(all, acts...)
		if stored := f.Stored(st); strings.Contains(fmt.Sprint(stored.Vars, stored.Buf), "98") {
			t.Errorf("stored state %+v holds the secret digits", stored)
		}
	}
	if !strings.Contains(fmt.Sprint(all), "lookup GET http://cards.local/9876") {
		t.Errorf("the lookup lacks the value it needs: %v", all)
	}
	if s := st.String(); strings.Contains(s, "9876") || !strings.Contains(s, "card="+Masked) {
		t.Errorf("state text %s", s)
	}
	st, acts := f.Step(st, LookupResult{Err: `Get "http://cards.local/9876": refused`}, t0)
	all = append(all, acts...)
	for _, a := range all {
		switch a := a.(type) {
		case Note:
			if strings.Contains(a.Detail, "9876") {
				t.Errorf("note shows the secret: %v", a)
			}
		}
	}
	if !st.Done() || st.Vars["card"] != "" || st.Vars["topic"] != "card "+Masked || !strings.Contains(fmt.Sprint(all), "set topic=card "+Masked) {
		t.Errorf("after leaving: %+v; actions %v", st, all)
	}
}

func TestVoicemailNode(t *testing.T) {
	f, err := Build(map[string]Node{"vm": &Voicemail{Queue: "support", Prompt: []string{"sound:leave"}, Max: time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	st, acts := f.StartWith("vm", map[string]string{VarCaller: "555"}, t0)
	var all []string
	trace := func(acts []Action) {
		for _, a := range acts {
			all = append(all, fmt.Sprint(a))
		}
	}
	trace(acts)
	for _, in := range []Input{Digit{Key: "#"}, PlaybackDone{}, Digit{Key: "5"}, Digit{Key: "#"}} {
		st, acts = f.Step(st, in, t0)
		trace(acts)
	}
	want := "enter voicemail vm|play sound:leave,tone:beep|note voicemail recording|record voicemail max 1m0s|timer 1m0s|" +
		"cancel-timer|note voicemail-left key #|callback support to 555 with voicemail"
	if got := strings.Join(all, "|"); got != want || !st.Done() {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	// The caller hanging up while recording leaves the message too.
	st, _ = f.StartWith("vm", map[string]string{VarCaller: "555"}, t0)
	st, _ = f.Step(st, PlaybackDone{}, t0)
	if _, acts = f.Step(st, HungUp{}, t0); fmt.Sprint(acts) != "[note voicemail-left hung up callback support to 555 with voicemail]" {
		t.Errorf("hang-up: %v", acts)
	}
	if err := (&Voicemail{}).Validate(); err == nil || !strings.Contains(err.Error(), "queue: missing") {
		t.Errorf("no queue: %v", err)
	}
}
