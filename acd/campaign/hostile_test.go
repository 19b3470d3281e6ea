package campaign

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Lead files as spreadsheets and people write them: each is read as meant
// or its problem named with the row and column.
func TestImportCSVHostile(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		region     string
		leads      []string // phone name, of each lead
		errs       []string // the row errors, in order
	}{
		{"semicolons", "phone;name\n+12125550101;Ann\n\"+1 212 555 0102\";\"Lee; Bob\"\n", "US",
			[]string{"+12125550101 Ann", "+12125550102 Lee; Bob"}, nil},
		{"semicolons after a byte-order mark, CRLF", "\ufeffPhone;Name\r\n212 555 0101;Ann\r\n", "US",
			[]string{"+12125550101 Ann"}, nil},
		{"tabs", "phone\tname\n+12125550101\tAnn, Lee\n", "US", []string{"+12125550101 Ann, Lee"}, nil},
		{"commas with semicolons in a cell", "phone,name\n+12125550101,\"Ann; Lee\"\n", "US", []string{"+12125550101 Ann; Lee"}, nil},
		{"one column", "phone\n+12125550101\n", "US", []string{"+12125550101 "}, nil},
		{"not UTF-8", "phone,name,notes\n+12125550101,Ren\xe9e,ok\n+12125550102,Bob,caf\xe9\n+12125550103,Cy,\n", "US",
			[]string{"+12125550103 Cy"},
			[]string{`row 2, column "name": not UTF-8 text`, `row 3, column "notes": not UTF-8 text`}},
		{"an extension", "phone,name\n212-555-0101 ext. 12,Ann\n+12125550102x5,Bob\n+12125550103,Cy\n", "US",
			[]string{"+12125550103 Cy"},
			[]string{`row 2, column "phone": "212-555-0101 ext. 12": has an extension (12)`, `row 3, column "phone": "+12125550102x5": has an extension (5)`}},
		{"Local is no zone", "phone,timezone\n+12125550101,Local\n+12125550102,America/Chicago\n", "US",
			[]string{"+12125550102 "},
			[]string{`row 2, column "timezone": unknown time zone "Local"`}},
		{"00 where it is the way out", "phone\n00 44 20 7946 0958\n", "FR", []string{"+442079460958 "}, nil},
		{"control characters (a terminal's escape sequence, a NUL)", "phone,name,notes\n+12125550101,\x1b]0;owned\x07Ann,ok\n+12125550102,Bob,a\x00b\n+12125550103,\"Cy\tLee\",\"two\nlines\"\n", "US",
			[]string{"+12125550103 Cy\tLee"},
			[]string{`row 2, column "name": holds the control character U+001B at character 1`, `row 3, column "notes": holds the control character U+0000 at character 2`}},
		{"lines ended by a carriage return alone (old Mac spreadsheets)", "phone;name\r+12125550101;Ann\r+12125550102;Bob\r", "US",
			[]string{"+12125550101 Ann", "+12125550102 Bob"}, nil},
		{"more cells than columns: a name with a comma left unquoted", "phone,name\n+12125550101,Smith, John\n+12125550102,Bob,,\n", "US",
			[]string{"+12125550102 Bob"},
			[]string{`row 2: 3 cells, the header has 2 columns ("John" beyond them); quote a cell that holds the separator`}},
		{"a value under a column with no name (a blank header cell)", "phone,,name\n+12125550101,VIP,Ann\n+12125550102,,Bob\n", "US",
			[]string{"+12125550102 Bob"},
			[]string{`row 2: column 2 has no name in the header, and this row has "VIP" in it; name the column`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := ImportCSV(strings.NewReader(tc.data), ImportOptions{Campaign: "c", Region: tc.region}, nil)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, l := range res.Leads {
				got = append(got, l.Phone+" "+l.Name)
			}
			if strings.Join(got, "|") != strings.Join(tc.leads, "|") {
				t.Errorf("leads %q, want %q", got, tc.leads)
			}
			if len(res.Errors) != len(tc.errs) {
				t.Fatalf("errors %v, want %q", res.Errors, tc.errs)
			}
			for i, e := range res.Errors {
				if !strings.HasPrefix(e.Error(), tc.errs[i]) {
					t.Errorf("error %d: %q, want %q", i, e.Error(), tc.errs[i])
				}
			}
		})
	}
}

// Files and options that cannot be read as meant are refused whole, with
// the reason.
func TestImportCSVHostileRefused(t *testing.T) {
	for _, tc := range []struct {
		name, data, region, want string
	}{
		{"two phone columns", "phone,name,Phone\n+12125550101,Ann,+12125550102\n", "US", `columns 1 and 3 are both named "phone"`},
		{"two columns of one name", "phone,Notes,notes\n+12125550101,a,b\n", "US", `columns 2 and 3 are both named "notes"`},
		{"unknown region", "phone\n212 555 0101\n", "XX", `region "XX" is not a country`},
		{"a country's name for a region", "phone\n212 555 0101\n", "USA", `region "USA" is not a country`},
		{"UTF-16 (little-endian)", "\xff\xfep\x00h\x00o\x00n\x00e\x00\n\x00", "US", "UTF-16"},
		{"UTF-16 (big-endian)", "\xfe\xff\x00p\x00h\x00o\x00n\x00e\x00\n", "US", "UTF-16"},
		// a gzip upload was refused as two columns named "\x1d\ufffd"
		{"gzip", "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x1d\x8b,\x1d\x8b\n", "US", "the header row is not UTF-8 text"},
		{"control characters", "phone\x01,name\n+12125550101,a\n", "US", "the header row is not UTF-8 text"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := ImportCSV(strings.NewReader(tc.data), ImportOptions{Campaign: "c", Region: tc.region}, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) || len(res.Leads) != 0 {
				t.Fatalf("err %v, leads %d; want %q and none", err, len(res.Leads), tc.want)
			}
		})
	}
}

// Hours that begin in the hour a spring-forward night skips open when the
// clock jumps past their start, never before it: 02:30 does not exist in
// New York on 8 March 2026, and a time.Date of it lies at 01:30 EST.
func TestHoursStartSkippedBySpringForward(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	jump := time.Date(2026, 3, 8, 7, 0, 0, 0, time.UTC) // 02:00 EST becomes 03:00 EDT
	for _, hours := range []string{"02:30-04:00", "02:00-03:30"} {
		h, err := ParseHours(hours)
		if err != nil {
			t.Fatal(err)
		}
		if before := jump.Add(-20 * time.Minute); h.Open(before, ny) {
			t.Errorf("%s: open at %s, before the window's start on the clock", hours, before.In(ny).Format("15:04 MST"))
		}
		if !h.Open(jump, ny) {
			t.Errorf("%s: closed at %s, once the clock is past the start", hours, jump.In(ny).Format("15:04 MST"))
		}
		if got := h.NextOpen(jump.Add(-2*time.Hour), ny); !got.Equal(jump) {
			t.Errorf("%s: opens at %s, want %s", hours, got.In(ny).Format("15:04 MST"), jump.In(ny).Format("15:04 MST"))
		}
	}
}

// An imported column named like one the export writes of its own (a US
// list's "State", an "ID" from the CRM) is exported as field:NAME, so the
// export has no two columns of one name and imports again with the field
// under its own name.
func TestExportImportedColumnNamedLikeOurs(t *testing.T) {
	res, err := ImportCSV(strings.NewReader("phone,name,State,ID\n+12125550100,Ann,NY,c-77\n"), ImportOptions{Campaign: "c", Region: "US"}, nil)
	if err != nil || len(res.Leads) != 1 {
		t.Fatalf("import: %v %+v", err, res)
	}
	res.Leads[0].ID = "c-1"
	var out strings.Builder
	if err := WriteCSV(&out, func(fn func(Lead) bool) error { fn(res.Leads[0]); return nil }); err != nil {
		t.Fatal(err)
	}
	header, _, _ := strings.Cut(out.String(), "\n")
	if !strings.Contains(header, ",field:ID,field:State") {
		t.Errorf("export header %q; want the imported ID and State as field:ID and field:State", header)
	}
	again, err := ImportCSV(strings.NewReader(out.String()), ImportOptions{Campaign: "c", Region: "US"}, nil)
	if err != nil || len(again.Leads) != 1 || again.Leads[0].Fields["State"] != "NY" || again.Leads[0].Fields["ID"] != "c-77" {
		t.Errorf("the export imported again: %v %+v; want State NY and ID c-77 kept", err, again.Leads)
	}
}

// A cell, a row and the header are bounded: a 2 MB cell or a row of 5,000
// cells is refused with its row and column, the rest imported; a header
// over the column limit refuses the file.
func TestImportCSVLimits(t *testing.T) {
	big := strings.Repeat("x", 2<<20)
	columns := func(n int) string {
		var b strings.Builder
		for i := range n {
			b.WriteString(",c" + strconv.Itoa(i))
		}
		return b.String()
	}
	chunky := strings.Repeat(strings.Repeat("y", MaxCell)+",", 20)
	data := "phone,name,notes" + columns(MaxColumns/2) + "\n" + // room for a row of many cells each at the cell limit
		"+12125550101,Ann," + big + "\n" +
		"+12125550102,Bob,ok\n" +
		"+12125550103,Cy,ok," + chunky + "\n" +
		"+12125550104,Di,ok" + strings.Repeat(",", 5000) + "z\n"
	res, err := ImportCSV(strings.NewReader(data), ImportOptions{Campaign: "c", Region: "US"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, l := range res.Leads {
		names = append(names, l.Name)
	}
	if strings.Join(names, " ") != "Bob" {
		t.Errorf("leads of %q, want Bob's only", names)
	}
	want := []string{
		`row 2, column "notes": 2097152 bytes long; a cell may hold at most 65536`,
		`row 4: 1310736 bytes in its cells; a row may hold at most 1048576`,
		`row 5: 5003 cells, the header has`,
	}
	if len(res.Errors) != len(want) {
		t.Fatalf("errors %v, want %q", res.Errors, want)
	}
	for i, e := range res.Errors {
		if !strings.HasPrefix(e.Error(), want[i]) {
			t.Errorf("error %d: %.200q, want %q", i, e.Error(), want[i])
		}
	}
	for _, tc := range []struct{ name, data, want string }{
		{"a header over the column limit", "phone" + columns(MaxColumns) + "\n+12125550101" + strings.Repeat(",", MaxColumns) + "\n",
			fmt.Sprintf("the header has %d columns; a lead file may have at most %d", MaxColumns+1, MaxColumns)},
		{"a header cell over the cell limit", "phone,name," + big + "\n+12125550101,Ann,x\n",
			`the header's column 3 is 2097152 bytes long; a cell may hold at most 65536`},
	} {
		res, err := ImportCSV(strings.NewReader(tc.data), ImportOptions{Campaign: "c", Region: "US"}, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) || len(res.Leads) != 0 {
			t.Errorf("%s: err %.300v, leads %d; want %q and none", tc.name, err, len(res.Leads), tc.want)
		}
	}
}
