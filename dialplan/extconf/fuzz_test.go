package extconf_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotline-cc/hotline/dialplan/extconf"
)

func addCorpusSeeds(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(corpus, "*", "*.conf"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("[a](!)\n[b](a,+)\nexten => _[,n(,Goto(\n;--\n"))
}

// FuzzParse: no panics; every statement and problem points at a line of the
// input; building and dumping never fail; dumping is deterministic.
func FuzzParse(f *testing.F) {
	addCorpusSeeds(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		file := extconf.Parse("f.conf", src)
		lines := strings.Count(string(src), "\n") + 1
		for _, s := range file.Stmts {
			if l := s.Position().Line; l < 1 || l > lines {
				t.Fatalf("statement at line %d of %d", l, lines)
			}
		}
		for _, p := range file.Problems {
			if p.Line < 1 || p.Line > lines {
				t.Fatalf("problem at line %d of %d: %v", p.Line, lines, p)
			}
		}
		d := extconf.Build(file)
		var a, b bytes.Buffer
		d.Dump(&a)
		extconf.Build(extconf.Parse("f.conf", src)).Dump(&b)
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Fatal("dump is not deterministic")
		}
		for _, c := range d.Contexts {
			for _, e := range c.Extensions {
				d.Candidates(c.Name, e.Name, "")
			}
		}
	})
}

// FuzzMatch: Match and Compare never panic; Compare is antisymmetric; a
// plain extension always matches itself.
func FuzzMatch(f *testing.F) {
	f.Add("_NXX.", "2125551234")
	f.Add("_[1-3]!", "")
	f.Add("_[", "[")
	f.Add("555-1212", "5551212")
	f.Fuzz(func(t *testing.T, a, b string) {
		extconf.Match(a, b)
		ab, ba := extconf.Compare(a, b), extconf.Compare(b, a)
		if (ab < 0) != (ba > 0) || (ab == 0) != (ba == 0) {
			t.Fatalf("Compare(%q,%q)=%d but Compare(%q,%q)=%d", a, b, ab, b, a, ba)
		}
		if !extconf.IsPattern(a) && extconf.Match(a, a) != extconf.Matched {
			t.Fatalf("%q does not match itself", a)
		}
	})
}
