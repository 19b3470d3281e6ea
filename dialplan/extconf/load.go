package extconf

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/hotline-cc/hotline/dialplan/diag"
)

// maxIncludeDepth bounds #include nesting, as Asterisk's include level does.
const maxIncludeDepth = 16

// Source reads the files a dialplan is made of. Paths use forward slashes;
// relative #include paths are resolved against the directory of the root
// file, the way Asterisk resolves them against its config directory.
type Source interface {
	ReadFile(name string) ([]byte, error)
	Glob(pattern string) ([]string, error)
}

// FS adapts an fs.FS (os.DirFS, fstest.MapFS) to Source.
type FS struct{ fs.FS }

// ReadFile implements Source.
func (f FS) ReadFile(name string) ([]byte, error) { return fs.ReadFile(f.FS, name) }

// Glob implements Source.
func (f FS) Glob(pattern string) ([]string, error) { return fs.Glob(f.FS, pattern) }

// Load parses root and everything it #includes, then builds the dialplan.
// The error is for a root that cannot be read; everything else is in
// Dialplan.Problems.
func Load(src Source, roots ...string) (*Dialplan, error) {
	l := &loader{src: src, seen: map[string]bool{}, chain: map[string]bool{}}
	var stmts []Stmt
	for _, root := range roots {
		root = path.Clean(root)
		if l.seen[root] {
			continue // already reached through an #include of an earlier root
		}
		data, err := src.ReadFile(root)
		if err != nil {
			return nil, fmt.Errorf("dialplan %s: %w", root, err)
		}
		l.base = path.Dir(root)
		stmts = append(stmts, l.expand(root, data, 0)...)
	}
	d := build(stmts)
	d.Files = l.files
	d.Problems = append(l.problems, d.Problems...)
	return d, nil
}

type loader struct {
	src      Source
	base     string
	seen     map[string]bool // files read so far
	chain    map[string]bool // files being read: the #include stack
	files    []*File
	problems []diag.Finding
}

// expand parses one file and splices in what its #include lines name.
func (l *loader) expand(name string, data []byte, depth int) []Stmt {
	l.seen[name] = true
	l.chain[name] = true
	defer delete(l.chain, name)
	f := Parse(name, data)
	l.files = append(l.files, f)
	l.problems = append(l.problems, f.Problems...)
	var out []Stmt
	for _, s := range f.Stmts {
		d, ok := s.(*Directive)
		if !ok {
			out = append(out, s)
			continue
		}
		out = append(out, d)
		switch d.Name {
		case "exec":
			l.problems = append(l.problems, diag.New(d.At, diag.Info, "exec",
				"#exec %s is not run; what it prints is not checked", d.Arg))
		case "include", "tryinclude":
			out = append(out, l.include(d, depth)...)
		}
	}
	return out
}

func (l *loader) include(d *Directive, depth int) []Stmt {
	if depth+1 > maxIncludeDepth {
		l.problems = append(l.problems, diag.New(d.At, diag.Error, "include-file", "#include nested deeper than %d", maxIncludeDepth))
		return nil
	}
	target := d.Arg
	if !path.IsAbs(target) {
		target = path.Join(l.base, target)
	}
	target = path.Clean(target)
	names := []string{target}
	if strings.ContainsAny(target, "*?[") {
		names, _ = l.src.Glob(target)
	}
	var out []Stmt
	for _, name := range names {
		if l.chain[name] {
			l.problems = append(l.problems, diag.New(d.At, diag.Error, "include-file", "%s includes itself", name))
			continue
		}
		if l.seen[name] {
			l.problems = append(l.problems, diag.New(d.At, diag.Warning, "include-file", "%s is included more than once; its contexts are read again", name))
		}
		data, err := l.src.ReadFile(name)
		if err != nil {
			if d.Name == "include" {
				msg := err.Error()
				if errors.Is(err, fs.ErrNotExist) {
					msg = "no such file"
				}
				l.problems = append(l.problems, diag.New(d.At, diag.Error, "include-file",
					"#include %s: %s; Asterisk refuses to load extensions.conf", d.Arg, msg))
			}
			continue
		}
		out = append(out, l.expand(name, data, depth+1)...)
	}
	if len(names) == 0 && d.Name == "include" {
		l.problems = append(l.problems, diag.New(d.At, diag.Error, "include-file", "#include %s matches no file", d.Arg))
	}
	return out
}

// Build makes a dialplan from already parsed files, in order, without
// following their #include lines.
func Build(files ...*File) *Dialplan {
	var stmts []Stmt
	var problems []diag.Finding
	for _, f := range files {
		stmts = append(stmts, f.Stmts...)
		problems = append(problems, f.Problems...)
	}
	d := build(stmts)
	d.Files = files
	d.Problems = append(problems, d.Problems...)
	return d
}

// category is a section after templates, inheritance and appends.
type category struct {
	name     string
	at       diag.Pos
	template bool
	stmts    []Stmt
}

func build(stmts []Stmt) *Dialplan {
	d := &Dialplan{byName: map[string]*Context{}}
	var cats []*category
	var cur *category
	find := func(name string) *category {
		for _, c := range cats {
			if c.name == name {
				return c
			}
		}
		return nil
	}
	for _, s := range stmts {
		switch s := s.(type) {
		case *Directive:
			continue
		case *Section:
			if s.Append {
				if base := find(s.Name); base != nil {
					cur = base
					continue
				}
				d.problem(s.At, diag.Error, "syntax", "[%s](+) appends to a section that does not exist yet", s.Name)
			}
			cur = &category{name: s.Name, at: s.At, template: s.Template}
			for _, name := range s.Inherit {
				base := find(name)
				if base == nil {
					d.problem(s.At, diag.Error, "syntax", "[%s] inherits from %q, which is not defined before it", s.Name, name)
					continue
				}
				cur.stmts = append(cur.stmts, base.stmts...)
			}
			cats = append(cats, cur)
		default:
			if cur != nil {
				cur.stmts = append(cur.stmts, s)
			}
		}
	}
	for _, c := range cats {
		lower := strings.ToLower(c.name)
		if c.template || lower == "general" || lower == "globals" {
			if c.template {
				d.Templates = append(d.Templates, c.name)
			}
			continue
		}
		d.addCategory(c)
	}
	for _, c := range d.Contexts {
		slices.SortStableFunc(c.Extensions, compareExtensions)
	}
	return d
}

func (d *Dialplan) problem(at diag.Pos, sev diag.Severity, code, format string, args ...any) {
	d.Problems = append(d.Problems, diag.New(at, sev, code, format, args...))
}

// addCategory is pbx_config's pass over one section: "n" and "same" count
// from the last priority of the section, whatever extension it was.
func (d *Dialplan) addCategory(c *category) {
	ctx := d.Context(c.name)
	if ctx == nil {
		ctx = &Context{Name: c.name, At: c.at}
		d.Contexts = append(d.Contexts, ctx)
		d.byName[strings.ToLower(c.name)] = ctx
	}
	lastExt, lastPri := "", -2
	for _, s := range c.stmts {
		switch s := s.(type) {
		case *Exten:
			full := s.Ext
			if s.Same {
				if lastExt == "" {
					d.problem(s.At, diag.Error, "orphan-same", "'same =>' with no extension before it in [%s]", c.name)
					continue
				}
				full = lastExt
			} else {
				lastExt = full
			}
			name, cid, hasCID := strings.Cut(full, "/")
			if hasCID && !strings.HasPrefix(cid, "_") {
				cid = shrinkPhoneNumber(cid)
			}
			n, ok := d.resolvePriority(ctx, s, name, cid, hasCID, lastPri)
			if !ok {
				continue
			}
			if n == 0 {
				d.problem(s.At, diag.Error, "bad-priority", "priority %q resolves to 0 (after a hint); Asterisk drops this line", s.Priority.Raw)
				continue
			}
			lastPri = n
			ctx.add(d, name, cid, hasCID, n, s)
		case *Include:
			if slices.ContainsFunc(ctx.Includes, func(i *Include) bool { return strings.EqualFold(i.Context, s.Context) }) {
				d.problem(s.At, diag.Warning, "dup-include", "[%s] already includes %s", c.name, s.Context)
				continue
			}
			ctx.Includes = append(ctx.Includes, s)
		case *Switch:
			ctx.Switches = append(ctx.Switches, s)
		case *IgnorePat:
			ctx.IgnorePats = append(ctx.IgnorePats, s)
		case *Setting:
			d.problem(s.At, diag.Warning, "unknown-key", "%q is not dialplan syntax in context [%s]; Asterisk ignores it", s.Name, c.name)
		}
	}
}

func (d *Dialplan) resolvePriority(ctx *Context, s *Exten, name, cid string, hasCID bool, lastPri int) (int, bool) {
	p := s.Priority
	var n int
	switch p.Kind {
	case PrioHint:
		n = PriorityHint
	case PrioNext, PrioSame:
		if lastPri == -2 {
			d.problem(s.At, diag.Error, "next-first", "priority %q on the first line of a section has nothing to follow", p.Raw)
			return 0, false
		}
		n = lastPri
		if p.Kind == PrioNext {
			n++
		}
	case PrioNumber:
		n = p.N
	case PrioLabel:
		e := ctx.extension(name, cid, hasCID)
		var pr *Priority
		if e != nil {
			pr = e.Label(p.Ref)
		}
		if pr == nil {
			d.problem(s.At, diag.Error, "bad-priority", "priority %q is neither a number nor an earlier label of %s", p.Raw, name)
			return 0, false
		}
		n = pr.N
	}
	n += p.Plus
	if n < 1 && n != PriorityHint {
		if p.Kind == PrioNumber {
			d.problem(s.At, diag.Error, "bad-priority", "invalid priority %q", p.Raw)
			return 0, false
		}
	}
	return n, true
}

// shrinkPhoneNumber drops the punctuation Asterisk drops from a literal
// caller-ID match: ( ) - . and spaces.
func shrinkPhoneNumber(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '(', ')', '-', '.', ' ':
			return -1
		}
		return r
	}, s)
}
