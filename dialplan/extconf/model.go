package extconf

import (
	"slices"
	"strings"

	"github.com/hotline-cc/hotline/dialplan/diag"
)

// PriorityHint is the priority number of a hint line, as in Asterisk.
const PriorityHint = -1

// Dialplan is what Asterisk would hold after loading the files.
type Dialplan struct {
	Files     []*File
	Contexts  []*Context // in order of first appearance
	Templates []string   // (!) sections, which are not contexts
	Problems  []diag.Finding
	byName    map[string]*Context
}

// Context is a dialplan context.
type Context struct {
	Name       string
	At         diag.Pos
	Extensions []*Extension // in Asterisk's matching order
	Includes   []*Include
	Switches   []*Switch
	IgnorePats []*IgnorePat
}

// Extension is one extension (or pattern) with its priorities.
type Extension struct {
	Name       string // as written, "_X." for a pattern
	CID        string // caller-ID match after '/'
	HasCID     bool
	At         diag.Pos
	Context    *Context
	Priorities []*Priority // ascending
	Hint       *Priority
}

// Priority is one step of an extension.
type Priority struct {
	N     int
	Label string
	App   string
	Data  string
	At    diag.Pos
	Ext   *Extension
}

// Context finds a context by name; Asterisk compares names without case.
func (d *Dialplan) Context(name string) *Context {
	if d.byName == nil {
		return nil
	}
	return d.byName[strings.ToLower(name)]
}

// Priority returns priority n, or nil.
func (e *Extension) Priority(n int) *Priority {
	i, ok := slices.BinarySearchFunc(e.Priorities, n, func(p *Priority, n int) int { return p.N - n })
	if !ok {
		return nil
	}
	return e.Priorities[i]
}

// Label returns the first priority carrying label, or nil.
func (e *Extension) Label(label string) *Priority {
	for _, p := range e.Priorities {
		if p.Label == label {
			return p
		}
	}
	return nil
}

// IsPattern reports whether the extension is a pattern.
func (e *Extension) IsPattern() bool { return IsPattern(e.Name) }

// String is "name" or "name/cid".
func (e *Extension) String() string {
	if e.HasCID {
		return e.Name + "/" + e.CID
	}
	return e.Name
}

// extension finds an extension the way Asterisk merges lines into one:
// equal names (dashes ignored) and equal caller-ID matches.
func (c *Context) extension(name, cid string, hasCID bool) *Extension {
	for _, e := range c.Extensions {
		if Compare(e.Name, name) == 0 && e.HasCID == hasCID && (!hasCID || Compare(e.CID, cid) == 0) {
			return e
		}
	}
	return nil
}

func (c *Context) add(d *Dialplan, name, cid string, hasCID bool, n int, s *Exten) {
	e := c.extension(name, cid, hasCID)
	if e == nil {
		e = &Extension{Name: name, CID: cid, HasCID: hasCID, At: s.At, Context: c}
		c.Extensions = append(c.Extensions, e)
	}
	p := &Priority{N: n, Label: s.Priority.Label, App: s.App, Data: s.Data, At: s.At, Ext: e}
	if n == PriorityHint {
		if e.Hint != nil {
			d.problem(s.At, diag.Error, "dup-priority", "%s@%s already has a hint at %s", e, c.Name, e.Hint.At)
			return
		}
		e.Hint = p
		return
	}
	if old := e.Priority(n); old != nil {
		d.problem(s.At, diag.Error, "dup-priority", "%s@%s priority %d is already defined at %s; Asterisk keeps the first", e, c.Name, n, old.At)
		return
	}
	if p.Label != "" {
		if old := e.Label(p.Label); old != nil {
			d.problem(s.At, diag.Warning, "dup-label", "%s@%s label %q is already on priority %d at %s", e, c.Name, p.Label, old.N, old.At)
		}
	}
	i, _ := slices.BinarySearchFunc(e.Priorities, n, func(p *Priority, n int) int { return p.N - n })
	e.Priorities = slices.Insert(e.Priorities, i, p)
}

// compareExtensions is Asterisk's order inside a context: by extension,
// then extensions with a caller-ID match before the same one without.
func compareExtensions(a, b *Extension) int {
	if c := Compare(a.Name, b.Name); c != 0 {
		return c
	}
	switch {
	case a.HasCID && !b.HasCID:
		return -1
	case !a.HasCID && b.HasCID:
		return 1
	case a.HasCID:
		return Compare(a.CID, b.CID)
	}
	return 0
}
