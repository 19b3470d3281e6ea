package fsxml_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hotline-cc/hotline/dialplan/fsxml"
	"github.com/hotline-cc/hotline/internal/golden"
)

const corpus = "../../testdata/dialplan/freeswitch"

type dirSource string

func (d dirSource) ReadFile(name string) ([]byte, error) {
	return os.ReadFile(filepath.Join(string(d), name))
}

func (d dirSource) Glob(pattern string) ([]string, error) {
	names, err := filepath.Glob(filepath.Join(string(d), pattern))
	for i := range names {
		names[i], _ = filepath.Rel(string(d), names[i])
	}
	return names, err
}

func load(t *testing.T, dir string) *fsxml.Dialplan {
	t.Helper()
	src := dirSource(filepath.Join(corpus, dir))
	roots, _ := src.Glob("dialplan/*.xml")
	d, err := fsxml.Load(src, roots...)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestCorpusGolden(t *testing.T) {
	for _, dir := range []string{"sample", "bad"} {
		d := load(t, dir)
		var b bytes.Buffer
		d.Dump(&b)
		b.WriteString("problems:\n")
		for _, p := range d.Problems {
			b.WriteString(p.String() + "\n")
		}
		golden.Check(t, filepath.Join(corpus, "..", "golden", "fsxml-"+dir+".txt"), b.Bytes())
	}
}

func TestRoute(t *testing.T) {
	d := load(t, "sample")
	tests := []struct {
		context, number string
		want            []string
	}{
		// unloop matches only by assumption, so the search goes on
		{"public", "100", []string{"unloop", "to-hotline"}},
		{"public", "+15551230000", []string{"unloop", "main-did"}},
		{"hotline", "200", []string{"hotline-entry-200"}},
		{"hotline", "555", []string{"fallback"}},
		{"hotline", "abc", nil},
		{"nowhere", "1", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, h := range d.Route(tt.context, tt.number) {
			got = append(got, h.Ext.Name)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("Route(%s, %s) = %v, want %v", tt.context, tt.number, got, tt.want)
		}
	}
	hits := d.Route("public", "200")
	if got := hits[len(hits)-1].Expand(hits[len(hits)-1].Actions[0].Data); got != "200 XML hotline" {
		t.Errorf("capture expansion: %q", got)
	}
}

func TestLines(t *testing.T) {
	src := "<include>\n  <context name=\"c\">\n\n    <extension name=\"e\">\n      <condition field=\"destination_number\" expression=\"^1$\">\n        <action application=\"answer\"/>\n"
	f := fsxml.Parse("l.xml", []byte(src+"      </condition>\n    </extension>\n  </context>\n</include>\n"))
	c := f.Contexts[0]
	e := c.Extensions[0]
	if c.At.Line != 2 || e.At.Line != 4 || e.Conditions[0].At.Line != 5 || e.Conditions[0].Actions[0].At.Line != 6 {
		t.Errorf("lines: context %d extension %d condition %d action %d", c.At.Line, e.At.Line, e.Conditions[0].At.Line, e.Conditions[0].Actions[0].At.Line)
	}
	bad := fsxml.Parse("b.xml", []byte(src))
	if len(bad.Problems) != 1 || bad.Problems[0].Code != "xml" {
		t.Errorf("unterminated document: %v", bad.Problems)
	}
}

// FuzzParse: no panics; lines stay inside the input; a parsed document
// dumps the same twice.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(corpus, "*", "dialplan", "*.xml"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`<include><extension><condition><action/><regex/></condition></extension><X-PRE-PROCESS cmd="include" data="*"/></include>`))
	f.Fuzz(func(t *testing.T, src []byte) {
		file := fsxml.Parse("f.xml", src)
		lines := strings.Count(string(src), "\n") + 1
		d := fsxml.Build(file)
		for _, c := range d.Contexts {
			if c.At.Line > lines {
				t.Fatalf("context at line %d of %d", c.At.Line, lines)
			}
			for _, e := range c.Extensions {
				if e.At.Line < 1 || e.At.Line > lines {
					t.Fatalf("extension at line %d of %d", e.At.Line, lines)
				}
				d.Route(c.Name, "100")
			}
		}
		var a, b bytes.Buffer
		d.Dump(&a)
		fsxml.Build(fsxml.Parse("f.xml", src)).Dump(&b)
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Fatal("dump not deterministic")
		}
	})
}
