package ivr

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// Problem is one thing wrong with a flow. Path is the node and setting it
// is about ("hours.open"), relative to the flow.
type Problem struct {
	Path, Text string
}

func (p Problem) String() string { return p.Path + ": " + p.Text }

// settingProblem is a node's problem about one setting: its path (keys
// and list indexes apart by dots, as "week.mon", "holidays.1" or
// "options.#"), then what is wrong with it.
var settingProblem = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_*#-]+)*): (.+)$`)

// Check looks at nodes as one flow entered at start and lists every
// problem, sorted by path: settings a node refuses, targets that name no
// node, nodes no call can reach, nodes from which no call can ever leave
// the flow, and circles of nodes that pass a call on without waiting for
// the caller.
func Check(nodes map[string]Node, start string) []Problem {
	var out []Problem
	add := func(path, format string, args ...any) { out = append(out, Problem{path, fmt.Sprintf(format, args...)}) }
	if _, ok := nodes[start]; !ok {
		add("start", "unknown node %q", start)
	}
	names := slices.Sorted(maps.Keys(nodes))
	for _, name := range names {
		n := nodes[name]
		if v, ok := n.(Validator); ok {
			var each nodeProblems
			switch err := v.Validate(); {
			case errors.As(err, &each):
				for _, p := range each {
					if m := settingProblem.FindStringSubmatch(p); m != nil {
						add(name+"."+m[1], "%s", m[2])
					} else {
						add(name, "%s", p)
					}
				}
			case err != nil:
				add(name, "%s", strings.TrimPrefix(err.Error(), ErrBadNode.Error()+": "))
			}
		}
		for _, l := range n.Next() {
			if _, ok := nodes[l.Node]; l.Node != "" && !ok {
				add(name+"."+l.Field, "unknown node %q", l.Node)
			}
		}
	}
	if _, ok := nodes[start]; ok {
		seen := reach(nodes, start)
		for _, name := range names {
			if !seen[name] {
				add(name, "unreachable: no way leads here from start %q", start)
			}
		}
	}
	for _, name := range names {
		if !leaves(nodes, name) {
			add(name, "no way out: every way from here comes back without reaching a queue, transfer or hang-up")
		}
	}
	for _, loop := range loops(nodes) {
		add(loop[0], "a loop that takes no input: %s", strings.Join(append(loop, loop[0]), " → "))
	}
	out = append(out, unknownVars(nodes)...)
	slices.SortStableFunc(out, func(a, b Problem) int { return strings.Compare(a.Path, b.Path) })
	return out
}

// Err joins problems into one error, each line prefixed with prefix (the
// flow's path in the config); nil for none.
func Err(prefix string, problems []Problem) error {
	errs := make([]error, len(problems))
	for i, p := range problems {
		errs[i] = fmt.Errorf("%s%s: %s", prefix, p.Path, p.Text)
	}
	return errors.Join(errs...)
}

func reach(nodes map[string]Node, start string) map[string]bool {
	seen := map[string]bool{start: true}
	for todo := []string{start}; len(todo) > 0; {
		n := nodes[todo[0]]
		todo = todo[1:]
		for _, l := range n.Next() {
			if _, ok := nodes[l.Node]; ok && !seen[l.Node] {
				seen[l.Node] = true
				todo = append(todo, l.Node)
			}
		}
	}
	return seen
}

// leaves reports whether some way from node ends the flow (a link with no
// node, or one to a node the flow lacks: that one is reported apart).
func leaves(nodes map[string]Node, node string) bool {
	seen := map[string]bool{node: true}
	for todo := []string{node}; len(todo) > 0; {
		n := nodes[todo[0]]
		todo = todo[1:]
		for _, l := range n.Next() {
			if _, ok := nodes[l.Node]; !ok {
				return true
			}
			if !seen[l.Node] {
				seen[l.Node] = true
				todo = append(todo, l.Node)
			}
		}
	}
	return false
}

// loops finds circles of links taken without input, each once, starting at
// its first node by name.
func loops(nodes map[string]Node) [][]string {
	var out [][]string
	found := map[string]bool{}
	for _, from := range slices.Sorted(maps.Keys(nodes)) {
		// Walk only through nodes after from by name, so each circle is
		// found from its smallest node.
		var path []string
		var walk func(at string) bool
		on := map[string]bool{}
		walk = func(at string) bool {
			path, on[at] = append(path, at), true
			for _, l := range nodes[at].Next() {
				if !l.Now {
					continue
				}
				if l.Node == from {
					key := strings.Join(path, " ")
					if !found[key] {
						found[key] = true
						out = append(out, slices.Clone(path))
					}
					return true
				}
				if _, ok := nodes[l.Node]; ok && l.Node > from && !on[l.Node] && walk(l.Node) {
					return true
				}
			}
			path, on[at] = path[:len(path)-1], false
			return false
		}
		walk(from)
	}
	return out
}
