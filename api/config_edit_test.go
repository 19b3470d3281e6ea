package api

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/engine"
)

const editCfg = `# support line
entries:
  - {number: "100", queue: support}
queues:
  - {name: support, wrap_up: 30s}   # the one queue
agents:
  # alice: day shift
  - id: alice
    endpoint: sim/alice   # desk phone
    queues: [{queue: support}]
`

// editDaemon serves the config editing routes for a file holding editCfg,
// applied to the test engine by a reload as serve does.
func editDaemon(t *testing.T) (*testDaemon, string) {
	t.Helper()
	d := newTestDaemon(t, editCfg)
	path := filepath.Join(t.TempDir(), "hotline.yaml")
	if err := os.WriteFile(path, []byte(editCfg), 0o640); err != nil {
		t.Fatal(err)
	}
	read := func(data []byte) (config.Config, error) {
		cfg, err := config.Parse(data, path)
		if err == nil {
			err = cfg.Validate()
		}
		return cfg, err
	}
	d.api.WatchReload(func(ctx context.Context, _ bool) (engine.ReconfigureReport, error) {
		data, err := os.ReadFile(path)
		if err != nil {
			return engine.ReconfigureReport{}, err
		}
		cfg, err := read(data)
		if err != nil {
			return engine.ReconfigureReport{}, err
		}
		return engine.Send(ctx, d.rt, engine.Reconfigure{Config: cfg})
	})
	d.api.EnableConfigEdit(path, func(data []byte) error { _, err := read(data); return err })
	return d, path
}

// sendJSON sends body as JSON and returns the answer.
func sendJSON(t *testing.T, method, url string, body any) (int, []byte) {
	t.Helper()
	b, _ := json.Marshal(body)
	code, raw := send(t, method, url, string(b))
	return code, []byte(raw)
}

// An admin changes an agent through the API: only her lines of the file
// change, the old file is kept as a backup, and the running engine has the
// change. A change that would not validate is refused with the problems
// `config validate` names and leaves the file alone; so is one made on a
// file that changed since it was read.
func TestConfigEditAgent(t *testing.T) {
	d, path := editDaemon(t)
	base := d.srv.URL + "/api/v1/config/"
	code, raw := sendJSON(t, "GET", base+"agents", nil)
	var items ConfigItems
	if code != 200 || json.Unmarshal(raw, &items) != nil || len(items.Items) != 1 || items.Key != "id" {
		t.Fatalf("GET agents: %d %s", code, raw)
	}
	// The overview is in the file's words: snake_case keys, durations as
	// the file writes them.
	var overview struct {
		Agents []map[string]any `json:"agents"`
	}
	if json.Unmarshal(raw, &overview) != nil || len(overview.Agents) != 1 || overview.Agents[0]["id"] != "alice" ||
		overview.Agents[0]["endpoint"] != "sim/alice" || overview.Agents[0]["ID"] != nil {
		t.Errorf("the agents overview: %s", raw)
	}
	if want := "id: alice\nendpoint: sim/alice   # desk phone\nqueues: [{queue: support}]\n"; items.Items[0].YAML != want {
		t.Fatalf("alice as written: %q", items.Items[0].YAML)
	}
	edited := "id: alice\nname: Alice Smith\nendpoint: sim/alice   # desk phone\nqueues: [{queue: support, penalty: 2}]\n"
	code, raw = sendJSON(t, "PUT", base+"agents/alice", ConfigItemRequest{YAML: edited, Version: items.Version})
	var res ConfigEditResult
	if code != 200 || json.Unmarshal(raw, &res) != nil {
		t.Fatalf("PUT alice: %d %s", code, raw)
	}
	if !slices.Contains(res.Applied.AgentsChanged, "alice") {
		t.Errorf("applied %+v, want alice changed", res.Applied)
	}
	now, _ := os.ReadFile(path)
	want := strings.Replace(editCfg, "    endpoint: sim/alice   # desk phone\n    queues: [{queue: support}]\n",
		"    name: Alice Smith\n    endpoint: sim/alice   # desk phone\n    queues: [{queue: support, penalty: 2}]\n", 1)
	if string(now) != want {
		t.Errorf("file now:\n%s\nwant:\n%s", now, want)
	}
	if old, err := os.ReadFile(res.Backup); err != nil || string(old) != editCfg || !strings.HasPrefix(res.Backup, path+".") {
		t.Errorf("backup %s: %q %v", res.Backup, old, err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("file mode after the edit: %v %v", fi.Mode(), err)
	}
	waitFor(t, func() bool {
		for _, a := range d.rt.Snapshot().Agents {
			if a.ID == "alice" && a.Name == "Alice Smith" {
				return true
			}
		}
		return false
	}, "the engine to have alice's new name")

	// A queue that does not exist: refused with config validate's words.
	bad := "id: alice\nendpoint: sim/alice\nqueues: [{queue: suport}]\n"
	code, raw = sendJSON(t, "PUT", base+"agents/alice", ConfigItemRequest{YAML: bad})
	var rej ReloadError
	if code != 422 || json.Unmarshal(raw, &rej) != nil || len(rej.Problems) == 0 ||
		!strings.Contains(rej.Problems[0], "agents[0].queues[0].queue") || !strings.Contains(rej.Problems[0], "suport") {
		t.Errorf("bad queue: %d %s", code, raw)
	}
	if after, _ := os.ReadFile(path); string(after) != want {
		t.Errorf("a refused edit changed the file:\n%s", after)
	}
	// A fraction where a whole number goes: refused, not cut to 2.
	code, raw = sendJSON(t, "PUT", base+"agents/alice", ConfigItemRequest{YAML: "id: alice\nendpoint: sim/alice\nweight: 2.7\nqueues: [{queue: support}]\n"})
	if code != 422 || !strings.Contains(string(raw), "agents[0].weight") || !strings.Contains(string(raw), "2.7") {
		t.Errorf("weight 2.7: %d %s", code, raw)
	}
	if after, _ := os.ReadFile(path); string(after) != want {
		t.Errorf("a refused edit changed the file:\n%s", after)
	}
	// A stale version.
	if code, raw := sendJSON(t, "PUT", base+"agents/alice", ConfigItemRequest{YAML: edited, Version: items.Version}); code != 409 {
		t.Errorf("stale version: %d %s", code, raw)
	}
	// A new agent, then removed again.
	if code, raw := sendJSON(t, "POST", base+"agents", ConfigItemRequest{YAML: "id: carol\nendpoint: sim/carol\nqueues: [{queue: support}]\n"}); code != 200 {
		t.Fatalf("POST carol: %d %s", code, raw)
	}
	waitFor(t, func() bool {
		return slices.ContainsFunc(d.rt.Snapshot().Agents, func(a engine.AgentStatus) bool { return a.ID == "carol" })
	},
		"carol in the engine")
	if code, raw := sendJSON(t, "POST", base+"agents", ConfigItemRequest{YAML: "id: carol\nendpoint: sim/c2\n"}); code != 400 {
		t.Errorf("a second carol: %d %s", code, raw)
	}
	// A new flow by name; the same name again is refused, not overwritten.
	flow := ConfigItemRequest{Name: "hello", YAML: "start: q\nnodes:\n  q: {kind: queue, queue: support}\n"}
	if code, raw := sendJSON(t, "POST", base+"flows", flow); code != 200 {
		t.Fatalf("POST flow: %d %s", code, raw)
	}
	if code, raw := sendJSON(t, "POST", base+"flows", flow); code != 400 || !strings.Contains(string(raw), "already has") {
		t.Errorf("POST the same flow again: %d %s", code, raw)
	}
	if code, raw := sendJSON(t, "DELETE", base+"flows/hello", nil); code != 200 {
		t.Fatalf("DELETE flow: %d %s", code, raw)
	}
	if code, raw := sendJSON(t, "DELETE", base+"agents/carol", nil); code != 200 {
		t.Fatalf("DELETE carol: %d %s", code, raw)
	}
	// The first flow made the section; removing the last leaves its key.
	if after, _ := os.ReadFile(path); string(after) != want+"\nflows:\n" {
		t.Errorf("after adding and removing carol and a flow:\n%s", after)
	}
	for _, c := range []struct {
		method, path string
		want         int
	}{{"PUT", "agents/zed", 404}, {"GET", "server", 404}, {"DELETE", "queues/nope", 404}} {
		if code, raw := sendJSON(t, c.method, base+c.path, ConfigItemRequest{YAML: "id: zed\n"}); code != c.want {
			t.Errorf("%s %s: %d %s, want %d", c.method, c.path, code, raw, c.want)
		}
	}
}

func waitFor(t *testing.T, ok func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// An admin's form changes an agent by settings: a skill level out of range
// is refused with config validate's line, given again by the setting it
// names; a good one is written into alice's lines only (the rest of the
// file, comments included, as it was), backed up and applied to the engine.
func TestConfigEditForm(t *testing.T) {
	d, path := editDaemon(t)
	base := d.srv.URL + "/api/v1/config/"
	code, raw := sendJSON(t, "GET", base+"agents", nil)
	var items ConfigItems
	if code != 200 || json.Unmarshal(raw, &items) != nil || !items.Form || len(items.Items) != 1 {
		t.Fatalf("GET agents: %d %s", code, raw)
	}
	if f := items.Items[0].Fields; f["id"] != "alice" || f["endpoint"] != "sim/alice" {
		t.Errorf("alice's fields: %v", f)
	}
	if !slices.Contains(items.Choices["queues"], "support") || !slices.Contains(items.Choices["strategy"], "longest-idle") {
		t.Errorf("choices: %v", items.Choices)
	}
	fields := func(level int) map[string]any {
		return map[string]any{"id": "alice", "endpoint": "sim/alice", "skills": map[string]any{"billing": level},
			"queues": []any{map[string]any{"queue": "support", "penalty": 2}}}
	}
	code, raw = sendJSON(t, "PUT", base+"agents/alice", ConfigItemRequest{Fields: fields(11), Version: items.Version})
	var rej ReloadError
	if code != 422 || json.Unmarshal(raw, &rej) != nil {
		t.Fatalf("level 11: %d %s", code, raw)
	}
	want := path + ":11: agents[0].skills.billing: level 11 is outside 1..10"
	if len(rej.Fields) != 1 || rej.Fields[0].Field != "skills.billing" || rej.Fields[0].Problem != want || !slices.Contains(rej.Problems, want) {
		t.Errorf("level 11 refused with %+v, want %q by skills.billing", rej, want)
	}
	if now, _ := os.ReadFile(path); string(now) != editCfg {
		t.Errorf("a refused form changed the file:\n%s", now)
	}
	code, raw = sendJSON(t, "PUT", base+"agents/alice", ConfigItemRequest{Fields: fields(7), Version: items.Version})
	var res ConfigEditResult
	if code != 200 || json.Unmarshal(raw, &res) != nil {
		t.Fatalf("level 7: %d %s", code, raw)
	}
	now, _ := os.ReadFile(path)
	wantFile := strings.Replace(editCfg, "    endpoint: sim/alice   # desk phone\n    queues: [{queue: support}]\n",
		"    endpoint: sim/alice # desk phone\n    skills:\n      billing: 7\n    queues: [{queue: support, penalty: 2}]\n", 1)
	if string(now) != wantFile {
		t.Errorf("file now:\n%s\nwant:\n%s", now, wantFile)
	}
	if old, err := os.ReadFile(res.Backup); err != nil || string(old) != editCfg {
		t.Errorf("backup %s: %q %v", res.Backup, old, err)
	}
	if !slices.Contains(res.Applied.AgentsChanged, "alice") {
		t.Errorf("applied %+v, want alice changed", res.Applied)
	}
	// A new queue from a form, then a setting no queue has.
	q := map[string]any{"name": "vip", "strategy": "ring-all", "announce": map[string]any{"interval": "30s", "position": true}}
	if code, raw := sendJSON(t, "POST", base+"queues", ConfigItemRequest{Fields: q}); code != 200 {
		t.Fatalf("POST vip: %d %s", code, raw)
	}
	if now, _ := os.ReadFile(path); !strings.Contains(string(now), "  - name: vip\n    strategy: ring-all\n    announce:\n      interval: 30s\n      position: true\n") {
		t.Errorf("vip in the file:\n%s", now)
	}
	if code, raw := sendJSON(t, "PUT", base+"queues/vip", ConfigItemRequest{Fields: map[string]any{"colour": "red"}}); code != 400 {
		t.Errorf("an unknown setting: %d %s", code, raw)
	}
	// A queue written in flow style stays in flow style, its comment kept.
	sup := map[string]any{"name": "support", "strategy": "ring-all", "announce": map[string]any{"interval": "30s"}}
	if code, raw := sendJSON(t, "PUT", base+"queues/support", ConfigItemRequest{Fields: sup}); code != 200 {
		t.Fatalf("PUT support: %d %s", code, raw)
	}
	if now, _ := os.ReadFile(path); !strings.Contains(string(now),
		"  - {name: support, strategy: ring-all, wrap_up: 30s, announce: {interval: 30s}} # the one queue\n") {
		t.Errorf("support after the form:\n%s", now)
	}
	// A team naming a queue that does not exist, then one that does.
	team := map[string]any{"name": "front", "queues": []any{"support", "suport"}, "supervisors": []any{"sue"}}
	code, raw = sendJSON(t, "POST", base+"teams", ConfigItemRequest{Fields: team})
	rej = ReloadError{}
	if code != 422 || json.Unmarshal(raw, &rej) != nil || len(rej.Fields) != 1 || rej.Fields[0].Field != "queues[1]" ||
		!strings.Contains(rej.Fields[0].Problem, `teams[0].queues[1]: unknown queue "suport"`) {
		t.Errorf("a team with an unknown queue: %d %s", code, raw)
	}
	team["queues"] = []any{"support"}
	if code, raw := sendJSON(t, "POST", base+"teams", ConfigItemRequest{Fields: team}); code != 200 {
		t.Errorf("a team: %d %s", code, raw)
	}
	if now, _ := os.ReadFile(path); !strings.Contains(string(now), "\nteams:\n  - name: front\n    queues:\n      - support\n    supervisors:\n      - sue\n") {
		t.Errorf("the team in the file:\n%s", now)
	}
	code, raw = sendJSON(t, "PUT", base+"queues/vip", ConfigItemRequest{Fields: map[string]any{"strategy": "fastest"}})
	rej = ReloadError{}
	if code != 422 || json.Unmarshal(raw, &rej) != nil || len(rej.Fields) != 1 || rej.Fields[0].Field != "strategy" ||
		!strings.Contains(rej.Fields[0].Problem, `queues[1].strategy: unknown strategy "fastest"`) {
		t.Errorf("an unknown strategy: %d %s", code, raw)
	}
}

// A campaign named global, the global do-not-call list's name, is refused
// through the API as by config validate: its own list would be the global one.
func TestConfigEditCampaignNamedGlobal(t *testing.T) {
	d, path := editDaemon(t)
	camp := "name: global\nendpoint: PJSIP/{number}@trunk\nqueues: [support]\nsafe_harbour: [sound:x]\nschedule: {hours: \"09:00-20:00\", time_zone: Europe/Paris}\n"
	code, raw := sendJSON(t, "POST", d.srv.URL+"/api/v1/config/campaigns", ConfigItemRequest{YAML: camp})
	if code != 422 || !strings.Contains(string(raw), `campaigns[0].name: \"global\" is the name of the global do-not-call list`) {
		t.Fatalf("POST a campaign named global: %d %s", code, raw)
	}
	if now, _ := os.ReadFile(path); string(now) != editCfg {
		t.Errorf("a refused campaign changed the file:\n%s", now)
	}
	code, raw = sendJSON(t, "POST", d.srv.URL+"/api/v1/config/campaigns", ConfigItemRequest{YAML: strings.Replace(camp, "global", "spring", 1)})
	if code != 200 {
		t.Fatalf("POST a campaign named spring: %d %s", code, raw)
	}
}
