package campaign

import (
	"bytes"
	"encoding/csv"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestEscapeCell(t *testing.T) {
	for _, tc := range []struct{ in, out string }{
		{"", ""}, {"Ann Lee", "Ann Lee"}, {"O'Neil", "O'Neil"}, {"'Tis", "'Tis"}, {"'", "'"}, {"''", "''"},
		{"=SUM(1)", "'=SUM(1)"}, {"+33612345678", "'+33612345678"}, {"-5", "'-5"}, {"@cmd", "'@cmd"},
		{"\tx", "'\tx"}, {"\rx", "'\rx"}, {"=", "'="},
		{"'=SUM(1)", "''=SUM(1)"}, {"''+1", "'''+1"}, {"'x=1", "'x=1"}, {" =1", " =1"},
	} {
		if got := EscapeCell(tc.in); got != tc.out {
			t.Errorf("EscapeCell(%q) = %q, want %q", tc.in, got, tc.out)
		}
		if got := UnescapeCell(tc.out); got != tc.in {
			t.Errorf("UnescapeCell(%q) = %q, want %q", tc.out, got, tc.in)
		}
	}
}

// checkCellRoundTrip fails when s does not come back from its cell, or the
// cell would run as a formula.
func checkCellRoundTrip(t *testing.T, s string) {
	t.Helper()
	cell := EscapeCell(s)
	if cell != "" && formulaStart(cell[0]) {
		t.Errorf("EscapeCell(%q) = %q starts a formula", s, cell)
	}
	if back := UnescapeCell(cell); back != s {
		t.Errorf("UnescapeCell(EscapeCell(%q)) = %q", s, back)
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

// An exported list imported again gives back its leads' values, formula
// characters and all, and none of its cells runs in a spreadsheet.
func TestExportImportRoundTrip(t *testing.T) {
	leads := []Lead{
		{ID: "c-1", Campaign: "c", Phone: "+33612345678", Name: "=SUM(1)", Fields: map[string]string{"note": "@home", "code": "-12"}},
		{ID: "c-2", Campaign: "c", Phone: "+442079460958", Name: "'=HYPERLINK(\"x\")", Fields: map[string]string{"note": "'Tis"}},
		{ID: "c-3", Campaign: "c", Phone: "+12125550187", Name: "O'Neil", Fields: map[string]string{"=x": "+1"}},
	}
	var buf bytes.Buffer
	err := WriteCSV(&buf, func(fn func(Lead) bool) error {
		for _, l := range leads {
			fn(l)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(buf.Bytes())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for i, rec := range recs {
		for j, cell := range rec {
			if cell != "" && formulaStart(cell[0]) {
				t.Errorf("row %d cell %d %q starts a formula", i+1, j+1, cell)
			}
		}
	}
	res, err := ImportCSV(&buf, ImportOptions{Campaign: "c", Region: "US"}, nil)
	if err != nil || len(res.Errors) > 0 || len(res.Leads) != len(leads) {
		t.Fatalf("import of the export: %+v %v\n%s", res, err, buf.String())
	}
	for i, got := range res.Leads {
		want := leads[i]
		if got.Phone != want.Phone || got.Name != want.Name {
			t.Errorf("lead %d: phone %q name %q, want %q %q", i+1, got.Phone, got.Name, want.Phone, want.Name)
		}
		for k, v := range want.Fields {
			if got.Fields[k] != v {
				t.Errorf("lead %d field %q: %q, want %q", i+1, k, got.Fields[k], v)
			}
		}
	}
}
