package config

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Editing a config file item by item (the web desk's admin pages) works on
// the file's text: the edited item's lines are replaced and every other byte
// stays as written, comments, blank lines and alignment included. Encoding
// the whole node tree again would move comments and drop blank lines all
// over a file people maintain by hand.

// Errors of item editing.
var (
	ErrUnknownSection = errors.New("config: not an editable section")
	ErrNoItem         = errors.New("config: no such item")
	ErrBadItem        = errors.New("config: bad item")
	ErrNotEditable    = errors.New("config: the file cannot be edited in place here")
)

// Sections are the parts of a config file edited item by item, each with the
// field that names an item; flows are a mapping from name to flow, so their
// key names them.
var Sections = map[string]string{
	"agents": "id", "queues": "name", "entries": "number", "menus": "name", "campaigns": "name", "teams": "name", "flows": "",
}

// SectionNames lists Sections in the order a page shows them.
var SectionNames = []string{"agents", "queues", "teams", "entries", "menus", "flows", "campaigns"}

// Item is one item of a section: its name and its text as written in the
// file (dedented, without the list dash or the flow's key).
type Item struct {
	Name string `json:"name"`
	YAML string `json:"yaml"`
	// Fields are YAML's settings by key, for a form (see ItemFields);
	// filled by the caller that needs them.
	Fields map[string]any `json:"fields,omitempty"`
}

// span is where an item sits in the file: lines [start, end) (0-based), the
// line and column its text starts at (a flow's body may start below its
// key), and the column of its list dash or key.
type span struct {
	name             string
	start, end, body int
	col, lead        int
}

// collection finds section in the file: its node and the spans of its items.
type collection struct {
	lines   []string
	key     *yaml.Node // the section's key in the root mapping; nil when absent
	node    *yaml.Node // its value
	items   []span
	endLine int // the line after the section's last item (0-based)
}

func splitLines(data []byte) []string {
	s := string(data)
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

func findCollection(data []byte, section string) (*collection, error) {
	field, ok := Sections[section]
	if !ok {
		return nil, fmt.Errorf("%w %q; known: %s", ErrUnknownSection, section, strings.Join(SectionNames, ", "))
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%w: the file does not parse: %v", ErrNotEditable, err)
	}
	c := &collection{lines: splitLines(data), endLine: len(splitLines(data))}
	if len(root.Content) == 0 {
		return c, nil
	}
	doc := root.Content[0]
	if doc.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%w: the file is not a mapping of settings", ErrNotEditable)
	}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		if doc.Content[i].Value != section {
			continue
		}
		c.key, c.node = doc.Content[i], doc.Content[i+1]
		if i+2 < len(doc.Content) {
			c.endLine = doc.Content[i+2].Line - 1
		}
	}
	if c.node == nil || isNull(c.node) {
		return c, nil
	}
	if c.node.Style&yaml.FlowStyle != 0 {
		if len(c.node.Content) > 0 {
			return nil, fmt.Errorf("%w: %s (line %d) is written in flow style ([...] or {...}); write it as a block to edit it here",
				ErrNotEditable, section, c.key.Line)
		}
		return c, nil
	}
	want := yaml.SequenceNode
	if field == "" {
		want = yaml.MappingNode
	}
	if c.node.Kind != want {
		return nil, fmt.Errorf("%w: %s (line %d) is not a %s", ErrNotEditable, section, c.key.Line,
			map[yaml.Kind]string{yaml.SequenceNode: "list", yaml.MappingNode: "mapping"}[want])
	}
	var starts []span
	if field == "" {
		for i := 0; i+1 < len(c.node.Content); i += 2 {
			k, v := c.node.Content[i], c.node.Content[i+1]
			// The body starts below the key, or after it ("name: {...}").
			starts = append(starts, span{name: k.Value, start: k.Line - 1, body: v.Line - 1, lead: k.Column - 1, col: v.Column - 1})
		}
	} else {
		for _, it := range c.node.Content {
			line := it.Line - 1
			dash := strings.LastIndex(c.lines[line][:min(it.Column-1, len(c.lines[line]))], "-")
			if dash < 0 {
				return nil, fmt.Errorf("%w: %s item on line %d does not start on its dash's line", ErrNotEditable, section, it.Line)
			}
			starts = append(starts, span{name: itemName(it, field), start: line, body: line, lead: dash, col: it.Column - 1})
		}
	}
	for i := range starts {
		next := c.endLine
		if i+1 < len(starts) {
			next = starts[i+1].start
			next = headStart(c.lines, next, starts[i+1].lead, starts[i].start+1)
		}
		starts[i].end = trimTail(c.lines, starts[i].body+1, next)
	}
	c.items = starts
	if len(starts) > 0 {
		c.endLine = starts[len(starts)-1].end
	}
	return c, nil
}

// itemName is the value of field in a list item.
func itemName(it *yaml.Node, field string) string {
	if it.Kind != yaml.MappingNode {
		return ""
	}
	for i := 0; i+1 < len(it.Content); i += 2 {
		if it.Content[i].Value == field {
			return it.Content[i+1].Value
		}
	}
	return ""
}

func blankOrComment(l string) bool {
	s := strings.TrimSpace(l)
	return s == "" || strings.HasPrefix(s, "#")
}

// trimTail is end with blank and comment lines before it given back to what
// follows, but never before from.
func trimTail(lines []string, from, end int) int {
	for end > from && blankOrComment(lines[end-1]) {
		end--
	}
	return end
}

// headStart is the first of the comment lines right above line (no blank
// between) indented at least lead: the item's own heading comment.
func headStart(lines []string, line, lead, floor int) int {
	for line > floor {
		l := lines[line-1]
		s := strings.TrimLeft(l, " ")
		if !strings.HasPrefix(s, "#") || len(l)-len(s) < lead {
			break
		}
		line--
	}
	return line
}

func (c *collection) find(name string) (int, bool) {
	for i, sp := range c.items {
		if sp.name == name {
			return i, true
		}
	}
	return -1, false
}

// text is the item's lines dedented to its own column.
func (c *collection) text(sp span) string {
	var b strings.Builder
	for i := sp.body; i < sp.end; i++ {
		l := c.lines[i]
		if i == sp.body {
			l = l[min(sp.col, len(l)):]
		} else {
			l = dedent(l, sp.col)
		}
		b.WriteString(l)
	}
	s := b.String()
	if !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	return s
}

// dedent removes up to n leading spaces.
func dedent(l string, n int) string {
	i := 0
	for i < n && i < len(l) && l[i] == ' ' {
		i++
	}
	return l[i:]
}

// Items lists section's items as written in the file, in file order.
func Items(data []byte, section string) ([]Item, error) {
	c, err := findCollection(data, section)
	if err != nil {
		return nil, err
	}
	items := make([]Item, 0, len(c.items))
	for _, sp := range c.items {
		items = append(items, Item{Name: sp.name, YAML: c.text(sp)})
	}
	return items, nil
}

// SetItem puts text (one item in YAML: a list item's mapping, or a flow's
// body) into section in place of the item called name, or after the last
// item when name is "" or not there. It returns the new file and the item's
// name as text gives it. Only the item's lines change. The result is not
// validated: parse it with [Parse] and [Config.Validate].
func SetItem(data []byte, section, name, text string) ([]byte, string, error) {
	c, err := findCollection(data, section)
	if err != nil {
		return nil, "", err
	}
	newName, err := checkItem(section, name, text)
	if err != nil {
		return nil, "", err
	}
	if i, ok := c.find(newName); ok && newName != name {
		return nil, "", fmt.Errorf("%w: %s already has %q (line %d)", ErrBadItem, section, newName, c.items[i].start+1)
	}
	if i, ok := c.find(name); ok && name != "" {
		sp := c.items[i]
		return c.splice(sp.start, sp.end, render(section, newName, text, sp.lead)), newName, nil
	}
	if c.node == nil || isNull(c.node) || len(c.node.Content) == 0 {
		return c.addSection(section, newName, text), newName, nil
	}
	last := c.items[len(c.items)-1]
	return c.splice(last.end, last.end, render(section, newName, text, last.lead)), newName, nil
}

// DeleteItem removes the item called name, with its heading comment, from section.
func DeleteItem(data []byte, section, name string) ([]byte, error) {
	c, err := findCollection(data, section)
	if err != nil {
		return nil, err
	}
	i, ok := c.find(name)
	if !ok {
		return nil, fmt.Errorf("%w: %s has no %q", ErrNoItem, section, name)
	}
	sp := c.items[i]
	return c.splice(headStart(c.lines, sp.start, sp.lead, 0), sp.end, nil), nil
}

// checkItem parses text as one item of section and returns its name.
func checkItem(section, name, text string) (string, error) {
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(text), &n); err != nil {
		return "", fmt.Errorf("%w: %v", ErrBadItem, err)
	}
	if len(n.Content) == 0 || n.Content[0].Kind != yaml.MappingNode {
		return "", fmt.Errorf("%w: an item of %s is a mapping of settings (key: value lines)", ErrBadItem, section)
	}
	field := Sections[section]
	if field == "" {
		if name == "" {
			return "", fmt.Errorf("%w: a flow needs a name", ErrBadItem)
		}
		if err := checkFlowName(name); err != nil {
			return "", err
		}
		return name, nil
	}
	got := itemName(n.Content[0], field)
	if strings.TrimSpace(got) == "" {
		return "", fmt.Errorf("%w: the item has no %s", ErrBadItem, field)
	}
	return got, nil
}

// checkFlowName refuses a flow name that would not stay a plain YAML key.
func checkFlowName(name string) error {
	if strings.ContainsAny(name, ":#{}[],&*!|>'\"%@`\n") || strings.TrimSpace(name) != name {
		return fmt.Errorf("%w: flow name %q: use letters, digits, '-', '_' or '.'", ErrBadItem, name)
	}
	return nil
}

// render writes an item's lines at indent lead: a list item after its dash,
// a flow under its key.
func render(section, name, text string, lead int) []string {
	pad := strings.Repeat(" ", lead)
	body := splitLines([]byte(strings.TrimRight(text, "\n") + "\n"))
	var out []string
	if Sections[section] == "" {
		out = append(out, pad+name+":\n")
		for _, l := range body {
			out = append(out, indentLine(l, pad+"  "))
		}
		return out
	}
	for i, l := range body {
		if i == 0 {
			out = append(out, pad+"- "+l)
			continue
		}
		out = append(out, indentLine(l, pad+"  "))
	}
	return out
}

func indentLine(l, pad string) string {
	if strings.TrimSpace(l) == "" {
		return "\n"
	}
	return pad + l
}

func (c *collection) splice(from, to int, with []string) []byte {
	var b bytes.Buffer
	for _, l := range c.lines[:from] {
		b.WriteString(l)
	}
	if from > 0 && !strings.HasSuffix(c.lines[from-1], "\n") {
		b.WriteString("\n")
	}
	for _, l := range with {
		b.WriteString(l)
	}
	for _, l := range c.lines[to:] {
		b.WriteString(l)
	}
	return b.Bytes()
}

// addSection writes the first item of an empty or missing section: under
// its key (dropping an empty "[]" or "{}"), or as a new section at the end.
func (c *collection) addSection(section, name, text string) []byte {
	if c.key == nil {
		lines := append([]string{"\n", section + ":\n"}, render(section, name, text, 2)...)
		return c.splice(len(c.lines), len(c.lines), lines)
	}
	line := c.key.Line - 1
	l := c.lines[line]
	head := l[:min(c.key.Column-1+len(section)+1, len(l))] // "section:"
	rest := strings.TrimLeft(l[len(head):], " ")
	rest = strings.TrimPrefix(strings.TrimPrefix(rest, "[]"), "{}")
	rest = strings.TrimPrefix(rest, "~")
	rest = strings.TrimPrefix(rest, "null")
	if rest = strings.TrimSpace(rest); rest != "" {
		rest = " " + rest
	}
	lines := append([]string{head + rest + "\n"}, render(section, name, text, c.key.Column-1+2)...)
	return c.splice(line, line+1, lines)
}

// KnownSection reports whether section is edited item by item.
func KnownSection(section string) bool { return slices.Contains(SectionNames, section) }
