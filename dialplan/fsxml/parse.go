package fsxml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/hotline-cc/hotline/dialplan/diag"
)

// File is one parsed XML file: the contexts it defines, extensions outside
// any context (a fragment meant to be included inside one), and its
// preprocessor includes.
type File struct {
	Path      string
	Contexts  []*Context
	Fragment  []*Extension
	Includes  []Include
	Problems  []diag.Finding
	lineStart []int
}

// Include is an <X-PRE-PROCESS cmd="include" data=...>; Context is the
// context it sits in, nil at the top.
type Include struct {
	At      diag.Pos
	Pattern string
	Context *Context
}

// Parse reads one file. XML errors end the parse and are reported in
// Problems with their line; what was read before stays.
func Parse(name string, src []byte) *File {
	f := &File{Path: name, lineStart: []int{0}}
	for i, b := range src {
		if b == '\n' {
			f.lineStart = append(f.lineStart, i+1)
		}
	}
	dec := xml.NewDecoder(bytes.NewReader(src))
	dec.Strict = true
	var (
		ctx  *Context
		ext  *Extension
		cond []*Condition // nested conditions stack
	)
	for {
		at := f.pos(dec.InputOffset())
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line := at.Line
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				line = se.Line
			}
			f.Problems = append(f.Problems, diag.New(diag.Pos{File: name, Line: line}, diag.Error, "xml", "%s", xmlMessage(err)))
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			a := attrs(t)
			switch t.Name.Local {
			case "context":
				ctx = &Context{Name: a["name"], At: at}
				if ctx.Name == "" {
					f.Problems = append(f.Problems, diag.New(at, diag.Error, "syntax", "<context> without a name"))
				}
				f.Contexts = append(f.Contexts, ctx)
			case "extension":
				ext = &Extension{Name: a["name"], At: at, Continue: a["continue"] == "true", Context: ctx}
				if ctx != nil {
					ctx.Extensions = append(ctx.Extensions, ext)
				} else {
					f.Fragment = append(f.Fragment, ext)
				}
			case "condition":
				if ext == nil {
					f.Problems = append(f.Problems, diag.New(at, diag.Error, "syntax", "<condition> outside an <extension>"))
					continue
				}
				c := &Condition{At: at, Field: a["field"], Expression: a["expression"], Break: a["break"]}
				ext.Conditions = append(ext.Conditions, c)
				cond = append(cond, c)
			case "regex":
				if len(cond) > 0 {
					c := cond[len(cond)-1]
					c.Regexes = append(c.Regexes, Regex{At: at, Field: a["field"], Expression: a["expression"]})
				}
			case "action", "anti-action":
				if len(cond) == 0 {
					f.Problems = append(f.Problems, diag.New(at, diag.Error, "syntax", "<%s> outside a <condition>", t.Name.Local))
					continue
				}
				c := cond[len(cond)-1]
				act := &Action{At: at, Application: a["application"], Data: a["data"], Inline: a["inline"] == "true"}
				if t.Name.Local == "action" {
					c.Actions = append(c.Actions, act)
				} else {
					c.Anti = append(c.Anti, act)
				}
			case "X-PRE-PROCESS":
				if a["cmd"] == "include" {
					f.Includes = append(f.Includes, Include{At: at, Pattern: a["data"], Context: ctx})
				}
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "context":
				ctx = nil
			case "extension":
				ext = nil
				cond = cond[:0]
			case "condition":
				if len(cond) > 0 {
					cond = cond[:len(cond)-1]
				}
			}
		}
	}
	return f
}

func xmlMessage(err error) string {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return "XML: " + se.Msg
	}
	return "XML: " + err.Error()
}

func attrs(t xml.StartElement) map[string]string {
	m := make(map[string]string, len(t.Attr))
	for _, a := range t.Attr {
		m[a.Name.Local] = a.Value
	}
	return m
}

// pos turns a byte offset into a line.
func (f *File) pos(off int64) diag.Pos {
	i, found := slices.BinarySearch(f.lineStart, int(off))
	if !found {
		i--
	}
	return diag.Pos{File: f.Path, Line: i + 1}
}

// Source reads the files of a dialplan (os.DirFS-like; paths with '/').
type Source interface {
	ReadFile(name string) ([]byte, error)
	Glob(pattern string) ([]string, error)
}

const maxIncludeDepth = 16

// Load parses the roots and what their preprocessor includes name.
func Load(src Source, roots ...string) (*Dialplan, error) {
	d := &Dialplan{}
	seen := map[string]bool{}
	for _, root := range roots {
		root = path.Clean(root)
		if seen[root] {
			continue
		}
		data, err := src.ReadFile(root)
		if err != nil {
			return nil, err
		}
		load(d, src, root, data, nil, seen, 0)
	}
	return d, nil
}

func load(d *Dialplan, src Source, name string, data []byte, into *Context, seen map[string]bool, depth int) {
	seen[name] = true
	f := Parse(name, data)
	d.Problems = append(d.Problems, f.Problems...)
	for _, c := range f.Contexts {
		if old := d.Context(c.Name); old != nil && c.Name != "" {
			// A context defined twice: FreeSWITCH searches the first only.
			d.Problems = append(d.Problems, diag.New(c.At, diag.Warning, "dup-context",
				"context %q is already defined at %s; FreeSWITCH uses the first", c.Name, old.At))
		}
		d.Contexts = append(d.Contexts, c)
	}
	if len(f.Fragment) > 0 {
		if into == nil {
			into = &Context{At: diag.Pos{File: name}}
			d.Contexts = append(d.Contexts, into)
		}
		for _, e := range f.Fragment {
			e.Context = into
		}
		into.Extensions = append(into.Extensions, f.Fragment...)
	}
	for _, inc := range f.Includes {
		if depth+1 > maxIncludeDepth {
			d.Problems = append(d.Problems, diag.New(inc.At, diag.Error, "include-file", "includes nested deeper than %d", maxIncludeDepth))
			continue
		}
		target := inc.Pattern
		if !path.IsAbs(target) {
			target = path.Join(path.Dir(name), target)
		}
		names := []string{target}
		if strings.ContainsAny(target, "*?[") {
			names, _ = src.Glob(target)
		}
		for _, n := range names {
			if seen[n] {
				continue
			}
			b, err := src.ReadFile(n)
			if err != nil {
				msg := err.Error()
				if errors.Is(err, fs.ErrNotExist) {
					msg = "no such file"
				}
				d.Problems = append(d.Problems, diag.New(inc.At, diag.Error, "include-file", "include %s: %s", inc.Pattern, msg))
				continue
			}
			ctx := inc.Context
			if ctx == nil {
				ctx = into
			}
			load(d, src, n, b, ctx, seen, depth+1)
		}
	}
}

// Build makes a dialplan from parsed files without following includes.
func Build(files ...*File) *Dialplan {
	d := &Dialplan{}
	for _, f := range files {
		d.Problems = append(d.Problems, f.Problems...)
		d.Contexts = append(d.Contexts, f.Contexts...)
		if len(f.Fragment) > 0 {
			c := &Context{At: diag.Pos{File: f.Path}, Extensions: f.Fragment}
			for _, e := range f.Fragment {
				e.Context = c
			}
			d.Contexts = append(d.Contexts, c)
		}
	}
	return d
}
