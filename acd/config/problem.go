package config

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Problem is one thing wrong with a configuration.
type Problem struct {
	File    string // "" when the Config was not read from a file
	Line    int    // 0 when not known
	Path    string // the setting, e.g. "queues[2].strategy"; "" for the file as a whole
	Message string
}

// String renders the problem as "file:line: path: message", leaving out
// what is not known.
func (p Problem) String() string {
	var b strings.Builder
	switch {
	case p.File != "" && p.Line > 0:
		fmt.Fprintf(&b, "%s:%d: ", p.File, p.Line)
	case p.File != "":
		b.WriteString(p.File + ": ")
	case p.Line > 0:
		fmt.Fprintf(&b, "line %d: ", p.Line)
	}
	if p.Path != "" {
		b.WriteString(p.Path + ": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// ValidationError carries every problem found in one pass, in file order
// when lines are known.
type ValidationError struct {
	Problems []Problem
}

// Error lists the problems one per line.
func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// source remembers which file a Config came from, its text and which
// settings were overridden from elsewhere, so problems found later can point
// at their cause. The text is parsed again to find a line only when there
// is a problem to place: a large file's every path and line kept in a map
// would cost more than the Config itself.
type source struct {
	file    string
	data    []byte
	origins map[string]string // path → "HOTLINE_PBX_TYPE", "--log-level", ...
}

func (s *source) fileName() string {
	if s == nil {
		return ""
	}
	return s.file
}

// Where names where the setting at path was given, for a message about its
// value: "hotline.yaml:56", the override it came from ("HOTLINE_STORE_PATH",
// "--log-level"), or "" when no file is known. A setting left out of the
// file is placed at its section's line.
func (c Config) Where(path string) string {
	if c.src == nil {
		return ""
	}
	if origin, ok := c.src.origins[path]; ok {
		return origin
	}
	r := report{src: c.src}
	if line := r.line(path); line > 0 && c.src.file != "" {
		return fmt.Sprintf("%s:%d", c.src.file, line)
	}
	return ""
}

// parentPath cuts the last ".key" or "[i]" off a path.
func parentPath(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func indexPath(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// report collects problems against one source.
type report struct {
	src      *source
	root     *yaml.Node // src.data parsed, once a problem needs a line
	problems []Problem
}

// line finds the line of path in the source or, failing that, of its
// nearest parent; 0 when there is no file to look in.
func (r *report) line(path string) int {
	if r.src == nil || len(r.src.data) == 0 || path == "" {
		return 0
	}
	if r.root == nil {
		r.root = &yaml.Node{}
		_ = yaml.Unmarshal(r.src.data, r.root) // the file parsed once already
	}
	n, line := r.root, 0
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	for rest := path; rest != "" && n != nil; {
		n = resolve(n)
		if strings.HasPrefix(rest, "[") {
			end := strings.IndexByte(rest, ']')
			i, err := strconv.Atoi(rest[1:max(end, 1)])
			if end < 0 || err != nil || n.Kind != yaml.SequenceNode || i >= len(n.Content) {
				break
			}
			n = resolve(n.Content[i])
			line, rest = n.Line, strings.TrimPrefix(rest[end+1:], ".")
			continue
		}
		if n.Kind == yaml.SequenceNode {
			// An index written as a key, "holidays.1", as acd/ivr names one.
			seg, after, _ := strings.Cut(rest, ".")
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(n.Content) {
				break
			}
			n = resolve(n.Content[i])
			line, rest = n.Line, after
			continue
		}
		key, val := findKey(n, rest)
		if key == nil {
			break
		}
		line, n, rest = key.Line, val, strings.TrimPrefix(rest[len(key.Value):], ".")
	}
	return line
}

// findKey finds, in a mapping node and those it merges, the longest key that
// starts path (a key may hold a '.' of its own).
func findKey(m *yaml.Node, path string) (key, val *yaml.Node) {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil
	}
	var merges []*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := m.Content[i]
		if k.Tag == "!!merge" {
			merges = append(merges, m.Content[i+1])
			continue
		}
		rest, ok := strings.CutPrefix(path, k.Value)
		if ok && (rest == "" || rest[0] == '.' || rest[0] == '[') && (key == nil || len(k.Value) > len(key.Value)) {
			key, val = k, m.Content[i+1]
		}
	}
	if key != nil {
		return key, val
	}
	for _, v := range merges {
		v = resolve(v)
		sources := []*yaml.Node{v}
		if v.Kind == yaml.SequenceNode {
			sources = v.Content
		}
		for _, s := range sources {
			if key, val = findKey(resolve(s), path); key != nil {
				return key, val
			}
		}
	}
	return nil, nil
}

func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// add records a problem whose line is looked up from its path, or that
// names the override a setting came from.
func (r *report) add(path, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if r.src != nil {
		if origin, ok := r.src.origins[path]; ok {
			r.problems = append(r.problems, Problem{File: origin, Path: path, Message: msg})
			return
		}
	}
	r.addAt(r.line(path), path, msg)
}

// addAt records a problem at a known line.
func (r *report) addAt(line int, path, msg string) {
	r.problems = append(r.problems, Problem{File: r.src.fileName(), Line: line, Path: path, Message: msg})
}

// err returns nil or a *ValidationError with the problems in file order.
func (r *report) err() error {
	if len(r.problems) == 0 {
		return nil
	}
	ps := slices.Clone(r.problems)
	slices.SortStableFunc(ps, func(a, b Problem) int { return a.Line - b.Line })
	return &ValidationError{Problems: ps}
}
