// Package fsxml reads FreeSWITCH's XML dialplan: contexts, extensions,
// conditions on channel fields with regular expressions, and the actions
// they run, each with its line.
//
// # Basics
//
// [Parse] reads one file: a <document>/<section name="dialplan"> tree, an
// <include> holding contexts, or an <include> fragment of bare extensions
// (as in dialplan/public/*.xml). [Load] follows
// <X-PRE-PROCESS cmd="include" data="glob"/> relative to the including file
// and splices the included extensions into the enclosing context, as the
// preprocessor does.
//
// [Dialplan.Route] picks the extensions FreeSWITCH runs for a destination
// number: in document order, an extension whose conditions all hold is
// taken, and the search stops there unless it says continue="true".
//
// # Caveats
//
// FreeSWITCH uses PCRE; Go's regexp (RE2) lacks look-around and
// back-references, so such expressions are reported as unchecked rather
// than wrong. Conditions on fields other than destination_number are
// assumed to hold when routing, without ending the search. Other preprocessor commands (set, exec) are
// ignored.
package fsxml

import "github.com/hotline-cc/hotline/dialplan/diag"

// Dialplan is every context read from a set of files.
type Dialplan struct {
	Contexts []*Context
	Problems []diag.Finding
}

// Context is a <context name=...>.
type Context struct {
	Name       string
	At         diag.Pos
	Extensions []*Extension
}

// Extension is an <extension name=...>.
type Extension struct {
	Name       string
	At         diag.Pos
	Continue   bool // continue="true": the search goes on after it matched
	Conditions []*Condition
	Context    *Context
}

// Condition is a <condition field=... expression=...>; an empty Field is an
// unconditional condition.
type Condition struct {
	At         diag.Pos
	Field      string
	Expression string
	Break      string // on-false (default), on-true, always, never
	Regexes    []Regex
	Actions    []*Action
	Anti       []*Action
}

// Regex is a <regex field= expression=> child of a condition with regex="all|any|xor".
type Regex struct {
	At         diag.Pos
	Field      string
	Expression string
}

// Action is an <action> or <anti-action>.
type Action struct {
	At          diag.Pos
	Application string
	Data        string
	Inline      bool
}

// Context finds a context by name (FreeSWITCH names are case-sensitive).
func (d *Dialplan) Context(name string) *Context {
	for _, c := range d.Contexts {
		if c.Name == name {
			return c
		}
	}
	return nil
}
