package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"go.yaml.in/yaml/v3"
)

// referenceDecode is what Parse's own decoder must agree with: yaml's strict
// decoder over Default, then each list element decoded again onto its
// default.
func referenceDecode(data []byte) (Config, error) {
	cfg := Default()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		return Config{}, err
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return Config{}, err
	}
	return cfg, refOverlayDefaults(&root, &cfg)
}

// checkAgainstReference fails when Parse accepts data and decodes it to
// something yaml's own decoder does not; it says whether Parse accepted it.
func checkAgainstReference(t *testing.T, data []byte) bool {
	t.Helper()
	got, err := Parse(data, "x.yaml")
	if err != nil {
		return false
	}
	want, err := referenceDecode(data)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return true // no document: Parse gives the defaults, yaml an error
		}
		t.Fatalf("Parse accepted what yaml refuses (%v):\n%s", err, data)
	}
	got.src = nil
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Parse and yaml disagree on\n%s\nParse: %+v\nyaml:  %+v", data, got, want)
	}
	return true
}

func TestDecodeAgreesWithYAML(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.yaml")
	files = append(files, examplePath, "../../configs/demo.yaml")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		checkAgainstReference(t, data)
	}
	for _, doc := range []string{
		"queues:\n  - &base\n    name: a\n    ring_timeout: 25s\n  - <<: *base\n    name: b\n  - *base\n",
		"queues:\n  - name: a\n    targets: [{after: 10s}, {after: 20s, max_penalty: 2}]\n    skills: {x: 3}\n",
		"agents:\n  - {id: a, wrap_up: 0s, weight: 2, skills: ~, queues: [{queue: q, penalty: 12}]}\n",
		"pbx: {type: sim, sim: {seed: 16, callers: {rate_per_minute: 1.5e1, dtmf_chance: .5}}}\n",
		"server: ~\nstore: {path: ~}\n",
		"menus:\n  - name: m\n    options: {1: {queue: q}, \"#\": {hangup: yes}}\n",
		"queues:\n  - <<: [{name: a, weight: 2}, {name: b, max_len: 3}]\n    weight: 4\n",
		"agents: [{id: a, logged_in: True, skills: {1: 2, true: 3}}]\n",
		"queues: [{name: !!str 5, max_len: !!int \"5\", weight: +3, max_no_answer: 10, record: yes, retry_delay: !!str 3s}]\n",
		"queues: [{name: 0x10, max_len: -0, weight: 7, greeting: [a, 1, \"\"], moh: ~}]\n",
		"server: {listen: \"\", log_level: 'debug'}\npbx: {sim: {seed: -12, callers: {patience: 1m30s, dtmf_chance: 1}}}\n",
		"agents:\n  - id: a\n    wrap_up: ~\n  - id: b\n    wrap_up: 10s\n    skills: {}\n    queues: []\n",
		"menus:\n  - &m\n    name: m\n    options: &o {\"*\": {message: [x]}}\n  - <<: *m\n    name: n\n    options: {<<: *o, \"#\": {hangup: true}}\n",
	} {
		if !checkAgainstReference(t, []byte(doc)) {
			t.Errorf("Parse refused %q; the comparison needs a file it accepts", doc)
		}
	}
}

// refOverlayDefaults decodes each list element again, this time onto its
// default, so settings a queue, menu, agent or target leaves out get their
// defaults while settings written as zero stay zero.
func refOverlayDefaults(root *yaml.Node, cfg *Config) error {
	top := root
	if top.Kind == yaml.DocumentNode && len(top.Content) > 0 {
		top = top.Content[0]
	}
	err := refOverlay(cfg.Queues, refItems(refLookup(top, "queues")), DefaultQueue, func(q *Queue, n *yaml.Node) error {
		return refOverlay(q.Targets, refItems(refLookup(n, "targets")), DefaultSkillTarget, nil)
	})
	return errors.Join(err,
		refOverlay(cfg.Menus, refItems(refLookup(top, "menus")), DefaultMenu, nil),
		refOverlay(cfg.Agents, refItems(refLookup(top, "agents")), DefaultAgent, nil),
		refOverlay(cfg.Campaigns, refItems(refLookup(top, "campaigns")), DefaultCampaign, nil))
}

func refOverlay[T any](list []T, nodes []*yaml.Node, fresh func() T, then func(*T, *yaml.Node) error) error {
	if len(nodes) != len(list) {
		return fmt.Errorf("%d list items decoded from %d in the file: defaults not applied", len(list), len(nodes))
	}
	for i, n := range nodes {
		v := fresh()
		if err := n.Decode(&v); err != nil {
			return err
		}
		if then != nil {
			if err := then(&v, n); err != nil {
				return err
			}
		}
		list[i] = v
	}
	return nil
}

// refLookup finds the value of key in a mapping node, through merge keys.
func refLookup(m *yaml.Node, key string) *yaml.Node {
	m = resolve(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	var merged []*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if k.ShortTag() == "!!merge" {
			merged = append(merged, v)
			continue
		}
		if k.Value == key {
			return v
		}
	}
	for _, v := range merged {
		v = resolve(v)
		sources := []*yaml.Node{v}
		if v.Kind == yaml.SequenceNode {
			sources = v.Content
		}
		for _, s := range sources {
			if found := refLookup(s, key); found != nil {
				return found
			}
		}
	}
	return nil
}

// items is the elements of a sequence node.
func refItems(n *yaml.Node) []*yaml.Node {
	n = resolve(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		out[i] = resolve(c)
	}
	return out
}
