package config

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/hotline-cc/hotline/acd/ivr"
	"go.yaml.in/yaml/v3"
)

// Flow is a self-service call flow: named nodes of the kinds acd/ivr
// registers, entered at Start. An entry with flow: NAME sends callers in.
type Flow struct {
	Start string              `yaml:"start"`
	Nodes map[string]FlowNode `yaml:"nodes"`
}

// FlowNode is one node of a flow, decoded by the kind its "kind" key names.
type FlowNode struct {
	ivr.Node `yaml:"-"` // decoded by flowNode, not field by field
}

// UnmarshalYAML lets yaml's own decoder read a node too (Parse uses
// flowNode, which also reports unknown keys with their lines).
func (fn *FlowNode) UnmarshalYAML(n *yaml.Node) error {
	rest := *n
	rest.Content = nil
	kind := ""
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "kind" {
			kind = n.Content[i+1].Value
			continue
		}
		rest.Content = append(rest.Content, n.Content[i], n.Content[i+1])
	}
	node, err := ivr.Decode(kind, rest.Decode)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	fn.Node = node
	return nil
}

var flowNodeType = reflect.TypeFor[FlowNode]()

// flowNode decodes a node: the kind picks the type from ivr's registry,
// the other keys are decoded onto it as strictly as the rest of the file.
func (d *decoder) flowNode(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.bad(n.Line, path, fmt.Sprintf("want a mapping with a kind, got %s", describe(n)))
		return
	}
	rest := *n
	rest.Content = nil
	kind, line := "", n.Line
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "kind" {
			kind, line = n.Content[i+1].Value, n.Content[i+1].Line
			continue
		}
		rest.Content = append(rest.Content, n.Content[i], n.Content[i+1])
	}
	if kind == "" {
		d.addAt(n.Line, joinPath(path, "kind"), fmt.Sprintf("missing; one of %s", strings.Join(ivr.Kinds(), ", ")))
		return
	}
	node, err := ivr.Decode(kind, func(into any) error {
		d.decode(&rest, reflect.ValueOf(into).Elem(), path)
		return nil
	})
	if err != nil {
		d.addAt(line, joinPath(path, "kind"), err.Error())
		return
	}
	v.Set(reflect.ValueOf(FlowNode{node}))
}

// flows checks each flow whole (acd/ivr's Check) and the queues its nodes
// name.
func (v *validator) flows() {
	queues := v.queueNames()
	for _, name := range slices.Sorted(maps.Keys(v.cfg.Flows)) {
		f := v.cfg.Flows[name]
		p := joinPath("flows", name)
		if !namePattern.MatchString(name) || strings.Contains(name, "/") {
			v.add(p, "%q is not a usable flow name (letters, digits, _ . -)", name)
		}
		if f.Start == "" {
			v.add(joinPath(p, "start"), "missing; the node callers enter first")
			continue
		}
		nodes := f.IVRNodes()
		for _, prob := range ivr.Check(nodes, f.Start) {
			if prob.Path == "start" {
				v.add(joinPath(p, "start"), "%s", prob.Text)
				continue
			}
			v.add(joinPath(joinPath(p, "nodes"), prob.Path), "%s", prob.Text)
		}
		for _, node := range slices.Sorted(maps.Keys(nodes)) {
			var queue string
			switch n := nodes[node].(type) {
			case *ivr.Queue:
				queue = n.Queue
				// The levels a caller needs, as a queue's are checked: at
				// 11, no agent (10 at most) ever takes the caller.
				v.skills(joinPath(joinPath(joinPath(p, "nodes"), node), "skills"), n.Skills)
			case *ivr.CallbackNode:
				queue = n.Queue
			case *ivr.Voicemail:
				queue = n.Queue
			}
			if queue != "" && !slices.Contains(queues, queue) {
				v.known(joinPath(joinPath(joinPath(p, "nodes"), node), "queue"), "queue", queue, queues)
			}
		}
	}
}

// IVRNodes are the flow's nodes as acd/ivr takes them.
func (f Flow) IVRNodes() map[string]ivr.Node {
	nodes := make(map[string]ivr.Node, len(f.Nodes))
	for name, n := range f.Nodes {
		if n.Node != nil {
			nodes[name] = n.Node
		}
	}
	return nodes
}

// flowAdvisories are the flows' settings that are valid but likely wrong.
func (c Config) flowAdvisories() []Advisory {
	var out []Advisory
	campaignOnly := map[string]bool{} // a survey's question a lead leaves unanswered ends the call as meant
	for _, cp := range c.Campaigns {
		campaignOnly[cp.Flow] = true
	}
	for _, e := range c.Entries {
		delete(campaignOnly, strings.SplitN(e.Flow, "/", 2)[0])
	}
	// A caller who keys nothing, or a bad value, at a collect with no
	// fallback is hung up once its retries are spent: valid (a flow may
	// mean it), but seldom what a business wants for one who tried.
	for _, name := range slices.Sorted(maps.Keys(c.Flows)) {
		f := c.Flows[name]
		if campaignOnly[name] {
			continue
		}
		for _, node := range slices.Sorted(maps.Keys(f.Nodes)) {
			if col, ok := f.Nodes[node].Node.(*ivr.Collect); ok && col.Fallback == "" {
				out = append(out, Advisory{joinPath(joinPath(joinPath(joinPath("flows", name), "nodes"), node), "fallback"),
					fmt.Sprintf("none: after %d retries a caller who keys nothing or a bad value is hung up; name a node to go to instead (one that queues to a person, say)", col.Retries)})
			}
		}
	}
	return out
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
