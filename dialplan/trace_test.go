package dialplan_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotline-cc/hotline/dialplan"
	"github.com/hotline-cc/hotline/dialplan/extconf"
	"github.com/hotline-cc/hotline/internal/golden"
)

func loadCorpus(t *testing.T, dir string) *extconf.Dialplan {
	t.Helper()
	d, err := extconf.Load(extconf.FS{FS: os.DirFS(filepath.Join(testdata, "asterisk", dir))}, "extensions.conf")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestTraceGolden prints `show` for the cases that exercise Asterisk's
// ordering and the path following.
func TestTraceGolden(t *testing.T) {
	cfg := testConfig()
	cases := []struct{ dir, context, number, caller string }{
		{"sample", "from-trunk", "5551230000", ""},   // Goto into an IVR
		{"sample", "from-trunk", "100", ""},          // through an include to Hotline
		{"sample", "from-trunk", "555-123-0001", ""}, // dashes; Goto to Hotline
		{"sample", "from-trunk", "5551230001", "5550000"},
		{"sample", "ivr-main", "2", ""},        // Gosub and Return, then Stasis
		{"sample", "from-internal", "100", ""}, // GotoIf both ways, a gap
		{"sample", "from-internal", "90114412345", ""},
		{"sample", "outbound", "90114412345", ""}, // a jump with variables
		{"sample", "from-internal", "305", ""},    // timed include
		{"order", "order", "5559999", ""},
		{"order", "later", "600", ""},
		{"order", "priority-mix", "42", ""},
		{"hotline", "from-trunk", "100", ""}, // own _X. shadows the include
		{"hotline", "from-trunk", "+15551230000", ""},
		{"sample", "nowhere", "1", ""},
	}
	var b bytes.Buffer
	for _, c := range cases {
		d := loadCorpus(t, c.dir)
		fmt.Fprintf(&b, "== %s %s@%s caller=%q\n", c.dir, c.number, c.context, c.caller)
		dialplan.WriteTrace(&b, dialplan.TraceAsterisk(d, c.context, c.number, c.caller, &cfg))
	}
	golden.Check(t, filepath.Join(testdata, "golden", "show-asterisk.txt"), b.Bytes())
}

func TestTraceEnds(t *testing.T) {
	cfg := testConfig()
	tests := []struct {
		dir, context, number string
		want                 []dialplan.EndKind
	}{
		{"sample", "from-trunk", "100", []dialplan.EndKind{dialplan.EndHotline}},
		{"sample", "ivr-main", "2", []dialplan.EndKind{dialplan.EndHotline}},
		{"sample", "from-internal", "100", []dialplan.EndKind{dialplan.EndHangup, dialplan.EndFallOff}},
		// own _X. wins over the included _9011.
		{"sample", "from-internal", "90114412345", []dialplan.EndKind{dialplan.EndHangup}},
		{"sample", "outbound", "90114412345", []dialplan.EndKind{dialplan.EndDynamic}},
		{"sample", "ivr-main", "t", []dialplan.EndKind{dialplan.EndFallOff}},
		{"hotline", "from-trunk", "100", []dialplan.EndKind{dialplan.EndHangup}},
		{"hotline", "hotline-entries", "100", []dialplan.EndKind{dialplan.EndHotline}},
		{"order", "order", "nothing", []dialplan.EndKind{dialplan.EndNoMatch}},
	}
	for _, tt := range tests {
		tr := dialplan.TraceAsterisk(loadCorpus(t, tt.dir), tt.context, tt.number, "", &cfg)
		var got []dialplan.EndKind
		for _, e := range tr.Ends() {
			got = append(got, e.End)
		}
		if strings.Join(kinds(got), ",") != strings.Join(kinds(tt.want), ",") {
			t.Errorf("%s %s@%s: ends %v, want %v", tt.dir, tt.number, tt.context, got, tt.want)
		}
	}
}

func TestTraceStopsLoops(t *testing.T) {
	src := "[loop]\nexten => 1,1,NoOp()\n same => n,Goto(2,1)\nexten => 2,1,Goto(loop,1,1)\n"
	d := extconf.Build(extconf.Parse("loop.conf", []byte(src)))
	tr := dialplan.TraceAsterisk(d, "loop", "1", "", nil)
	ends := tr.Ends()
	if len(ends) != 1 || ends[0].End != dialplan.EndLoop {
		t.Fatalf("ends %+v", ends)
	}
}

func kinds(ks []dialplan.EndKind) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = string(k)
	}
	return out
}
