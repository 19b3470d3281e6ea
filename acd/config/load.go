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
	"sync"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/hotline-cc/hotline/internal/textcheck"
)

// MaxFileSize is the largest configuration file Load and Parse read. README's
// largest case, 10,000 agents with 16 of 256 skills each, is about 3 MB; a
// file many times that is a mistake (or /dev/zero) and is refused before it
// is parsed rather than after minutes and gigabytes.
const MaxFileSize = 32 << 20

// Load reads and parses the YAML file at path over the defaults. It does not
// validate; call Validate after applying any overrides.
func Load(path string) (Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() > MaxFileSize {
		return Config{}, tooLarge(path)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return Config{}, fmt.Errorf("config: %s: %w", path, err)
	}
	return Parse(data, path)
}

func tooLarge(name string) error {
	return fmt.Errorf("config: %s: %w (over the %d MiB limit)", name, ErrTooLarge, MaxFileSize>>20)
}

// Parse decodes YAML over Default, strictly: an unknown key, a value of the
// wrong kind or a duration without a unit is a problem naming name and the
// line. All such problems come back together in a *ValidationError. A file
// with nothing in it is a problem too: it would run a call center with no
// queues, which is more likely a wrong or truncated file than a wish.
func Parse(data []byte, name string) (Config, error) {
	if len(data) > MaxFileSize {
		return Config{}, tooLarge(name)
	}
	src := &source{file: name, data: bytes.Clone(data)}
	r := &report{src: src}

	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	switch err := dec.Decode(&root); {
	case errors.Is(err, io.EOF) || err == nil && (len(root.Content) == 0 || isNull(root.Content[0])):
		r.addAt(0, "", `the file is empty: nothing is configured; start from "hotline config example"`)
		return Config{}, r.err()
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

	// One walk of the node tree both checks and decodes: yaml's own decoder
	// would parse the text again and count every value against its guard
	// for alias bombs, refusing large files that have no aliases at all.
	cfg := Default()
	budget := max(minAliasBudget, len(data))
	d := decoder{report: r, expanding: map[*yaml.Node]bool{}, aliasLimit: budget, aliasBudget: budget}
	d.decode(&root, reflect.ValueOf(&cfg).Elem(), "")
	cfg.src = src
	r.commentedKeys(data)
	if len(r.problems) > 0 {
		if !d.broken {
			r.validatePartial(cfg, &root)
		}
		return Config{}, r.err()
	}
	return cfg, nil
}

// validatePartial adds, to the problems the walk found (unknown keys, empty
// list items), those Validate finds in the rest, so that one run reports
// everything wrong with a file, not a first batch of it.
func (r *report) validatePartial(cfg Config, root *yaml.Node) {
	var ve *ValidationError
	if errors.As(cfg.validate(root), &ve) {
		seen, touched := map[string]bool{}, map[string]bool{}
		for _, p := range r.problems {
			seen[p.Path] = true
			touched[parentPath(p.Path)] = true
		}
		for _, p := range ve.Problems {
			// A misspelt key makes its right spelling "missing": say it once.
			// An empty list item is missing everything: say that once too.
			echo := touched[parentPath(p.Path)] && strings.HasPrefix(p.Message, "missing")
			for up := p.Path; up != "" && !echo; up = parentPath(up) {
				echo = seen[up]
			}
			if !echo {
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
		line, msg := 0, strings.TrimPrefix(m, "yaml: ")
		if sub := yamlLine.FindStringSubmatch(m); sub != nil {
			line, _ = strconv.Atoi(sub[1])
			msg = sub[2]
		}
		if te == nil { // a syntax error: yaml's line is not the problem's
			if at := syntaxLine(r.src.data, msg, line); at > 0 {
				line = at
			}
		}
		r.addAt(line, "", msg+r.aliasHint(line, msg))
	}
}

// syntaxLine is the line of a YAML syntax error msg in data: the first n
// such that data's first n lines fail with msg. yaml names the line of the
// block around the problem, counted from 0 (and none for the top mapping),
// so "queues:\n  - name: a\n   strategy: x" was a problem on line 1, the
// tab of line 5 one on line 4. The problem is never before yaml's line,
// and the parser stops at the first problem, so every longer prefix fails
// the same way: a search galloping from yaml's line finds it in a few
// parses of the file's beginning. 0 when no prefix fails with msg, or
// when finding it would parse more than syntaxBudget bytes (a huge file
// with its problem far from its block's start keeps yaml's line).
func syntaxLine(data []byte, msg string, from int) int {
	var ends []int // ends[i]: the end of line i+1, its newline included
	for i, b := range data {
		if b == '\n' {
			ends = append(ends, i+1)
		}
	}
	if len(ends) == 0 || ends[len(ends)-1] != len(data) {
		ends = append(ends, len(data))
	}
	budget := syntaxBudget
	fails := func(n int) bool {
		budget -= ends[n-1]
		dec := yaml.NewDecoder(bytes.NewReader(data[:ends[n-1]]))
		for {
			var doc yaml.Node
			err := dec.Decode(&doc)
			if err == nil {
				continue
			}
			m := strings.TrimPrefix(err.Error(), "yaml: ")
			if sub := yamlLine.FindStringSubmatch(err.Error()); sub != nil {
				m = sub[2]
			}
			return !errors.Is(err, io.EOF) && m == msg
		}
	}
	// Lines before lo parse; hi is the first line known to fail.
	lo := min(max(from, 1), len(ends))
	hi := lo
	for step := 1; !fails(hi); step *= 2 {
		if hi == len(ends) || budget < 0 {
			return 0
		}
		lo, hi = hi+1, min(hi+step, len(ends))
	}
	for lo < hi && budget >= 0 {
		mid := lo + (hi-lo)/2
		if fails(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	if lo < hi {
		return 0
	}
	return hi
}

// syntaxBudget is the most of a file syntaxLine parses, all prefixes
// together: about a second.
const syntaxBudget = 32 << 20

// aliasHint explains yaml's complaint about a nameless alias when the line
// holds a *: the DTMF key written without quotes.
func (r *report) aliasHint(line int, msg string) string {
	if msg != "did not find expected alphabetic or numeric character" || line < 1 {
		return ""
	}
	text := r.src.data
	for range line - 1 {
		_, text, _ = bytes.Cut(text, []byte("\n"))
	}
	text, _, _ = bytes.Cut(text, []byte("\n"))
	if !bytes.Contains(text, []byte("*")) {
		return ""
	}
	return `; YAML reads an unquoted * as an alias: quote the DTMF key, "*"`
}

// commentedKeys finds the DTMF key # where YAML silently took it for the
// start of a comment: a "#:" line meant as a menu option, or a callback_key
// or exit_key whose value is a bare #.
func (r *report) commentedKeys(data []byte) {
	const quote = `quote the DTMF key, "#"`
	for line, rest := 1, data; len(rest) > 0; line++ {
		var text []byte
		text, rest, _ = bytes.Cut(rest, []byte("\n"))
		text = bytes.TrimLeft(text, " \t")
		if after, ok := bytes.CutPrefix(text, []byte("- ")); ok {
			text = bytes.TrimLeft(after, " \t")
		}
		if after, ok := bytes.CutPrefix(text, []byte("#")); ok && isKeyEnd(bytes.TrimLeft(after, " \t")) {
			r.addAt(line, "", "YAML reads an unquoted # as the start of a comment, so this line is ignored: "+quote)
			continue
		}
		for _, key := range []string{"callback_key", "exit_key"} {
			after, ok := bytes.CutPrefix(text, []byte(key))
			if !ok {
				continue
			}
			after = bytes.TrimLeft(after, " \t")
			// A bare #: "exit_key: # off" is a comment on purpose.
			if value, ok := bytes.CutPrefix(after, []byte(":")); ok && string(bytes.TrimSpace(value)) == "#" {
				r.addAt(line, "", fmt.Sprintf("YAML reads an unquoted # as the start of a comment, so %s is empty: %s", key, quote))
			}
		}
	}
}

// isKeyEnd says whether text, after a would-be key, makes it one: a colon
// followed by a space or the end of the line.
func isKeyEnd(text []byte) bool {
	after, ok := bytes.CutPrefix(text, []byte(":"))
	return ok && (len(bytes.TrimSpace(after)) == 0 || after[0] == ' ' || after[0] == '\t')
}

var durationType = reflect.TypeFor[time.Duration]()

// listDefaults are what an element of a list of these types starts from, so
// a queue, menu, agent or target that leaves a setting out gets its default
// while a setting written as zero stays zero.
var listDefaults = map[reflect.Type]func() reflect.Value{
	reflect.TypeFor[Queue]():       func() reflect.Value { return reflect.ValueOf(DefaultQueue()) },
	reflect.TypeFor[Menu]():        func() reflect.Value { return reflect.ValueOf(DefaultMenu()) },
	reflect.TypeFor[Agent]():       func() reflect.Value { return reflect.ValueOf(DefaultAgent()) },
	reflect.TypeFor[SkillTarget](): func() reflect.Value { return reflect.ValueOf(DefaultSkillTarget()) },
	reflect.TypeFor[Campaign]():    func() reflect.Value { return reflect.ValueOf(DefaultCampaign()) },
}

// decoder sets a Go value from a YAML node tree, reporting every unknown key
// and badly typed value with its line. It follows yaml's rules: a value decodes onto what is
// there (the defaults), null leaves a scalar or struct alone and empties a
// list, map or pointer, and keys a mapping sets win over merged (<<) ones.
type decoder struct {
	*report
	expanding   map[*yaml.Node]bool // anchors being expanded, to stop self-referencing aliases
	inAlias     int                 // > 0 while walking a node reached through an alias
	aliasLimit  int                 // nodes that may be visited through aliases
	aliasBudget int                 // ... and that still may
	// broken is set by a problem that leaves the decoded Config too unlike
	// the file to validate (a value of the wrong kind), as opposed to an
	// unknown key or an empty list item.
	broken bool
}

// minAliasBudget lets a small file use aliases freely; a larger one may
// visit as many nodes through aliases as it has bytes.
const minAliasBudget = 100_000

// bad reports a value that could not be decoded.
func (d *decoder) bad(line int, path, msg string) {
	d.broken = true
	d.addAt(line, path, msg)
}

// spend counts one node visited through an alias against the budget and
// says whether the walk may go on.
func (d *decoder) spend(n *yaml.Node, path string) bool {
	if d.inAlias == 0 {
		return true
	}
	if d.aliasBudget--; d.aliasBudget == -1 {
		d.bad(n.Line, path, fmt.Sprintf("aliases expand the document beyond %d values", d.aliasLimit))
	}
	return d.aliasBudget >= 0
}

func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	if !d.spend(n, path) {
		return
	}
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return
		}
		n = n.Content[0]
	}
	n, done := d.deref(n, path)
	if n == nil {
		return
	}
	defer done()
	if isNull(n) {
		switch v.Kind() {
		case reflect.Pointer, reflect.Map, reflect.Slice:
			v.SetZero()
		}
		return
	}
	if v.Type() == flowNodeType {
		d.flowNode(n, v, path)
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.decode(n, v.Elem(), path)
	case reflect.Struct:
		fields := fieldsByName(v.Type())
		d.mapping(n, path, func(key, val *yaml.Node) {
			i, ok := fields[key.Value]
			if !ok {
				d.addAt(key.Line, joinPath(path, key.Value), unknownKey(key.Value, fieldNames(v.Type())))
				return
			}
			d.decode(val, v.Field(i), joinPath(path, key.Value))
		})
	case reflect.Map:
		if n.Kind == yaml.MappingNode && v.IsNil() {
			v.Set(reflect.MakeMapWithSize(v.Type(), len(n.Content)/2))
		}
		elem := reflect.New(v.Type().Elem()).Elem()
		d.mapping(n, path, func(key, val *yaml.Node) {
			elem.SetZero()
			d.decode(val, elem, joinPath(path, key.Value))
			k := key.Value
			if isNull(key) {
				k = ""
			}
			v.SetMapIndex(reflect.ValueOf(k).Convert(v.Type().Key()), elem)
		})
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.bad(n.Line, path, fmt.Sprintf("want a list, got %s", describe(n)))
			return
		}
		list := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		fresh := listDefaults[v.Type().Elem()]
		for i, item := range n.Content {
			if fresh != nil {
				list.Index(i).Set(fresh())
			}
			p := indexPath(path, i)
			if isNull(item) {
				d.addAt(item.Line, p, "empty list item")
				continue
			}
			d.decode(item, list.Index(i), p)
		}
		v.Set(list)
	default:
		d.scalar(n, v, path)
	}
}

// deref follows an alias, unless it refers to a node still being expanded
// (then it reports the loop and returns nil). done ends the expansion.
func (d *decoder) deref(n *yaml.Node, path string) (target *yaml.Node, done func()) {
	if n.Kind != yaml.AliasNode {
		return n, func() {}
	}
	if d.expanding[n.Alias] {
		d.bad(n.Line, path, fmt.Sprintf("alias *%s refers to itself", n.Value))
		return nil, nil
	}
	d.expanding[n.Alias] = true
	d.inAlias++
	return n.Alias, func() {
		d.inAlias--
		delete(d.expanding, n.Alias)
	}
}

// mapping calls each for every key of a mapping node, then for the keys that
// merge keys (<<) bring in and the mapping does not set itself, reporting
// duplicate and non-scalar keys.
func (d *decoder) mapping(n *yaml.Node, path string, each func(key, val *yaml.Node)) {
	d.mappingOnce(n, path, map[string]bool{}, each)
}

func (d *decoder) mappingOnce(n *yaml.Node, path string, set map[string]bool, each func(key, val *yaml.Node)) {
	if n.Kind != yaml.MappingNode {
		d.bad(n.Line, path, fmt.Sprintf("want a mapping of key: value, got %s", describe(n)))
		return
	}
	var merges []*yaml.Node
	lines := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		if !d.spend(key, path) {
			return // a key merged again and again costs as much as a value
		}
		if key.Kind != yaml.ScalarNode {
			d.bad(key.Line, path, fmt.Sprintf("want a plain key, got %s", describe(key)))
			continue
		}
		if key.Tag == "!!merge" {
			merges = append(merges, val)
			continue
		}
		if first, dup := lines[key.Value]; dup {
			d.bad(key.Line, joinPath(path, key.Value), fmt.Sprintf("key %q already set on line %d", key.Value, first))
			continue
		}
		lines[key.Value] = key.Line
		if set[key.Value] {
			continue // set by the mapping that merges this one
		}
		set[key.Value] = true
		each(key, val)
	}
	for _, m := range merges {
		d.merge(m, path, set, each)
	}
}

// merge walks the mapping(s) a merge key brings in; of a list of them, the
// first to set a key wins.
func (d *decoder) merge(val *yaml.Node, path string, set map[string]bool, each func(key, val *yaml.Node)) {
	val, done := d.deref(val, path)
	if val == nil {
		return
	}
	defer done()
	if val.Kind == yaml.SequenceNode {
		for _, m := range val.Content {
			d.merge(m, path, set, each)
		}
		return
	}
	d.mappingOnce(val, path, set, each)
}

// scalar sets v from a single value, the common cases without yaml's
// decoder, the rest through it.
func (d *decoder) scalar(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.ScalarNode {
		d.bad(n.Line, path, fmt.Sprintf("want %s, got %s", kindWord(v.Type()), describe(n)))
		return
	}
	plain := n.Style&^yaml.TaggedStyle == 0
	switch {
	case v.Type() == durationType:
		if msg := durationProblem(n.Value); msg != "" {
			d.bad(n.Line, path, msg)
			return
		}
		dur, _ := time.ParseDuration(n.Value)
		v.SetInt(int64(dur))
		return
	case v.Kind() == reflect.String && n.Tag == "!!binary":
		// Decoded, its bytes would pass by the text rules below (an escape
		// sequence, a direction override, bytes that are no UTF-8).
		d.bad(n.Line, path, "a binary value (!!binary) where text is wanted; write the text itself")
		return
	case v.Kind() == reflect.String:
		// A name or prompt text is shown and logged as typed: no direction
		// override or invisible character (the API's rule).
		if err := textcheck.Check(n.Value); err != nil {
			d.bad(n.Line, path, err.Error())
			return
		}
		v.SetString(n.Value) // any other scalar reads as text
		return
	case v.CanInt() && n.Tag == "!!int" && plain && isDecimal(n.Value):
		if i, err := strconv.ParseInt(n.Value, 10, v.Type().Bits()); err == nil {
			v.SetInt(i)
			return
		}
	case (v.CanInt() || v.CanUint()) && (n.Tag == "!!int" || n.Tag == "!!float") && !isDecimal(n.Value):
		// yaml would cut 1.5 to 1 and read 010 as 8, and 0x10, 0b11,
		// 0o17 or 1_000 in their bases: a count is written as a whole
		// decimal number.
		d.bad(n.Line, path, fmt.Sprintf("want a whole number in decimal digits without leading zeros (e.g. 12), got %q", n.Value))
		return
	case v.Kind() == reflect.Bool && n.Tag == "!!bool" && (n.Value == "true" || n.Value == "false"):
		v.SetBool(n.Value == "true")
		return
	}
	ptr := reflect.New(v.Type())
	if err := n.Decode(ptr.Interface()); err != nil {
		d.bad(n.Line, path, fmt.Sprintf("want %s, got %q", kindWord(v.Type()), n.Value))
		return
	}
	v.Set(ptr.Elem())
}

// isDecimal reports a plain base-10 integer without leading zeros (yaml
// would read 010 as octal).
func isDecimal(s string) bool {
	if s != "" && (s[0] == '-' || s[0] == '+') {
		s = s[1:]
	}
	if s == "" || (len(s) > 1 && s[0] == '0') {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
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
	i, ok := fieldsByName(t)[key]
	if !ok {
		return reflect.StructField{}, false
	}
	return t.Field(i), true
}

// fieldIndex caches, per struct type, each YAML key's field index.
var fieldIndex sync.Map // reflect.Type → map[string]int

func fieldsByName(t reflect.Type) map[string]int {
	if m, ok := fieldIndex.Load(t); ok {
		return m.(map[string]int)
	}
	m := map[string]int{}
	for f := range fieldsOf(t) {
		m[yamlName(f)] = f.Index[0]
	}
	fieldIndex.Store(t, m)
	return m
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
