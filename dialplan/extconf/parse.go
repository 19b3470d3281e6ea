package extconf

import (
	"strconv"
	"strings"

	"github.com/hotline-cc/hotline/dialplan/diag"
)

// Parse reads one extensions.conf-style file. It never fails: lines Asterisk
// would reject are left out of Stmts and reported in Problems.
func Parse(path string, src []byte) *File {
	p := &parser{f: &File{Path: path}}
	lines := strings.Split(string(src), "\n")
	depth, opened := 0, 0
	for i, line := range lines {
		at := diag.Pos{File: path, Line: i + 1}
		line = strings.TrimSuffix(line, "\r")
		was := depth
		text := stripComments(line, &depth)
		if depth > 0 && was == 0 {
			opened = at.Line
		}
		p.line(at, strings.TrimSpace(text))
	}
	if depth > 0 {
		p.problem(diag.Pos{File: path, Line: opened}, diag.Error, "syntax",
			"block comment opened with ';--' is never closed with '--;'")
	}
	return p.f
}

type parser struct {
	f         *File
	inSection bool
}

func (p *parser) problem(at diag.Pos, sev diag.Severity, code, format string, args ...any) {
	p.f.Problems = append(p.f.Problems, diag.New(at, sev, code, format, args...))
}

// stripComments returns the part of line outside comments, following
// Asterisk's config reader: ';' starts a comment unless escaped as '\;',
// ';--' opens a block comment that '--;' closes, possibly lines later.
func stripComments(line string, depth *int) string {
	var b strings.Builder
	blockStart := 0
	for i := 0; i < len(line); i++ {
		c := line[i]
		if c != ';' {
			if *depth == 0 {
				b.WriteByte(c)
			}
			continue
		}
		switch {
		case i > 0 && line[i-1] == '\\':
			if *depth == 0 {
				s := b.String()
				b.Reset()
				b.WriteString(s[:len(s)-1])
				b.WriteByte(';')
			}
		case strings.HasPrefix(line[i:], ";--") && !strings.HasPrefix(line[i:], ";---"):
			*depth++
			i += 2
			blockStart = i + 1
		case *depth > 0 && i-2 >= blockStart && line[i-2:i] == "--":
			*depth--
		case *depth > 0:
			// a lone ';' inside a block comment is part of it
		default:
			return b.String()
		}
	}
	return b.String()
}

func (p *parser) line(at diag.Pos, text string) {
	if text == "" {
		return
	}
	if strings.HasSuffix(text, `\`) {
		p.problem(at, diag.Warning, "continuation",
			"line ends with '\\' but Asterisk joins no lines; continue an extension with 'same =>'")
	}
	switch text[0] {
	case '[':
		p.section(at, text)
	case '#':
		p.directive(at, text[1:])
	default:
		p.assignment(at, text)
	}
}

func (p *parser) section(at diag.Pos, text string) {
	end := strings.IndexByte(text, ']')
	if end < 0 {
		p.problem(at, diag.Error, "syntax", "no closing ']' in section header")
		return
	}
	s := &Section{At: at, Name: text[1:end]}
	rest := text[end+1:]
	if strings.HasPrefix(rest, "(") {
		closing := strings.IndexByte(rest, ')')
		if closing < 0 {
			p.problem(at, diag.Error, "syntax", "no closing ')' after section [%s]", s.Name)
			return
		}
		for opt := range strings.SplitSeq(rest[1:closing], ",") {
			switch opt = strings.TrimSpace(opt); opt {
			case "!":
				s.Template = true
			case "+":
				s.Append = true
			case "":
			default:
				s.Inherit = append(s.Inherit, opt)
			}
		}
	}
	if s.Name == "" {
		p.problem(at, diag.Error, "syntax", "empty section name")
	}
	p.inSection = true
	p.f.Stmts = append(p.f.Stmts, s)
}

func (p *parser) directive(at diag.Pos, text string) {
	name, arg, _ := strings.Cut(text, " ")
	if i := strings.IndexAny(name, "\t"); i >= 0 {
		name, arg = name[:i], name[i+1:]+" "+arg
	}
	d := &Directive{At: at, Name: strings.ToLower(name), Arg: unquote(strings.TrimSpace(arg))}
	switch d.Name {
	case "include", "tryinclude", "exec":
		if d.Arg == "" {
			p.problem(at, diag.Error, "syntax", "#%s needs an argument", d.Name)
			return
		}
	default:
		p.problem(at, diag.Warning, "unknown-directive", "unknown directive #%s is ignored by Asterisk", name)
		return
	}
	p.f.Stmts = append(p.f.Stmts, d)
}

// unquote strips one pair of "..." or <...> around an #include argument.
func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '<' && s[len(s)-1] == '>') {
		return s[1 : len(s)-1]
	}
	return s
}

func (p *parser) assignment(at diag.Pos, text string) {
	if !p.inSection {
		p.problem(at, diag.Error, "syntax", "line outside any [section]; Asterisk refuses the whole file")
		return
	}
	skip := 0
	if text[0] == '\\' {
		skip = 1
	}
	eq := strings.IndexByte(text[skip:], '=')
	if eq < 0 {
		p.problem(at, diag.Error, "syntax", "no '=' in line %q", text)
		return
	}
	eq += skip
	name, value := text[:eq], text[eq+1:]
	if eq > skip && text[eq-1] == '+' {
		p.f.Stmts = append(p.f.Stmts, &Setting{At: at, Name: strings.TrimSpace(text[skip : eq-1]), Value: strings.TrimSpace(value), Append: true})
		return
	}
	value = strings.TrimSpace(strings.TrimPrefix(value, ">"))
	name = strings.TrimSpace(name[skip:])
	if name == "" {
		p.problem(at, diag.Error, "syntax", "no name before '='")
		return
	}
	lower := strings.ToLower(name)
	switch {
	case strings.HasPrefix(lower, "same"):
		p.exten(at, true, value)
	case lower == "exten":
		p.exten(at, false, value)
	case lower == "include":
		ctx, timing, _ := strings.Cut(value, ",")
		if i := strings.IndexByte(ctx, '|'); i >= 0 {
			ctx, timing = ctx[:i], ctx[i+1:]+timing
		}
		p.f.Stmts = append(p.f.Stmts, &Include{At: at, Context: strings.TrimSpace(ctx), Timing: strings.TrimSpace(timing)})
	case lower == "switch" || lower == "lswitch" || lower == "eswitch":
		p.f.Stmts = append(p.f.Stmts, &Switch{At: at, Kind: lower, Value: value})
	case lower == "ignorepat":
		p.f.Stmts = append(p.f.Stmts, &IgnorePat{At: at, Pattern: value})
	default:
		p.f.Stmts = append(p.f.Stmts, &Setting{At: at, Name: name, Value: value})
	}
}

// exten parses "ext,priority,App(data)"; for same the ext field is absent.
func (p *parser) exten(at diag.Pos, same bool, value string) {
	e := &Exten{At: at, Same: same}
	rest := value
	if !same {
		e.Ext, rest = splitExt(value)
		e.Ext = strings.TrimSpace(e.Ext)
		if e.Ext == "" {
			p.problem(at, diag.Error, "syntax", "exten without an extension")
			return
		}
	}
	pri, appl, _ := strings.Cut(rest, ",")
	spec, ok := parsePriority(strings.TrimSpace(pri))
	if !ok {
		hint := ""
		if strings.Count(e.Ext, "[") > strings.Count(e.Ext, "]") {
			hint = " (an unclosed '[' in the extension swallows the commas)"
		}
		p.problem(at, diag.Error, "syntax", "bad priority %q%s", strings.TrimSpace(pri), hint)
		return
	}
	e.Priority = spec
	e.App, e.Data = splitApp(appl)
	if open := strings.IndexByte(appl, '('); open >= 0 && !strings.Contains(appl[:open], "${") &&
		!strings.Contains(appl[:open], "$[") && strings.LastIndexByte(appl, ')') < open {
		p.problem(at, diag.Warning, "syntax", "no closing parenthesis after %s(", e.App)
	}
	p.f.Stmts = append(p.f.Stmts, e)
}

// splitExt cuts the extension field at the first comma outside [...].
func splitExt(s string) (ext, rest string) {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[':
			depth++
		case ']':
			if depth > 0 {
				depth--
			}
		case ',':
			if depth == 0 {
				return s[:i], s[i+1:]
			}
		}
	}
	return s, ""
}

// splitApp separates "App(data)" the way pbx_config does: no '(' means no
// data; a variable before the '(' means the whole text is the application
// (hints such as "PJSIP/${X}(y)"); data ends at the last ')'.
func splitApp(appl string) (app, data string) {
	open := strings.IndexByte(appl, '(')
	if open < 0 {
		return strings.TrimSpace(appl), ""
	}
	if strings.Contains(appl[:open], "${") || strings.Contains(appl[:open], "$[") {
		return strings.TrimSpace(appl), ""
	}
	data = appl[open+1:]
	if end := strings.LastIndexByte(data, ')'); end >= 0 {
		data = data[:end]
	}
	return strings.TrimSpace(appl[:open]), data
}

func parsePriority(raw string) (PrioritySpec, bool) {
	s := PrioritySpec{Raw: raw}
	pri := raw
	if open := strings.IndexByte(pri, '('); open >= 0 {
		end := strings.IndexByte(pri[open:], ')')
		if end < 0 {
			return s, false
		}
		s.Label = pri[open+1 : open+end]
		pri = pri[:open]
	}
	if plus := strings.IndexByte(pri, '+'); plus >= 0 {
		s.Plus, _ = strconv.Atoi(strings.TrimSpace(pri[plus+1:]))
		pri = pri[:plus]
	}
	pri = strings.TrimSpace(pri)
	switch pri {
	case "hint":
		s.Kind = PrioHint
	case "n", "next":
		s.Kind = PrioNext
	case "s", "same":
		s.Kind = PrioSame
	case "":
		return s, false
	default:
		if n, ok := leadingInt(pri); ok {
			s.Kind, s.N = PrioNumber, n
		} else {
			s.Kind, s.Ref = PrioLabel, pri
		}
	}
	return s, true
}

// leadingInt reads an optionally signed integer at the start of s, as
// sscanf("%d") does.
func leadingInt(s string) (int, bool) {
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		i++
	}
	j := i
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	if j == i {
		return 0, false
	}
	n, err := strconv.Atoi(s[:j])
	return n, err == nil
}
