package ivr

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

func init() {
	Register(Kind{Name: "play", New: func() Node { return new(PlayNode) }})
	Register(Kind{Name: "hangup", New: func() Node { return new(Hangup) }})
	Register(Kind{Name: "queue", New: func() Node { return new(Queue) }})
	Register(Kind{Name: "transfer", New: func() Node { return new(TransferNode) }})
	Register(Kind{Name: "set", New: func() Node { return new(Set) }})
	Register(Kind{Name: "callback", New: func() Node { return new(CallbackNode) }})
}

// PlayNode plays a prompt (files and/or text), then goes on to Next. Keys
// pressed meanwhile are ignored.
type PlayNode struct {
	Prompt []string          `yaml:"prompt"`
	Say    map[string]string `yaml:"say"` // language → text
	Then   string            `yaml:"next"`
}

// Kind implements Node.
func (*PlayNode) Kind() string { return "play" }

// Next implements Node.
func (p *PlayNode) Next() []Link { return []Link{{Field: "next", Node: p.Then}} }

// Validate implements Validator.
func (p *PlayNode) Validate() error {
	var problems []string
	if len(p.Prompt) == 0 && len(p.Say) == 0 {
		problems = append(problems, "nothing to play: set prompt or say")
	}
	if p.Then == "" {
		problems = append(problems, "next: missing")
	}
	return bad(problems)
}

// Enter implements Node.
func (p *PlayNode) Enter(_ At, st State) (State, []Action) {
	m := media(p.Prompt, p.Say, st)
	if len(m) == 0 {
		return st, []Action{Goto{Node: p.Then}}
	}
	return st, []Action{Play{Media: m}}
}

// Step implements Node.
func (p *PlayNode) Step(_ At, st State, in Input) (State, []Action) {
	if _, ok := in.(PlaybackDone); ok {
		return st, []Action{Goto{Node: p.Then}}
	}
	return st, nil
}

// Hangup plays its prompt, if any, and ends the call.
type Hangup struct {
	Prompt []string          `yaml:"prompt"`
	Say    map[string]string `yaml:"say"`
}

// Kind implements Node.
func (*Hangup) Kind() string { return "hangup" }

// Next implements Node.
func (*Hangup) Next() []Link { return []Link{{}} }

// Enter implements Node.
func (h *Hangup) Enter(_ At, st State) (State, []Action) {
	return st, []Action{Leave{Media: media(h.Prompt, h.Say, st)}}
}

// Step implements Node.
func (*Hangup) Step(_ At, st State, _ Input) (State, []Action) { return st, nil }

// Queue hands the call to a queue, asking for Skills (on top of the
// queue's own and those the flow set, e.g. by a language choice) and
// raising its priority by Priority.
type Queue struct {
	Queue    string         `yaml:"queue"`
	Skills   map[string]int `yaml:"skills"`
	Priority int            `yaml:"priority"`
}

// Kind implements Node.
func (*Queue) Kind() string { return "queue" }

// Next implements Node.
func (*Queue) Next() []Link { return []Link{{Field: "queue"}} }

// Validate implements Validator.
func (q *Queue) Validate() error {
	var problems []string
	if q.Queue == "" {
		problems = append(problems, "queue: missing")
	}
	for skill, level := range q.Skills {
		if level < 0 {
			problems = append(problems, fmt.Sprintf("skills.%s: level %d below 0", skill, level))
		}
	}
	return bad(problems)
}

// Enter implements Node.
func (q *Queue) Enter(_ At, st State) (State, []Action) {
	skills := maps.Clone(q.Skills)
	for name, v := range st.Vars {
		if skill, ok := strings.CutPrefix(name, SkillPrefix); ok {
			level := 1
			fmt.Sscan(v, &level)
			if skills == nil {
				skills = map[string]int{}
			}
			skills[skill] = max(skills[skill], level)
		}
	}
	return st, []Action{ToQueue{Queue: q.Queue, Skills: skills, Priority: q.Priority}}
}

// Step implements Node.
func (*Queue) Step(_ At, st State, _ Input) (State, []Action) { return st, nil }

// TransferNode sends the call to a number ({var} allowed).
type TransferNode struct {
	Number string `yaml:"number"`
}

// Kind implements Node.
func (*TransferNode) Kind() string { return "transfer" }

// Next implements Node.
func (*TransferNode) Next() []Link { return []Link{{Field: "number"}} }

// Validate implements Validator.
func (t *TransferNode) Validate() error {
	if t.Number == "" {
		return bad([]string{"number: missing"})
	}
	return nil
}

// Enter implements Node.
func (t *TransferNode) Enter(_ At, st State) (State, []Action) {
	return st, []Action{Transfer{Number: Expand(t.Number, st.Vars)}}
}

// Step implements Node.
func (*TransferNode) Step(_ At, st State, _ Input) (State, []Action) { return st, nil }

// Set sets variables ({var} allowed in values) and goes on to Next.
type Set struct {
	Vars map[string]string `yaml:"vars"`
	Then string            `yaml:"next"`
}

// Kind implements Node.
func (*Set) Kind() string { return "set" }

// Next implements Node.
func (s *Set) Next() []Link { return []Link{{Field: "next", Node: s.Then, Now: true}} }

// Validate implements Validator.
func (s *Set) Validate() error {
	var problems []string
	if len(s.Vars) == 0 {
		problems = append(problems, "vars: nothing to set")
	}
	if s.Then == "" {
		problems = append(problems, "next: missing")
	}
	return bad(problems)
}

// Enter implements Node.
func (s *Set) Enter(_ At, st State) (State, []Action) {
	acts := make([]Action, 0, len(s.Vars)+1)
	expanded := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(s.Vars)) {
		expanded[name] = Expand(s.Vars[name], st.Vars)
	}
	for _, name := range slices.Sorted(maps.Keys(expanded)) {
		st = st.With(name, expanded[name])
		acts = append(acts, Note{Kind: "set", Detail: name + "=" + expanded[name]})
	}
	return st, append(acts, Goto{Node: s.Then})
}

// Step implements Node.
func (*Set) Step(_ At, st State, _ Input) (State, []Action) { return st, nil }

// CallbackNode takes a callback request: the call ends after the prompt
// and a callback task goes to Queue for Number (default the caller's).
type CallbackNode struct {
	Queue  string            `yaml:"queue"`
	Number string            `yaml:"number"` // {var} allowed; "" = the caller's number
	Prompt []string          `yaml:"prompt"`
	Say    map[string]string `yaml:"say"`
}

// Kind implements Node.
func (*CallbackNode) Kind() string { return "callback" }

// Next implements Node.
func (*CallbackNode) Next() []Link { return []Link{{Field: "queue"}} }

// Validate implements Validator.
func (c *CallbackNode) Validate() error {
	if c.Queue == "" {
		return bad([]string{"queue: missing"})
	}
	return nil
}

// Enter implements Node.
func (c *CallbackNode) Enter(_ At, st State) (State, []Action) {
	number := "{" + VarCaller + "}"
	if c.Number != "" {
		number = c.Number
	}
	return st, []Action{Callback{Queue: c.Queue, Number: Expand(number, st.Vars), Media: media(c.Prompt, c.Say, st)}}
}

// Step implements Node.
func (*CallbackNode) Step(_ At, st State, _ Input) (State, []Action) { return st, nil }

// bad is a node's problems as one ErrBadNode, nil for none.
func bad(problems []string) error {
	if len(problems) == 0 {
		return nil
	}
	return nodeProblems(problems)
}

// nodeProblems are a node's problems, each starting with the setting it
// is about where it is about one ("week.mon: ..."), so that Check can
// name that setting and a host its line.
type nodeProblems []string

func (p nodeProblems) Error() string { return ErrBadNode.Error() + ": " + strings.Join(p, "; ") }
func (p nodeProblems) Unwrap() error { return ErrBadNode }

// wait is how long a node waits for a key when its setting is left out.
const wait = 5 * time.Second

// Jump returns a node that sends a call on to node at once: a host's way
// into a flow whose start may change with its configuration.
func Jump(node string) Node { return jump(node) }

type jump string

func (jump) Kind() string                                   { return "jump" }
func (j jump) Next() []Link                                 { return []Link{{Field: "start", Node: string(j), Now: true}} }
func (j jump) Enter(_ At, st State) (State, []Action)       { return st, []Action{Goto{Node: string(j)}} }
func (jump) Step(_ At, st State, _ Input) (State, []Action) { return st, nil }
