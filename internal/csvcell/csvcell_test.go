package csvcell

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestEscape(t *testing.T) {
	for _, tc := range []struct{ in, out string }{
		{"", ""}, {"Ann Lee", "Ann Lee"}, {"O'Neil", "O'Neil"}, {"'Tis", "'Tis"}, {"'", "'"}, {"''", "''"},
		{"=SUM(1)", "'=SUM(1)"}, {"+33612345678", "'+33612345678"}, {"-5", "'-5"}, {"@cmd", "'@cmd"},
		{"\tx", "'\tx"}, {"\rx", "'\rx"}, {"=", "'="},
		{"'=SUM(1)", "''=SUM(1)"}, {"''+1", "'''+1"}, {"'x=1", "'x=1"}, {" =1", " =1"},
	} {
		if got := Escape(tc.in); got != tc.out {
			t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.out)
		}
		if got := Unescape(tc.out); got != tc.in {
			t.Errorf("Unescape(%q) = %q, want %q", tc.out, got, tc.in)
		}
	}
}

// checkCellRoundTrip fails when s does not come back from its cell, or the
// cell would run as a formula.
func checkCellRoundTrip(t *testing.T, s string) {
	t.Helper()
	cell := Escape(s)
	if IsFormula(cell) {
		t.Errorf("Escape(%q) = %q starts a formula", s, cell)
	}
	if back := Unescape(cell); back != s {
		t.Errorf("Unescape(Escape(%q)) = %q", s, back)
	}
}

// Every string comes back from its cell: random strings over an alphabet
// that makes apostrophes and formula characters meet often.
func TestCellRoundTripRandom(t *testing.T) {
	alphabet := []string{"'", "'", "=", "+", "-", "@", "\t", "\r", "a", " ", "é", "\n", "\""}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200_000 {
		var b strings.Builder
		for range r.IntN(7) {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		checkCellRoundTrip(t, b.String())
	}
}

func FuzzCellRoundTrip(f *testing.F) {
	for _, s := range []string{"", "=1", "'=1", "''@", "'", "O'Neil", "+33 6 12 34 56 78", "\t", "-"} {
		f.Add(s)
	}
	f.Fuzz(checkCellRoundTrip)
}

func TestCheck(t *testing.T) {
	if err := Check([]byte("a,'=b\n1,x\n")); err != nil {
		t.Errorf("clean file: %v", err)
	}
	err := Check([]byte("a,b\n\"=1\",x,@y\n"))
	if err == nil || !strings.Contains(err.Error(), `row 2 column 1: "=1"`) || !strings.Contains(err.Error(), `row 2 column 3: "@y"`) {
		t.Errorf("two formula cells: %v", err)
	}
	if err := Check([]byte("a,\"b\n")); err == nil {
		t.Error("a file that is not CSV passed")
	}
}
