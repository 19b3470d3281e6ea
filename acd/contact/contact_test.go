package contact

import (
	"bytes"
	"encoding/csv"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/internal/csvcell"
)

func TestNormalize(t *testing.T) {
	c := Contact{Phones: []string{"(212) 555-0101", "+1 212 555 0101", " ", "+44 20 7946 0958"},
		Name: "  Alice ", Tags: []string{"VIP", " vip", "Gold"}, Email: "a@example.com", Language: " PT-br"}
	if err := c.Normalize("US"); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Phones, []string{"+12125550101", "+442079460958"}) {
		t.Errorf("phones %v", c.Phones)
	}
	if !reflect.DeepEqual(c.Tags, []string{"gold", "vip"}) || !c.HasTag("VIP") || c.HasTag("blocked") {
		t.Errorf("tags %v", c.Tags)
	}
	if c.Name != "Alice" || c.Language != "pt-BR" {
		t.Errorf("name %q, language %q", c.Name, c.Language)
	}

	bad := Contact{Phones: []string{"12", "+1555"}, Email: "nope", Language: "zzzz", Fields: map[string]string{"name": "x", "": "y"}}
	err := bad.Normalize("US")
	for _, want := range []string{`phone "12"`, `phone "+1555"`, `email "nope"`, `language "zzzz": not a language tag`, `field "name"`, `field ""`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %s", err, want)
		}
	}
	// Names and notes show as typed: no direction override or invisible
	// character; a Persian name's zero-width non-joiner is writing.
	spoof := Contact{Phones: []string{"+12125550101"}, Name: "Ann\u202eeiL", Notes: "ok\u200b", Tags: []string{"v\u2066ip"},
		Fields: map[string]string{"plan\ufeff": "gold"}}
	err = spoof.Normalize("US")
	for _, want := range []string{`name holds the direction control character U+202E at character 4`, `notes holds the invisible formatting character U+200B`,
		`tag "v\u2066ip" holds the direction control character U+2066`, `field name "plan\ufeff" holds the invisible formatting character U+FEFF`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %s", err, want)
		}
	}
	persian := Contact{Phones: []string{"+12125550101"}, Name: "می\u200cخواهم"}
	if err := persian.Normalize("US"); err != nil {
		t.Errorf("a Persian name: %v", err)
	}
	empty := Contact{Name: "x"}
	if err := empty.Normalize("US"); err == nil || !strings.Contains(err.Error(), ErrNoNumber.Error()) {
		t.Errorf("no number: %v", err)
	}
}

func TestMerge(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	keep := Contact{ID: 1, Phones: []string{"+12125550101"}, Name: "Alice", Tags: []string{"vip"},
		Fields: map[string]string{"plan": "gold"}, Notes: "called about billing", Created: t0.Add(time.Hour)}
	dup := Contact{ID: 2, Phones: []string{"+12125550102", "+12125550101"}, Name: "A. Smith", Company: "Acme",
		Tags: []string{"blocked"}, Fields: map[string]string{"plan": "silver", "account": "42"}, Notes: "prefers mornings", Created: t0}
	now := t0.Add(48 * time.Hour)
	got, err := Merge(keep, dup, now)
	if err != nil {
		t.Fatal(err)
	}
	want := Contact{ID: 1, Phones: []string{"+12125550101", "+12125550102"}, Name: "Alice", Company: "Acme",
		Tags: []string{"blocked", "vip"}, Fields: map[string]string{"plan": "gold", "account": "42"},
		Notes: "called about billing\nprefers mornings", Created: t0, Updated: now}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("merge\n got %+v\nwant %+v", got, want)
	}
	if keep.Fields["account"] != "" || len(keep.Phones) != 1 {
		t.Error("merge changed its input")
	}
	if _, err := Merge(keep, keep, now); !errors.Is(err, ErrSameContact) {
		t.Errorf("self merge: %v", err)
	}
}

func TestCSVRoundTripAndRowErrors(t *testing.T) {
	in := "name,phones,tags,email,plan\n" +
		"Alice,+12125550101;212-555-0102,VIP,a@example.com,gold\n" +
		"Bob,not a number,,,\n" +
		"Carol,+442079460958,,carol-at-example,\n" +
		"Dan,+12125550103\n" +
		"Eve,+12125550104,,,\xe9\n"
	rows, bad, err := ReadCSV(strings.NewReader(in), "US")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Row != 2 {
		t.Fatalf("rows %+v", rows)
	}
	cs := []Contact{rows[0].Contact}
	if len(cs) != 1 || cs[0].Name != "Alice" || cs[0].Phones[1] != "+12125550102" || cs[0].Fields["plan"] != "gold" {
		t.Fatalf("contacts %+v", cs)
	}
	want := map[int]string{3: "not a number", 4: "email", 5: "columns", 6: "column plan: not UTF-8"}
	if len(bad) != len(want) {
		t.Fatalf("row errors %v", bad)
	}
	for _, e := range bad {
		if !strings.Contains(e.Error(), want[e.Row]) {
			t.Errorf("row %d: %v, want it to mention %q", e.Row, e, want[e.Row])
		}
	}

	cs[0].ID = 7
	var buf bytes.Buffer
	if err := WriteCSV(&buf, cs); err != nil {
		t.Fatal(err)
	}
	back, bad, err := ReadCSV(&buf, "US")
	if err != nil || len(bad) != 0 || len(back) != 1 {
		t.Fatalf("read back: %v %v %v", back, bad, err)
	}
	back[0].ID = 7
	if !reflect.DeepEqual(back[0].Contact, cs[0]) {
		t.Errorf("round trip\n got %+v\nwant %+v", back[0].Contact, cs[0])
	}
	if _, _, err := ReadCSV(strings.NewReader("name\nx\n"), "US"); err == nil {
		t.Error("file without phones column accepted")
	}
}

// A contact file is opened as a lead list is: a byte-order mark, lines
// ended by a carriage return alone, semicolons; rows numbered by file
// line. A file that cannot be read whole is refused whole, naming why: a
// quote left open (it swallowed the rows after it, unnamed), two columns
// of one name (the last won).
func TestCSVHostileFiles(t *testing.T) {
	for _, tc := range []struct{ name, in string }{
		{"bom", "\ufeffphones,name\n+12125551001,A\n\n+12125551002,B\n"},
		{"cr", "phones,name\r+12125551001,A\r\r+12125551002,B\r"},
		{"semicolons", "phones;name\n+12125551001;A\n\n+12125551002;B\n"},
	} {
		rows, bad, err := ReadCSV(strings.NewReader(tc.in), "US")
		if err != nil || len(bad) != 0 || len(rows) != 2 || rows[1].Row != 4 || rows[1].Name != "B" {
			t.Errorf("%s: %+v %v %v; want two contacts, the second on line 4", tc.name, rows, bad, err)
		}
	}
	for _, tc := range []struct{ name, in, want string }{
		{"open quote", "phones,name\n+12125551001,A\n+12125551002,\"B\n+12125551003,C\n", "bad contact file: row 3:"},
		{"two names", "phones,name,Name\n+12125551001,A,B\n", `bad contact file: columns 2 and 3 are both named "name"`},
		{"no phones", "name\nx\n", `bad contact file: no "phones" column`},
	} {
		rows, _, err := ReadCSV(strings.NewReader(tc.in), "US")
		if err == nil || !strings.Contains(err.Error(), tc.want) || len(rows) != 0 {
			t.Errorf("%s: %d rows, %v; want %q", tc.name, len(rows), err, tc.want)
		}
	}
}

// A contact whose text a spreadsheet would run (a name typed as a formula,
// a note starting with @, a field starting with -) is exported with those
// cells behind an apostrophe, so none of the file's cells runs, and reads
// back as it was; the id column is written as a number.
func TestCSVFormulaCells(t *testing.T) {
	cs := []Contact{
		{ID: 12, Phones: []string{"+12125550101", "+12125550102"}, Name: `=HYPERLINK("http://x","y")`, Company: "+Acme",
			Email: "a@example.com", Tags: []string{"@vip", "b"}, PreferredAgent: "-alice", Notes: "'=already", Fields: map[string]string{"=plan": "-3", "note": "O'Neil"}},
		{ID: 13, Phones: []string{"+442079460958"}, Name: "'Tis", Notes: "\tcall back", Fields: map[string]string{"note": "@home"}},
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, cs); err != nil {
		t.Fatal(err)
	}
	if err := csvcell.Check(buf.Bytes()); err != nil {
		t.Error(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(buf.Bytes())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := recs[1][0], "12"; got != want {
		t.Errorf("id cell %q, want %q", got, want)
	}
	if got, want := recs[1][2], `'=HYPERLINK("http://x","y")`; got != want {
		t.Errorf("name cell %q, want %q", got, want)
	}
	if got, want := recs[1][8], "''=already"; got != want {
		t.Errorf("notes cell %q, want %q", got, want)
	}
	back, bad, err := ReadCSV(&buf, "US")
	if err != nil || len(bad) != 0 || len(back) != len(cs) {
		t.Fatalf("read back: %v %v %v\n%s", back, bad, err, buf.String())
	}
	for i, r := range back {
		r.ID = cs[i].ID
		if !reflect.DeepEqual(r.Contact, cs[i]) {
			t.Errorf("contact %d round trip\n got %+v\nwant %+v", i+1, r.Contact, cs[i])
		}
	}
}

// A number in E.164 form libphonenumber does not know (a test range such as
// +1 555 45x, where simulated callers call from) is kept as written, so the
// contact made for such a caller can be found and edited under it; other
// text is still refused.
func TestNormalizePhoneKeepsUnknownE164(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		{"+15554520617", "+15554520617"},
		{" +15554520617 ", "+15554520617"},
		{"+1555", ""},
		{"12", ""},
		{"+33 1 40 00 00 01", "+33140000001"},
	} {
		got, err := NormalizePhone(tc.raw, "US")
		if got != tc.want || (tc.want == "") != (err != nil) {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", tc.raw, got, err, tc.want)
		}
	}
}
