package config

import (
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
)

func TestRecordingPolicy(t *testing.T) {
	cfg, err := Parse([]byte(`queues:
  - {name: a, record: true}
  - {name: b, recording: on_demand}
  - {name: c}
  - {name: d, record: true, recording: always}
campaigns:
  - {name: k, endpoint: "Local/{number}@leads", queues: [a], recording: always}
`), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{RecordAlways, RecordOnDemand, RecordNever, RecordAlways} {
		if got := cfg.Queues[i].RecordingPolicy(); got != want {
			t.Errorf("queue %s: policy %q, want %q", cfg.Queues[i].Name, got, want)
		}
	}
	if d := cfg.Deprecations(); len(d) != 1 || d[0] != "queues[0].record: record: true is deprecated; write recording: always" {
		t.Errorf("deprecations %q, want queue a's record: true alone", d)
	}
	if got := cfg.Campaigns[0].RecordingPolicy(); got != RecordAlways {
		t.Errorf("campaign policy %q, want always", got)
	}
}

func TestRecordingSettingsRefused(t *testing.T) {
	bad, err := Parse([]byte(`recordings:
  template: "{date}/{caller}/{call}"
  dir: spool/rec
queues:
  - {name: a, recording: sometimes}
  - {name: b, record: true, recording: never}
`), "bad.yaml")
	if err == nil {
		err = bad.Validate()
	}
	for _, want := range []string{
		"bad.yaml:2: recordings.template: unknown placeholder {caller}",
		`bad.yaml:3: recordings.dir: "spool/rec" is not an absolute path`,
		`bad.yaml:5: queues[0].recording: unknown recording policy "sometimes"; known: never, on_demand, always`,
		"bad.yaml:6: queues[1].record: record: true (the old spelling of recording: always) contradicts recording: never",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v\nlacks %q", err, want)
		}
	}
}

func TestRecordingTemplate(t *testing.T) {
	for tmpl, want := range map[string]string{
		"{date}/{queue}":                "no {call}",
		"/abs/{call}":                   "which no switch takes",
		"{date}/../{call}":              "which no switch takes",
		"{date} {call}":                 "which no switch takes",
		"{call":                         "unmatched",
		"{call}}":                       "unmatched",
		"a,{call}":                      "comma",
		"{date}/{queue}/{call}-{agent}": "",
		"hotline-{call}":                "",
	} {
		err := checkRecordingTemplate(tmpl)
		if (err == nil) != (want == "") || (err != nil && !strings.Contains(err.Error(), want)) {
			t.Errorf("checkRecordingTemplate(%q) = %v, want %q", tmpl, err, want)
		}
	}
	at := time.Date(2026, 11, 30, 9, 5, 7, 0, time.UTC)
	got := RecordingName("{date}/{queue}/{call}-{agent}-{time}-{campaign}", RecordingFields{Call: "c-1", Queue: "support", Agent: "al ice/..", At: at})
	if want := "2026-11-30/support/c-1-al_ice_..-090507-none"; got != want {
		t.Errorf("RecordingName = %q, want %q", got, want)
	}
	if got := RecordingName("", RecordingFields{Call: "c1"}); got != "hotline-c1" {
		t.Errorf("default template gives %q", got)
	}
	if got := RecordingName("{agent}/{call}", RecordingFields{Call: "c1", Agent: ".."}); got != "none/c1" {
		t.Errorf("a value of dots gives %q", got)
	}
}

// FuzzRecordingName: a template Validate accepts makes, whatever the
// call's queue, agent or campaign is called, a name every switch takes.
func FuzzRecordingName(f *testing.F) {
	f.Add("{date}/{queue}/{call}-{agent}", "support", "alice", "c-1")
	f.Add("hotline-{call}", "..", "a/b", "x y")
	f.Add("{campaign}/{direction}/{time}{call}", "", ".", "\x00")
	f.Fuzz(func(t *testing.T, tmpl, queue, agent, call string) {
		if checkRecordingTemplate(tmpl) != nil {
			return
		}
		if call == "" || unsafeChars.MatchString(call) {
			call = "c1" // the engine's call ids are plain
		}
		name := RecordingName(tmpl, RecordingFields{Call: call, Queue: queue, Agent: agent, Campaign: queue + agent, Direction: "inbound", At: time.Now()})
		if err := pbx.CheckRecordingName(name); err != nil || strings.Contains(name, ",") {
			t.Fatalf("template %q makes %q: %v", tmpl, name, err)
		}
	})
}
