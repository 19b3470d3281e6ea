package extconf_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hotline-cc/hotline/dialplan/extconf"
	"github.com/hotline-cc/hotline/internal/golden"
)

const corpus = "../../testdata/dialplan/asterisk"

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("../../testdata/dialplan/golden", name), got)
}

func TestCorpusGolden(t *testing.T) {
	dirs, err := os.ReadDir(corpus)
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range dirs {
		t.Run(dir.Name(), func(t *testing.T) {
			d, err := extconf.Load(extconf.FS{FS: os.DirFS(filepath.Join(corpus, dir.Name()))}, "extensions.conf")
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			for _, f := range d.Files {
				f.Dump(&b)
			}
			b.WriteString("\n")
			d.Dump(&b)
			b.WriteString("\nproblems:\n")
			for _, p := range d.Problems {
				fmt.Fprintln(&b, p)
			}
			checkGolden(t, "extconf-"+dir.Name()+".txt", b.Bytes())
		})
	}
}

func TestParseStatements(t *testing.T) {
	src := "[ctx](tmpl,+)\n" +
		"exten => _X.,n(lbl),Dial(PJSIP/${EXTEN},30) ; comment\n" +
		"exten = 100/_55X.,1+2,NoOp(a\\;b)\n" +
		"include => other|9:00-17:00\n" +
		"exten => 1,1,Set(X=${ODBC(a,b)})\n" +
		"exten => 2,hint,PJSIP/${X}(y)\n" +
		"#include <other.conf>\n"
	f := extconf.Parse("t.conf", []byte(src))
	var b bytes.Buffer
	f.Dump(&b)
	want := `file t.conf
   1  section [ctx] append inherit=tmpl
   2  exten _X. prio=next(lbl) app="Dial" data="PJSIP/${EXTEN},30"
   3  exten 100/_55X. prio=1+2 app="NoOp" data="a;b"
   4  include other timing="9:00-17:00"
   5  exten 1 prio=1 app="Set" data="X=${ODBC(a,b)}"
   6  exten 2 prio=hint app="PJSIP/${X}(y)" data=""
   7  #include "other.conf"
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	if len(f.Problems) != 0 {
		t.Errorf("unexpected problems: %v", f.Problems)
	}
}

func TestBlockCommentsAndEscapes(t *testing.T) {
	src := "[c]\n" +
		"exten => 1,1,NoOp(a) ;-- starts\n" +
		"exten => 2,1,NoOp(hidden)\n" +
		"ends --; exten => 3,1,NoOp(after)\n" +
		"exten => 4,1,NoOp(x;--;y)\n"
	f := extconf.Parse("c.conf", []byte(src))
	var names []string
	for _, s := range f.Stmts {
		if e, ok := s.(*extconf.Exten); ok {
			names = append(names, e.Ext+":"+e.Data)
		}
	}
	// line 5: ";--" opens a block comment that the next ";" cannot close
	// (it needs "--;" after the opener), so the line ends inside it.
	want := []string{"1:a", "3:after", "4:x"}
	if !slices.Equal(names, want) {
		t.Errorf("got %v, want %v", names, want)
	}
}

func TestSameAndNextNumbering(t *testing.T) {
	// pbx_config numbers "n" from the last priority of the section, even
	// across extensions; a new section starts over.
	src := "[a]\nexten => 1,5,NoOp()\nexten => 2,n,NoOp()\n same => n,NoOp()\n same => s,NoOp(dup)\n[a]\nexten => 3,n,NoOp()\n"
	d := extconf.Build(extconf.Parse("n.conf", []byte(src)))
	c := d.Context("A")
	if c == nil {
		t.Fatal("context names are case-insensitive")
	}
	got := map[string][]int{}
	for _, e := range c.Extensions {
		for _, p := range e.Priorities {
			got[e.Name] = append(got[e.Name], p.N)
		}
	}
	if !slices.Equal(got["1"], []int{5}) || !slices.Equal(got["2"], []int{6, 7}) {
		t.Errorf("priorities: %v", got)
	}
	codes := map[string]int{}
	for _, p := range d.Problems {
		codes[p.Code]++
	}
	if codes["dup-priority"] != 1 || codes["next-first"] != 1 {
		t.Errorf("problems: %v", d.Problems)
	}
}

func TestIncludeCycleAndGlob(t *testing.T) {
	fsys := fstest.MapFS{
		"etc/extensions.conf": {Data: []byte("#include \"conf.d/*.conf\"\n[main]\nexten => 1,1,NoOp()\n#include extensions.conf\n")},
		"etc/conf.d/a.conf":   {Data: []byte("[a]\nexten => 1,1,NoOp()\n")},
		"etc/conf.d/b.conf":   {Data: []byte("[b]\nexten => 1,1,NoOp()\n")},
	}
	d, err := extconf.Load(extconf.FS{FS: fsys}, "etc/extensions.conf")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range d.Contexts {
		names = append(names, c.Name)
	}
	if !slices.Equal(names, []string{"a", "b", "main"}) {
		t.Errorf("contexts %v", names)
	}
	var msgs []string
	for _, p := range d.Problems {
		msgs = append(msgs, p.String())
	}
	if !strings.Contains(strings.Join(msgs, "\n"), "includes itself") {
		t.Errorf("a file including itself is reported; got %v", msgs)
	}
}
