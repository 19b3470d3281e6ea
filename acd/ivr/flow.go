package ivr

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// MaxHops bounds how many nodes one input may pass through, so a flow that
// jumps in a circle without waiting for the caller cannot hang the host.
const MaxHops = 32

// Flow is a checked set of named nodes. It holds no per-call state and is
// safe to share between calls.
type Flow struct {
	nodes map[string]Node
}

// Build checks nodes as one flow: every node validates and every target
// names a node of the flow. All problems are reported together, each
// prefixed with the node's name.
//
// Node names may carry a flow's name, "main/hours": a target without a
// slash ("sales") then means a node of the same flow ("main/sales"), so
// several flows can be hosted as one.
func Build(nodes map[string]Node) (*Flow, error) {
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(nodes)) {
		n := nodes[name]
		if name == "" {
			errs = append(errs, fmt.Errorf("a node without a name: %w", ErrBadNode))
			continue
		}
		if v, ok := n.(Validator); ok {
			if err := v.Validate(); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
			}
		}
		for _, l := range n.Next() {
			if l.Node == "" {
				continue
			}
			if _, ok := nodes[Resolve(name, l.Node)]; !ok {
				errs = append(errs, fmt.Errorf("%s.%s: %w %q", name, l.Field, ErrUnknownNode, l.Node))
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &Flow{nodes: maps.Clone(nodes)}, nil
}

// Has reports whether the flow has a node of that name.
func (f *Flow) Has(node string) bool {
	_, ok := f.nodes[node]
	return ok
}

// Start puts a call at node.
func (f *Flow) Start(node string, now time.Time) (State, []Action) {
	return f.StartWith(node, nil, now)
}

// StartWith puts a call at node with what the host knows of it (VarCaller,
// VarKnown, VarTags).
func (f *Flow) StartWith(node string, vars map[string]string, now time.Time) (State, []Action) {
	return f.follow(State{Vars: maps.Clone(vars)}, []Action{Goto{Node: node}}, now)
}

// Node is the flow's node of that name, nil if it has none.
func (f *Flow) Node(name string) Node { return f.nodes[name] }

// Names lists the flow's nodes, sorted.
func (f *Flow) Names() []string { return slices.Sorted(maps.Keys(f.nodes)) }

// Resume picks up a call restored after a restart at the node it was at:
// the node is entered again (a menu replays its prompt), keeping the tries
// already spent there.
func (f *Flow) Resume(st State, now time.Time) (State, []Action) {
	if st.Done() {
		return st, nil
	}
	n, ok := f.nodes[st.Node]
	if !ok {
		return State{}, lost(nil, st.Node)
	}
	enter := Enter{Kind: n.Kind(), Node: st.Node}
	st, acts := n.Enter(At{Node: st.Node, Now: now}, st)
	st, acts = f.follow(st, acts, now)
	return st, append([]Action{enter}, acts...)
}

// Step feeds one input to the node the call is at. A call outside the flow
// (st.Done) ignores input.
func (f *Flow) Step(st State, in Input, now time.Time) (State, []Action) {
	if st.Done() {
		return st, nil
	}
	n, ok := f.nodes[st.Node]
	if !ok {
		return State{}, lost(nil, st.Node)
	}
	st, acts := n.Step(At{Node: st.Node, Now: now}, st, in)
	return f.follow(st, acts, now)
}

// follow passes a node's actions on to the host, entering the nodes that
// Goto names, with secret values masked in notes and warnings. Goto, ToQueue and Leave end a node's turn; actions after them
// are dropped.
func (f *Flow) follow(st State, acts []Action, now time.Time) (State, []Action) {
	var out []Action
	for hops := 0; len(acts) > 0; {
		a := acts[0]
		acts = acts[1:]
		switch a := a.(type) {
		case Goto:
			if hops++; hops > MaxHops {
				return State{}, append(out, Warn{Code: "flow-loop", Text: fmt.Sprintf("more than %d nodes without input, last %q", MaxHops, a.Node)}, Leave{Failed: true})
			}
			name := Resolve(st.Node, a.Node)
			n, ok := f.nodes[name]
			if !ok {
				return State{}, lost(out, name)
			}
			out = append(out, Enter{Kind: n.Kind(), Node: name})
			st, acts = n.Enter(At{Node: name, Now: now}, State{Node: name, Vars: st.Vars, Secret: st.Secret})
		case ToQueue, Leave, Transfer, Callback:
			return State{Vars: st.public()}, append(out, a) // secrets are needed no longer
		case Note: // what hosts show and keep: never a secret value
			a.Detail = st.Mask(a.Detail)
			out = append(out, a)
		case Warn:
			a.Text = st.Mask(a.Text)
			out = append(out, a)
		default:
			out = append(out, a)
		}
	}
	return st, out
}

// Stored is st as it may be saved: without secret values, nor the digits
// a secret collect node has so far. A call resumed from it after a restart
// is asked for them again if the flow needs them.
func (f *Flow) Stored(st State) State {
	if c, ok := f.nodes[st.Node].(*Collect); ok && c.Secret {
		st.Buf = ""
	}
	st.Vars, st.Secret = st.public(), nil
	return st
}

// Resolve names the node a target means when met at node from: a target
// without a flow's name is in from's flow.
func Resolve(from, target string) string {
	if strings.Contains(target, "/") {
		return target
	}
	if i := strings.LastIndexByte(from, '/'); i >= 0 {
		return from[:i+1] + target
	}
	return target
}

// lost ends the flow of a call sent to a node the flow lacks (a state saved
// before a reconfiguration removed it, or a start at a wrong name).
func lost(out []Action, node string) []Action {
	return append(out, Warn{Code: "unknown-node", Text: fmt.Sprintf("node %q", node)}, Leave{Failed: true})
}
