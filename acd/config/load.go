package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Load reads and parses the YAML file at path over the defaults. It does not
// validate; call Validate after applying any overrides.
func Load(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	return Parse(data, path)
}

// Parse decodes YAML over Default, strictly: an unknown key, a value of the
// wrong kind or a duration without a unit is a problem naming name and the
// line. All such problems come back together in a *ValidationError. An empty
// document gives the defaults.
func Parse(data []byte, name string) (Config, error) {
	src := &source{file: name, lines: map[string]int{}}
	r := &report{src: src}

	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	switch err := dec.Decode(&root); {
	case errors.Is(err, io.EOF):
		cfg := Default()
		cfg.src = src
		return cfg, nil
	case err != nil:
		r.yamlError(err)
		return Config{}, r.err()
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		r.addAt(extra.Line, "", "a second YAML document; put everything in one")
	} else if !errors.Is(err, io.EOF) {
		r.yamlError(err)
	}

	w := walker{report: r, expanding: map[*yaml.Node]bool{}, budget: maxNodes}
	w.walk(&root, reflect.TypeFor[Config](), "")
	if len(r.problems) > 0 {
		r.validatePartial(data, &root, src)
		return Config{}, r.err()
	}

	// The walk found nothing, so this strict decode should not either; it
	// stays as the authority on what yaml accepts.
	cfg := Default()
	strict := yaml.NewDecoder(bytes.NewReader(data))
	strict.KnownFields(true)
	if err := strict.Decode(&cfg); err != nil {
		r.yamlError(err)
		return Config{}, r.err()
	}
	if err := overlayDefaults(&root, &cfg); err != nil {
		r.addAt(0, "", err.Error())
		return Config{}, r.err()
	}
	cfg.src = src
	return cfg, nil
}

// validatePartial adds, to the problems the walk found (unknown keys, wrong
// kinds), those Validate finds in what could still be decoded, so that one
// run reports everything wrong with a file, not a first batch of it.
func (r *report) validatePartial(data []byte, root *yaml.Node, src *source) {
	cfg := Default()
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		return // values of the wrong kind: the walk's problems say it all
	}
	if err := overlayDefaults(root, &cfg); err != nil {
		return
	}
	cfg.src = src
	var ve *ValidationError
	if errors.As(cfg.Validate(), &ve) {
		seen, touched := map[string]bool{}, map[string]bool{}
		for _, p := range r.problems {
			seen[p.Path] = true
			touched[parentPath(p.Path)] = true
		}
		for _, p := range ve.Problems {
			// A misspelt key makes its right spelling "missing": say it once.
			echo := touched[parentPath(p.Path)] && strings.HasPrefix(p.Message, "missing")
			if !seen[p.Path] && !echo {
				r.problems = append(r.problems, p)
			}
		}
	}
}

var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// yamlError turns a yaml error, or each line of a yaml.TypeError, into problems.
func (r *report) yamlError(err error) {
	msgs := []string{err.Error()}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	}
	for _, m := range msgs {
		if sub := yamlLine.FindStringSubmatch(m); sub != nil {
			line, _ := strconv.Atoi(sub[1])
			r.addAt(line, "", sub[2])
			continue
		}
		r.addAt(0, "", strings.TrimPrefix(m, "yaml: "))
	}
}

var durationType = reflect.TypeFor[time.Duration]()

// walker checks a YAML node tree against the Go type it will decode into,
// reporting every unknown key and badly typed value with its line, and
// recording the line of each path for later problems.
type walker struct {
	*report
	expanding map[*yaml.Node]bool // anchors being expanded, to stop self-referencing aliases
	budget    int                 // nodes left to visit; aliases can make a small file huge
}

// maxNodes bounds the walk, like yaml's own guard against excessive aliasing.
const maxNodes = 100_000

func (w *walker) walk(n *yaml.Node, t reflect.Type, path string) {
	if w.budget--; w.budget < 0 {
		if w.budget == -1 {
			w.addAt(n.Line, path, fmt.Sprintf("aliases expand the document beyond %d values", maxNodes))
		}
		return
	}
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return
		}
		n = n.Content[0]
	}
	n, done := w.deref(n, path)
	if n == nil {
		return
	}
	defer done()
	if _, ok := w.src.lines[path]; !ok {
		w.src.lines[path] = n.Line
	}
	if isNull(n) {
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		w.walk(n, t.Elem(), path)
	case reflect.Struct:
		w.mapping(n, path, func(key *yaml.Node, val *yaml.Node) {
			f, ok := structField(t, key.Value)
			if !ok {
				w.addAt(key.Line, joinPath(path, key.Value), unknownKey(key.Value, fieldNames(t)))
				return
			}
			w.walk(val, f.Type, joinPath(path, key.Value))
		})
		return
	case reflect.Map:
		w.mapping(n, path, func(key *yaml.Node, val *yaml.Node) {
			w.walk(val, t.Elem(), joinPath(path, key.Value))
		})
		return
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			w.addAt(n.Line, path, fmt.Sprintf("want a list, got %s", describe(n)))
			return
		}
		for i, item := range n.Content {
			p := indexPath(path, i)
			if isNull(item) {
				w.addAt(item.Line, p, "empty list item")
				continue
			}
			w.walk(item, t.Elem(), p)
		}
		return
	}
	w.scalar(n, t, path)
}

// deref follows an alias, unless it refers to a node still being expanded
// (then it reports the loop and returns nil). done ends the expansion.
func (w *walker) deref(n *yaml.Node, path string) (target *yaml.Node, done func()) {
	if n.Kind != yaml.AliasNode {
		return n, func() {}
	}
	if w.expanding[n.Alias] {
		w.addAt(n.Line, path, fmt.Sprintf("alias *%s refers to itself", n.Value))
		return nil, nil
	}
	w.expanding[n.Alias] = true
	return n.Alias, func() { delete(w.expanding, n.Alias) }
}

// mapping calls each for every key of a mapping node, following merge keys
// (<<) and reporting duplicate and non-scalar keys.
func (w *walker) mapping(n *yaml.Node, path string, each func(key, val *yaml.Node)) {
	if n.Kind != yaml.MappingNode {
		w.addAt(n.Line, path, fmt.Sprintf("want a mapping of key: value, got %s", describe(n)))
		return
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		if key.Kind != yaml.ScalarNode {
			w.addAt(key.Line, path, fmt.Sprintf("want a plain key, got %s", describe(key)))
			continue
		}
		if key.ShortTag() == "!!merge" {
			w.merge(val, path, each)
			continue
		}
		if first, dup := seen[key.Value]; dup {
			w.addAt(key.Line, joinPath(path, key.Value), fmt.Sprintf("key %q already set on line %d", key.Value, first))
			continue
		}
		seen[key.Value] = key.Line
		w.src.lines[joinPath(path, key.Value)] = key.Line
		each(key, val)
	}
}

// merge walks the mapping(s) a merge key brings in.
func (w *walker) merge(val *yaml.Node, path string, each func(key, val *yaml.Node)) {
	val, done := w.deref(val, path)
	if val == nil {
		return
	}
	defer done()
	if val.Kind == yaml.SequenceNode {
		for _, m := range val.Content {
			w.merge(m, path, each)
		}
		return
	}
	w.mapping(val, path, each)
}

// scalar checks a single value against a scalar Go type.
func (w *walker) scalar(n *yaml.Node, t reflect.Type, path string) {
	if n.Kind != yaml.ScalarNode {
		w.addAt(n.Line, path, fmt.Sprintf("want %s, got %s", kindWord(t), describe(n)))
		return
	}
	if t == durationType {
		if msg := durationProblem(n.Value); msg != "" {
			w.addAt(n.Line, path, msg)
		}
		return
	}
	if t.Kind() == reflect.String && n.ShortTag() != "!!binary" {
		return // any other scalar reads as text
	}
	if err := n.Decode(reflect.New(t).Interface()); err != nil {
		w.addAt(n.Line, path, fmt.Sprintf("want %s, got %q", kindWord(t), n.Value))
	}
}

func durationProblem(s string) string {
	if _, err := time.ParseDuration(s); err == nil && s != "0" {
		return ""
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return fmt.Sprintf("duration %s needs a unit, e.g. \"%ss\" or \"%sms\"", s, s, s)
	}
	return fmt.Sprintf("want a duration like \"15s\", \"2m\" or \"1h30m\", got %q", s)
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return strconv.Quote(n.Value)
	}
	return "something else"
}

func kindWord(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a text value"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice:
		return "a list"
	}
	return "a mapping"
}

// yamlName is the key a struct field is decoded from, "" if none.
func yamlName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	switch name {
	case "-":
		return ""
	case "":
		return strings.ToLower(f.Name)
	}
	return name
}

func structField(t reflect.Type, key string) (reflect.StructField, bool) {
	for f := range fieldsOf(t) {
		if yamlName(f) == key {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func fieldNames(t reflect.Type) []string {
	var names []string
	for f := range fieldsOf(t) {
		names = append(names, yamlName(f))
	}
	return names
}

// fieldsOf yields the fields of t that YAML decodes.
func fieldsOf(t reflect.Type) func(func(reflect.StructField) bool) {
	return func(yield func(reflect.StructField) bool) {
		for f := range t.Fields() {
			if yamlName(f) != "" && !yield(f) {
				return
			}
		}
	}
}

// unknownKey suggests the nearest known key when there is a close one.
func unknownKey(key string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if d := editDistance(key, k); d < bestDist && 2*d < len(key) {
			best, bestDist = k, d
		}
	}
	if best != "" {
		return fmt.Sprintf("unknown key; did you mean %q?", best)
	}
	return "unknown key; known: " + strings.Join(known, ", ")
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// overlayDefaults decodes each list element again, this time onto its
// default, so settings a queue, menu, agent or target leaves out get their
// defaults while settings written as zero stay zero.
func overlayDefaults(root *yaml.Node, cfg *Config) error {
	top := root
	if top.Kind == yaml.DocumentNode && len(top.Content) > 0 {
		top = top.Content[0]
	}
	err := overlay(cfg.Queues, items(lookup(top, "queues")), DefaultQueue, func(q *Queue, n *yaml.Node) error {
		return overlay(q.Targets, items(lookup(n, "targets")), DefaultSkillTarget, nil)
	})
	return errors.Join(err,
		overlay(cfg.Menus, items(lookup(top, "menus")), DefaultMenu, nil),
		overlay(cfg.Agents, items(lookup(top, "agents")), DefaultAgent, nil))
}

func overlay[T any](list []T, nodes []*yaml.Node, fresh func() T, then func(*T, *yaml.Node) error) error {
	if len(nodes) != len(list) {
		return fmt.Errorf("%d list items decoded from %d in the file: defaults not applied", len(list), len(nodes))
	}
	for i, n := range nodes {
		v := fresh()
		if err := n.Decode(&v); err != nil {
			return err
		}
		if then != nil {
			if err := then(&v, n); err != nil {
				return err
			}
		}
		list[i] = v
	}
	return nil
}

func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// lookup finds the value of key in a mapping node, through merge keys.
func lookup(m *yaml.Node, key string) *yaml.Node {
	m = resolve(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	var merged []*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if k.ShortTag() == "!!merge" {
			merged = append(merged, v)
			continue
		}
		if k.Value == key {
			return v
		}
	}
	for _, v := range merged {
		v = resolve(v)
		sources := []*yaml.Node{v}
		if v.Kind == yaml.SequenceNode {
			sources = v.Content
		}
		for _, s := range sources {
			if found := lookup(s, key); found != nil {
				return found
			}
		}
	}
	return nil
}

// items is the elements of a sequence node.
func items(n *yaml.Node) []*yaml.Node {
	n = resolve(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		out[i] = resolve(c)
	}
	return out
}
