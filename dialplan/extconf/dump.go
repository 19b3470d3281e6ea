package extconf

import (
	"fmt"
	"io"
	"strings"
)

// Dump writes the statements of f, one per line, in a stable text form
// (used by golden tests and handy when a file is read unexpectedly).
func (f *File) Dump(w io.Writer) {
	fmt.Fprintf(w, "file %s\n", f.Path)
	for _, s := range f.Stmts {
		fmt.Fprintf(w, "%4d  %s\n", s.Position().Line, describe(s))
	}
}

func describe(s Stmt) string {
	switch s := s.(type) {
	case *Section:
		var opts []string
		if s.Template {
			opts = append(opts, "template")
		}
		if s.Append {
			opts = append(opts, "append")
		}
		if len(s.Inherit) > 0 {
			opts = append(opts, "inherit="+strings.Join(s.Inherit, ","))
		}
		return strings.TrimSpace(fmt.Sprintf("section [%s] %s", s.Name, strings.Join(opts, " ")))
	case *Exten:
		head := "exten " + s.Ext
		if s.Same {
			head = "same"
		}
		return fmt.Sprintf("%s prio=%s app=%q data=%q", head, s.Priority, s.App, s.Data)
	case *Include:
		if s.Timing != "" {
			return fmt.Sprintf("include %s timing=%q", s.Context, s.Timing)
		}
		return "include " + s.Context
	case *Switch:
		return fmt.Sprintf("%s %q", s.Kind, s.Value)
	case *IgnorePat:
		return "ignorepat " + s.Pattern
	case *Setting:
		op := "="
		if s.Append {
			op = "+="
		}
		return fmt.Sprintf("setting %s %s %q", s.Name, op, s.Value)
	case *Directive:
		return fmt.Sprintf("#%s %q", s.Name, s.Arg)
	}
	return fmt.Sprintf("%T", s)
}

// String shows the priority as parsed: kind, number or label, "+k", "(label)".
func (p PrioritySpec) String() string {
	var b strings.Builder
	switch p.Kind {
	case PrioNumber:
		fmt.Fprintf(&b, "%d", p.N)
	case PrioNext:
		b.WriteString("next")
	case PrioSame:
		b.WriteString("same")
	case PrioHint:
		b.WriteString("hint")
	case PrioLabel:
		b.WriteString("label:" + p.Ref)
	}
	if p.Plus != 0 {
		fmt.Fprintf(&b, "+%d", p.Plus)
	}
	if p.Label != "" {
		fmt.Fprintf(&b, "(%s)", p.Label)
	}
	return b.String()
}

// Dump writes the built dialplan: contexts, includes and extensions in
// matching order with numbered priorities.
func (d *Dialplan) Dump(w io.Writer) {
	for _, t := range d.Templates {
		fmt.Fprintf(w, "template [%s]\n", t)
	}
	for _, c := range d.Contexts {
		fmt.Fprintf(w, "context [%s] %s\n", c.Name, c.At)
		for _, inc := range c.Includes {
			fmt.Fprintf(w, "  include %s", inc.Context)
			if inc.Timing != "" {
				fmt.Fprintf(w, " (%s)", inc.Timing)
			}
			fmt.Fprintln(w)
		}
		for _, s := range c.Switches {
			fmt.Fprintf(w, "  %s %s\n", s.Kind, s.Value)
		}
		for _, p := range c.IgnorePats {
			fmt.Fprintf(w, "  ignorepat %s\n", p.Pattern)
		}
		for _, e := range c.Extensions {
			fmt.Fprintf(w, "  exten %s\n", e)
			if e.Hint != nil {
				fmt.Fprintf(w, "    hint %s  %s\n", e.Hint.App, e.Hint.At)
			}
			for _, p := range e.Priorities {
				label := ""
				if p.Label != "" {
					label = "(" + p.Label + ")"
				}
				fmt.Fprintf(w, "    %d%s %s(%s)  %s\n", p.N, label, p.App, p.Data, p.At)
			}
		}
	}
}
