// Package diag holds what the dialplan parsers and the linter report: a
// finding names a file and line, a severity, a stable code tools can filter
// on, and a message for people.
package diag

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Severity ranks a finding. Only errors make a lint fail.
type Severity int

// Severities, least severe first.
const (
	Info Severity = iota
	Warning
	Error
)

func (s Severity) String() string {
	switch s {
	case Info:
		return "info"
	case Warning:
		return "warning"
	case Error:
		return "error"
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// MarshalText writes the severity's name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity's name.
func (s *Severity) UnmarshalText(b []byte) error {
	switch string(b) {
	case "info":
		*s = Info
	case "warning":
		*s = Warning
	case "error":
		*s = Error
	default:
		return fmt.Errorf("unknown severity %q", b)
	}
	return nil
}

// Pos is a place in a source file; Line counts from 1, 0 means the whole file.
type Pos struct {
	File string
	Line int
}

func (p Pos) String() string {
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d", p.File, p.Line)
}

// Finding is one problem found in a dialplan.
type Finding struct {
	Pos
	Severity Severity
	Code     string // stable, kebab-case: "dup-priority", "goto-context", ...
	Message  string
}

// String is the `file:line: severity: message` form compilers use.
func (f Finding) String() string {
	return fmt.Sprintf("%s: %s: %s [%s]", f.Pos, f.Severity, f.Message, f.Code)
}

type findingJSON struct {
	File     string   `json:"file"`
	Line     int      `json:"line"`
	Severity Severity `json:"severity"`
	Code     string   `json:"code"`
	Message  string   `json:"message"`
}

// MarshalJSON writes {file,line,severity,code,message}.
func (f Finding) MarshalJSON() ([]byte, error) {
	return json.Marshal(findingJSON{f.File, f.Line, f.Severity, f.Code, f.Message})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (f *Finding) UnmarshalJSON(b []byte) error {
	var j findingJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*f = Finding{Pos{j.File, j.Line}, j.Severity, j.Code, j.Message}
	return nil
}

// New builds a finding with a formatted message.
func New(p Pos, sev Severity, code, format string, args ...any) Finding {
	return Finding{Pos: p, Severity: sev, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Sort orders findings by file, line, code and message, and drops exact
// duplicates (the same line reached through two roots is reported once).
func Sort(fs []Finding) []Finding {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		if c := strings.Compare(a.File, b.File); c != 0 {
			return c
		}
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		if c := strings.Compare(a.Code, b.Code); c != 0 {
			return c
		}
		return strings.Compare(a.Message, b.Message)
	})
	return slices.Compact(fs)
}

// HasErrors reports whether any finding is an error.
func HasErrors(fs []Finding) bool {
	return slices.ContainsFunc(fs, func(f Finding) bool { return f.Severity == Error })
}

// Count returns how many findings have severity s.
func Count(fs []Finding, s Severity) int {
	n := 0
	for _, f := range fs {
		if f.Severity == s {
			n++
		}
	}
	return n
}
