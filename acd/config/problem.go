package config

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
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

// source remembers which file a Config came from, the line of each
// setting's path and which settings were overridden from elsewhere, so
// problems found later can point at their cause.
type source struct {
	file    string
	lines   map[string]int
	origins map[string]string // path → "HOTLINE_PBX_TYPE", "--log-level", ...
}

// line finds the line of path or, failing that, of its nearest parent.
func (s *source) line(path string) int {
	if s == nil {
		return 0
	}
	for path != "" {
		if l, ok := s.lines[path]; ok {
			return l
		}
		path = parentPath(path)
	}
	return 0
}

func (s *source) fileName() string {
	if s == nil {
		return ""
	}
	return s.file
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
	problems []Problem
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
	r.addAt(r.src.line(path), path, msg)
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
