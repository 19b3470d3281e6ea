package extconf

import "github.com/hotline-cc/hotline/dialplan/diag"

// Stmt is one logical line of extensions.conf.
type Stmt interface {
	Position() diag.Pos
}

// Section is a category header: [name] or [name](!) or [name](+) or
// [name](tmpl1,tmpl2).
type Section struct {
	At       diag.Pos
	Name     string
	Template bool     // (!): a template, not a context
	Append   bool     // (+): add to an earlier section of the same name
	Inherit  []string // templates or sections copied in first
}

// Exten is an "exten =>" or "same =>" line.
type Exten struct {
	At       diag.Pos
	Same     bool   // written as "same =>": the extension is the previous one
	Ext      string // extension as written, with "/callerid" if any; "" for same
	Priority PrioritySpec
	App      string
	Data     string
}

// PriorityKind is how a priority was written.
type PriorityKind int

// Ways to write a priority.
const (
	PrioNumber PriorityKind = iota // 1, 2, ...
	PrioNext                       // n, next
	PrioSame                       // s, same
	PrioHint                       // hint
	PrioLabel                      // the name of an earlier label in the same extension
)

// PrioritySpec is the priority field: "1", "n", "n(label)", "n+2", "hint".
type PrioritySpec struct {
	Raw   string
	Kind  PriorityKind
	N     int    // PrioNumber
	Plus  int    // "+k" suffix
	Ref   string // PrioLabel: the label named
	Label string // "(label)" defined on this line
}

// Include is an "include =>" line; Timing is the optional time spec.
type Include struct {
	At      diag.Pos
	Context string
	Timing  string
}

// Switch is a "switch =>", "lswitch =>" or "eswitch =>" line.
type Switch struct {
	At    diag.Pos
	Kind  string
	Value string
}

// IgnorePat is an "ignorepat =>" line.
type IgnorePat struct {
	At      diag.Pos
	Pattern string
}

// Setting is "name = value" where the name is not dialplan syntax: options
// in [general], variables in [globals], typos elsewhere.
type Setting struct {
	At     diag.Pos
	Name   string
	Value  string
	Append bool // "name += value"
}

// Directive is "#include", "#tryinclude", "#exec" or an unknown "#word".
type Directive struct {
	At   diag.Pos
	Name string // lower case
	Arg  string // unquoted
}

// Position implements Stmt.
func (s *Section) Position() diag.Pos { return s.At }

// Position implements Stmt.
func (s *Exten) Position() diag.Pos { return s.At }

// Position implements Stmt.
func (s *Include) Position() diag.Pos { return s.At }

// Position implements Stmt.
func (s *Switch) Position() diag.Pos { return s.At }

// Position implements Stmt.
func (s *IgnorePat) Position() diag.Pos { return s.At }

// Position implements Stmt.
func (s *Setting) Position() diag.Pos { return s.At }

// Position implements Stmt.
func (s *Directive) Position() diag.Pos { return s.At }

// File is one parsed file.
type File struct {
	Path     string
	Stmts    []Stmt
	Problems []diag.Finding
}

var (
	_ Stmt = (*Section)(nil)
	_ Stmt = (*Exten)(nil)
	_ Stmt = (*Include)(nil)
	_ Stmt = (*Switch)(nil)
	_ Stmt = (*IgnorePat)(nil)
	_ Stmt = (*Setting)(nil)
	_ Stmt = (*Directive)(nil)
)
