package config

import (
	"bytes"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The admin pages' forms send an item as settings (JSON values by YAML
// key), not as YAML text. MergeFields writes them into the item's text:
// a setting the form sends replaces the one written, one it sends empty
// (null, "", [] or {}) is removed so its default applies, and every setting
// the form does not know stays as written, comments included. A setting
// whose value did not change keeps its text byte for byte.

// ItemFields is an item's text decoded as settings by key, for a form.
func ItemFields(text string) (map[string]any, error) {
	var m map[string]any
	if err := yaml.Unmarshal([]byte(text), &m); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadItem, err)
	}
	return jsonable(m).(map[string]any), nil
}

// AsWritten is v (a config type, such as []Agent) as the config file
// writes it, for the API: the file's keys (snake_case) and its values
// (durations as "15s"), in the types encoding/json writes.
func AsWritten(v any) (any, error) {
	b, err := yaml.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	if err := yaml.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	return jsonable(out), nil
}

// jsonable turns YAML's decoded values into ones encoding/json writes: maps
// keyed by anything become maps keyed by strings.
func jsonable(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = jsonable(e)
		}
		if x == nil {
			return map[string]any{}
		}
		return x
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[fmt.Sprint(k)] = jsonable(e)
		}
		return m
	case []any:
		for i, e := range x {
			x[i] = jsonable(e)
		}
	}
	return v
}

// MergeFields is text (one item of section, "" for a new one) with fields
// set as described above; keys are checked against the section's settings.
func MergeFields(section, text string, fields map[string]any) (string, error) {
	typ, ok := sectionType(section)
	if !ok {
		return "", fmt.Errorf("%w %q: only agents, queues, teams and campaigns are edited as forms", ErrUnknownSection, section)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		return "", fmt.Errorf("%w: %v", ErrBadItem, err)
	}
	var m *yaml.Node
	if len(doc.Content) == 0 || isNull(doc.Content[0]) {
		m = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		doc = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{m}}
	} else if m = doc.Content[0]; m.Kind != yaml.MappingNode {
		return "", fmt.Errorf("%w: an item of %s is a mapping of settings", ErrBadItem, section)
	}
	order := keyOrder(typ)
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		if !slices.Contains(order, k) {
			return "", fmt.Errorf("%w: %s has no setting %q; known: %s", ErrBadItem, section, k, strings.Join(order, ", "))
		}
	}
	changed := false
	for _, k := range order {
		v, sent := fields[k]
		if !sent {
			continue
		}
		v = plain(v)
		i := keyIndex(m, k)
		if empty(v) {
			if i >= 0 {
				m.Content = slices.Delete(m.Content, i, i+2)
				changed = true
			}
			continue
		}
		ft := fieldType(typ, k)
		val, err := toNode(v, ft)
		if err != nil {
			return "", fmt.Errorf("%w: %s: %v", ErrBadItem, k, err)
		}
		if i >= 0 && sameValue(m.Content[i+1], val, ft) {
			continue // unchanged: keep its text
		}
		changed = true
		if i >= 0 {
			old := m.Content[i+1]
			if old.Style&yaml.FlowStyle != 0 {
				flow(val)
			}
			val.LineComment, val.HeadComment, val.FootComment = old.LineComment, old.HeadComment, old.FootComment
			m.Content[i+1] = val
			continue
		}
		// A new setting goes before the first one written that the type
		// declares after it.
		at := len(m.Content)
		for j := 0; j+1 < len(m.Content); j += 2 {
			if o := slices.Index(order, m.Content[j].Value); o > slices.Index(order, k) {
				at = j
				break
			}
		}
		m.Content = slices.Insert(m.Content, at, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k}, val)
	}
	if !changed {
		return text, nil
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(m); err != nil {
		return "", fmt.Errorf("%w: %v", ErrBadItem, err)
	}
	enc.Close()
	return b.String(), nil
}

func keyIndex(m *yaml.Node, key string) int {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return i
		}
	}
	return -1
}

// plain is a JSON value with whole numbers as ints, so they are written
// (and compared) as the file's integers are.
func plain(v any) any {
	switch x := v.(type) {
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int(x)
		}
	case int64:
		return int(x)
	case uint64:
		return int(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = plain(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plain(e)
		}
		return out
	}
	return v
}

func empty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(x) == ""
	case map[string]any:
		for _, e := range x {
			if !empty(e) {
				return false
			}
		}
		return true // a form's group left blank
	case []any:
		return len(x) == 0
	}
	return false
}

// flow writes n and what it holds in flow style ([...], {...}), as the
// setting it replaces was written.
func flow(n *yaml.Node) {
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		n.Style |= yaml.FlowStyle
	}
	for _, c := range n.Content {
		flow(c)
	}
}

// FormSection reports whether section's items are edited as forms.
func FormSection(section string) bool {
	_, ok := sectionType(section)
	return ok
}

// sectionType is the type of an item of section edited as a form.
func sectionType(section string) (reflect.Type, bool) {
	switch section {
	case "agents":
		return reflect.TypeFor[Agent](), true
	case "queues":
		return reflect.TypeFor[Queue](), true
	case "campaigns":
		return reflect.TypeFor[Campaign](), true
	case "teams":
		return reflect.TypeFor[Team](), true
	}
	return nil, false
}

// keyOrder is a struct's YAML keys in declaration order (a new setting is
// written in that order); nil for other types.
func keyOrder(typ reflect.Type) []string {
	typ = structOf(typ)
	if typ == nil {
		return nil
	}
	return fieldNames(typ)
}

// structOf is the struct typ holds (through pointers and lists), nil if none.
func structOf(typ reflect.Type) reflect.Type {
	for typ != nil && (typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice) {
		typ = typ.Elem()
	}
	if typ == nil || typ.Kind() != reflect.Struct {
		return nil
	}
	return typ
}

// fieldType is the type of key's value in struct typ (through pointers and
// lists), nil when not known.
func fieldType(typ reflect.Type, key string) reflect.Type {
	if typ = structOf(typ); typ == nil {
		return nil
	}
	if f, ok := structField(typ, key); ok {
		return f.Type
	}
	return nil
}

// toNode encodes v, a form's value for a setting of type typ, with the keys
// of a mapping in the order typ declares them (others after, sorted) and
// empty ones left out.
func toNode(v any, typ reflect.Type) (*yaml.Node, error) {
	switch x := v.(type) {
	case map[string]any:
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		keys := slices.Sorted(maps.Keys(x))
		order := keyOrder(typ)
		slices.SortStableFunc(keys, func(a, b string) int {
			ia, ib := slices.Index(order, a), slices.Index(order, b)
			if ia < 0 {
				ia = len(order)
			}
			if ib < 0 {
				ib = len(order)
			}
			return ia - ib
		})
		for _, k := range keys {
			if empty(x[k]) {
				continue
			}
			et := fieldType(typ, k)
			if typ != nil && typ.Kind() == reflect.Map {
				et = typ.Elem()
			}
			c, err := toNode(x[k], et)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k}, c)
		}
		return n, nil
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		var et reflect.Type
		if typ != nil && typ.Kind() == reflect.Slice {
			et = typ.Elem()
		}
		for _, e := range x {
			c, err := toNode(e, et)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, c)
		}
		return n, nil
	}
	var n yaml.Node
	if err := n.Encode(v); err != nil {
		return nil, err
	}
	return &n, nil
}

// sameValue reports whether old and new say the same as typ reads them
// ({queue: a} and {queue: a, penalty: 0} do).
func sameValue(old, new *yaml.Node, typ reflect.Type) bool {
	if typ == nil {
		var a, b any
		return old.Decode(&a) == nil && new.Decode(&b) == nil && reflect.DeepEqual(plain(jsonable(a)), plain(jsonable(b)))
	}
	a, b := reflect.New(typ), reflect.New(typ)
	return old.Decode(a.Interface()) == nil && new.Decode(b.Interface()) == nil && reflect.DeepEqual(a.Elem().Interface(), b.Elem().Interface())
}
