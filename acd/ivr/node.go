package ivr

import (
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"
)

// Node is one step of a flow: a kind of node decoded from its config.
type Node interface {
	// Kind is the name the node kind is registered under ("menu").
	Kind() string
	// Enter runs when a call arrives at the node (st.Tries is 0) or is
	// resumed there after a restart (st as it was stored).
	Enter(at At, st State) (State, []Action)
	// Step handles one input while the call is at the node.
	Step(at At, st State, in Input) (State, []Action)
	// Next lists every way on from this node, so that a flow is checked
	// whole before a call runs through it.
	Next() []Link
}

// Link is one way on from a node: the setting (Field, e.g. "options.1")
// naming the Node it leads to, or, with Node "", a way out of the flow (to
// a queue, a number, a hang-up). Now says the link is taken on arrival,
// without waiting for the caller: a circle of such links is a loop.
type Link struct {
	Field string
	Node  string
	Now   bool
}

// Validator is implemented by nodes that check their own settings; Build
// calls it.
type Validator interface{ Validate() error }

// At is where and when a node runs.
type At struct {
	Node string // the node's name in its flow
	Now  time.Time
}

// Kind is a registered node kind.
type Kind struct {
	Name string
	New  func() Node // a zero node, ready to be decoded into
}

var registry = struct {
	sync.RWMutex // guards kinds: Register may run from init functions of several packages
	kinds        map[string]Kind
}{kinds: map[string]Kind{}}

// Register adds a node kind. It panics on an empty or duplicate name, like
// registering an HTTP handler twice: that is a programming error.
func Register(k Kind) {
	if k.Name == "" || k.New == nil {
		panic("ivr: Register needs a name and a constructor")
	}
	registry.Lock()
	defer registry.Unlock()
	if _, dup := registry.kinds[k.Name]; dup {
		panic(fmt.Sprintf("ivr: node kind %q registered twice", k.Name))
	}
	registry.kinds[k.Name] = k
}

// Kinds lists the registered node kinds, sorted.
func Kinds() []string {
	registry.RLock()
	defer registry.RUnlock()
	return slices.Sorted(maps.Keys(registry.kinds))
}

// Decode makes a node of the named kind and lets decode fill it from its
// config (for YAML, a yaml.Node's Decode method).
func Decode(kind string, decode func(v any) error) (Node, error) {
	registry.RLock()
	k, ok := registry.kinds[kind]
	registry.RUnlock()
	if !ok {
		return nil, fmt.Errorf("%w %q; known: %v", ErrUnknownKind, kind, Kinds())
	}
	n := k.New()
	if err := decode(n); err != nil {
		return nil, fmt.Errorf("%s node: %w", kind, err)
	}
	return n, nil
}
