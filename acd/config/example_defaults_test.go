package config

import (
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// defaultNote is a "Default X" note in the example's comments: X up to a
// full stop, a comma, a semicolon, an opening parenthesis or the comment's
// end.
var defaultNote = regexp.MustCompile(`Default ([^;(,]*?)(?:\.\s|\.$|,|;|\s\(|$)`)

// TestExampleDefaultsAreTrue takes out, one at a time, each setting the
// example file says the default of ("busy: 2m  # ... Default 30m"), loads
// the rest, and checks that the setting then holds that default. A setting
// left at its zero value after loading (defaulted where it is used) must
// say a zero default.
func TestExampleDefaultsAreTrue(t *testing.T) {
	c, err := Load(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(c.src.data, &root); err != nil {
		t.Fatal(err)
	}
	checked := 0
	var walk func(n *yaml.Node, path string, steps []step)
	walk = func(n *yaml.Node, path string, steps []step) {
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				p := joinPath(path, k.Value)
				s := append(steps[:len(steps):len(steps)], step{key: k.Value})
				if v.Kind == yaml.ScalarNode {
					if m := defaultNote.FindStringSubmatch(k.LineComment + " " + v.LineComment); m != nil {
						checked++
						checkDefault(t, &root, n, i, p, s, strings.TrimSpace(m[1]))
					}
				}
				walk(v, p, s)
			}
		case yaml.SequenceNode:
			for i, item := range n.Content {
				walk(item, indexPath(path, i), append(steps[:len(steps):len(steps)], step{index: i, list: true}))
			}
		}
	}
	walk(root.Content[0], "", nil)
	t.Logf("%d defaults checked", checked)
	if checked < 60 {
		t.Errorf("checked %d defaults; the example says more", checked)
	}
}

type step struct {
	key   string
	index int
	list  bool
}

// checkDefault loads the example without the i-th key of mapping m and
// checks the value at steps against want.
func checkDefault(t *testing.T, root, m *yaml.Node, i int, path string, steps []step, want string) {
	t.Helper()
	saved := m.Content
	m.Content = append(append([]*yaml.Node{}, saved[:i]...), saved[i+2:]...)
	data, err := yaml.Marshal(root)
	m.Content = saved
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Parse(data, "example without "+path)
	if err != nil {
		t.Errorf("%s: the example without it does not load: %v", path, err)
		return
	}
	v := reflect.ValueOf(cfg)
	for _, s := range steps {
		v = field(v, s)
		if !v.IsValid() {
			t.Errorf("%s: no such setting in the config's structs", path)
			return
		}
	}
	if ref, ok := setting(cfg, want); ok {
		// "Default speech.listen_silence": that setting's value, copied
		// at load or taken where it is used (zero until then).
		if !v.IsZero() && !v.Equal(ref) {
			t.Errorf("%s: the example says Default %s (%v); left out, it is %v", path, want, ref.Interface(), v.Interface())
		}
		return
	}
	key := steps[len(steps)-1].key
	if v.IsZero() && usedDefaults[key] == want {
		return
	}
	if !sameDefault(v, want) {
		t.Errorf("%s: the example says Default %s; left out, it is %v", path, want, v.Interface())
	}
}

// usedDefaults are the settings left zero at load and defaulted where
// they are used, by name, with the default the code then takes.
var usedDefaults = map[string]string{
	"threshold": "0.5",   // acd/ivr: a question's least match score
	"listen":    "8s",    // acd/ivr.DefaultListen
	"fallback":  "next",  // acd/ivr: a question unanswered goes on as answered
	"answer":    "phone", // AnswerPhone: an agent's calls ring the phone
}

// setting is the value of the setting at a dotted path ("speech.listen_silence").
func setting(cfg Config, path string) (reflect.Value, bool) {
	if !strings.Contains(path, ".") || strings.ContainsAny(path, " 0123456789") {
		return reflect.Value{}, false
	}
	v := reflect.ValueOf(cfg)
	for key := range strings.SplitSeq(path, ".") {
		if v = field(v, step{key: key}); !v.IsValid() {
			return reflect.Value{}, false
		}
	}
	return v, true
}

// field follows one step (a yaml key or a list index) into v.
func field(v reflect.Value, s step) reflect.Value {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return reflect.Value{}
		}
		v = v.Elem()
	}
	switch {
	case s.list && (v.Kind() == reflect.Slice || v.Kind() == reflect.Array):
		if s.index >= v.Len() {
			return reflect.Value{}
		}
		return v.Index(s.index)
	case v.Kind() == reflect.Map:
		return v.MapIndex(reflect.ValueOf(s.key))
	case v.Kind() == reflect.Struct:
		for i := range v.NumField() {
			f := v.Type().Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name == s.key {
				return v.Field(i)
			}
			if f.Anonymous && (name == "-" || strings.Contains(f.Tag.Get("yaml"), "inline")) {
				if inner := field(v.Field(i), s); inner.IsValid() {
					return inner
				}
			}
		}
	}
	return reflect.Value{}
}

// sameDefault says whether v holds the default the example writes as want.
func sameDefault(v reflect.Value, want string) bool {
	if u, err := strconv.Unquote(want); err == nil {
		want = u
	}
	if d, ok := v.Interface().(time.Duration); ok {
		w, err := time.ParseDuration(want)
		return err == nil && w == d || want == "0" && d == 0
	}
	switch v.Kind() {
	case reflect.Bool:
		b, err := strconv.ParseBool(want)
		return err == nil && b == v.Bool() || want == "off" && !v.Bool() || want == "on" && v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(want, 10, 64)
		return err == nil && n == v.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := strconv.ParseUint(want, 10, 64)
		return err == nil && n == v.Uint()
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(want, 64)
		return err == nil && f == v.Float()
	}
	return fmt.Sprint(v.Interface()) == want || want == "none" && v.IsZero()
}
