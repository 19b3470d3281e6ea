package campaign

import (
	"errors"
	"fmt"
	"io"
	"slices"
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
		{"byte-order mark before a quoted header, quoted cells", "\ufeff\"Phone\",\"Name\"\r\n\"212 555 0101\",\"Ann\"\r\n", "US",
			[]string{"+12125550101 Ann"}, nil},
		{"byte-order mark, semicolons, a quoted header", "\ufeff\"phone\";\"name\"\n+12125550101;\"Lee; Bob\"\n", "US",
			[]string{"+12125550101 Lee; Bob"}, nil},
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
		{"a direction override or an invisible character (a name that reads as another)", "phone,name\n+12125550101,\"bidi\u202eevil\"\n+12125550102,Bo\u200bb\n+12125550103,\u0645\u0631\u06cc\u0645 \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u062f\n", "US",
			[]string{"+12125550103 \u0645\u0631\u06cc\u0645 \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u062f"},
			[]string{`row 2, column "name": holds the direction control character U+202E at character 5`, `row 3, column "name": holds the invisible formatting character U+200B at character 3`}},
		{"lines ended by a carriage return alone (old Mac spreadsheets)", "phone;name\r+12125550101;Ann\r+12125550102;Bob\r", "US",
			[]string{"+12125550101 Ann", "+12125550102 Bob"}, nil},
		{"more cells than columns: a name with a comma left unquoted", "phone,name\n+12125550101,Smith, John\n+12125550102,Bob,,\n", "US",
			[]string{"+12125550102 Bob"},
			[]string{`row 2: 3 cells, the header has 2 columns ("John" beyond them); quote a cell that holds the separator`}},
		{"a zone that names no place (EST keeps UTC-5 all summer; GMT is not London's BST)",
			"phone,timezone\n+12125550101,EST\n+442079460958,GMT\n+12125550102,PST8PDT\n+12125550103,UTC\n+12125550104,US/Eastern\n+12125550105,Etc/GMT+5\n+12125550106,Etc/UTC\n+12125550107,Japan\n+12125550108,GB\n", "US",
			[]string{"+12125550103 ", "+12125550104 ", "+12125550106 ", "+12125550107 ", "+12125550108 "},
			[]string{`row 2, column "timezone": time zone "EST" names no place`, `row 3, column "timezone": time zone "GMT" names no place`,
				`row 4, column "timezone": time zone "PST8PDT" names no place`, `row 7, column "timezone": time zone "Etc/GMT+5" names no place`}},
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
// clock jumps past their start, never before it; hours that end in it
// close then. 02:30 does not exist in New York on 8 March 2026 (a
// time.Date of it lies at 01:30 EST, before the jump) nor in Berlin on 29
// March (a time.Date of it lies at 03:30 CEST, after the jump), nor 01:30
// in London that day.
func TestHoursStartSkippedBySpringForward(t *testing.T) {
	for _, tc := range []struct {
		zone   string
		jump   time.Time // when the clock jumps
		starts []string  // hours whose start the jump skips
		ends   []string  // hours whose end it skips
	}{
		{"America/New_York", time.Date(2026, 3, 8, 7, 0, 0, 0, time.UTC), []string{"02:30-04:00", "02:00-03:30"}, []string{"00:00-02:30", "01:00-02:00"}},
		{"Europe/Berlin", time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC), []string{"02:30-04:00", "02:00-03:30"}, []string{"00:00-02:30", "01:00-02:00"}},
		{"Europe/London", time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC), []string{"01:30-03:00", "01:00-02:30"}, []string{"00:00-01:30", "00:30-01:00"}},
	} {
		loc := mustLoc(t, tc.zone)
		clock := func(t time.Time) string { return t.In(loc).Format("15:04 MST") }
		for _, hours := range tc.starts {
			h, err := ParseHours(hours)
			if err != nil {
				t.Fatal(err)
			}
			if before := tc.jump.Add(-20 * time.Minute); h.Open(before, loc) {
				t.Errorf("%s %s: open at %s, before the window's start on the clock", tc.zone, hours, clock(before))
			}
			if !h.Open(tc.jump, loc) {
				t.Errorf("%s %s: closed at %s, once the clock is past the start", tc.zone, hours, clock(tc.jump))
			}
			if got := h.NextOpen(tc.jump.Add(-2*time.Hour), loc); !got.Equal(tc.jump) {
				t.Errorf("%s %s: opens at %s %s, want %s", tc.zone, hours, got.In(loc).Format("2006-01-02"), clock(got), clock(tc.jump))
			}
		}
		for _, hours := range tc.ends {
			h, err := ParseHours(hours)
			if err != nil {
				t.Fatal(err)
			}
			if last := tc.jump.Add(-time.Minute); !h.Open(last, loc) {
				t.Errorf("%s %s: closed at %s, before the clock reached the end", tc.zone, hours, clock(last))
			}
			if h.Open(tc.jump, loc) {
				t.Errorf("%s %s: open at %s, the clock past the end", tc.zone, hours, clock(tc.jump))
			}
		}
	}
}

// Over DST changes east and west of Greenwich, half-hour ones (Lord Howe)
// and ones at midnight (Havana, Santiago), NextCallableIn finds the first
// minute at which both windows are open (the lead's in each of its zones),
// as a walk minute by minute does.
func TestNextCallableAgreesWithAWalk(t *testing.T) {
	var zones []*time.Location
	for _, z := range []string{"America/New_York", "Europe/London", "Europe/Berlin", "Australia/Lord_Howe", "America/Havana",
		"America/Santiago", "Asia/Kolkata", "Pacific/Chatham", "UTC"} {
		zones = append(zones, mustLoc(t, z))
	}
	var hours []Hours
	for _, s := range []string{"08:00-21:00", "09:00-17:30 mon-fri", "00:00-24:00", "01:30-03:00", "02:00-02:30",
		"00:00-01:00 sat,sun", "02:30-21:00", "00:30-02:30 sun", "22:00-24:00"} {
		h, err := ParseHours(s)
		if err != nil {
			t.Fatal(err)
		}
		hours = append(hours, h)
	}
	days := []time.Time{ // a day or two before a change somewhere
		time.Date(2026, 3, 7, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 28, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 10, 24, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 4, 4, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 3, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 9, 5, 0, 0, 0, 0, time.UTC),
	}
	const span = 4 * 24 * time.Hour
	for i := range 600 {
		// A fixed walk through the combinations (no randomness to replay).
		cl, ll := zones[i%len(zones)], zones[(i/len(zones)+i)%len(zones)]
		ch, lh := hours[i%len(hours)], hours[(i*7/len(hours)+i/3)%len(hours)]
		at := days[i%len(days)].Add(time.Duration(i*97%(72*60)) * time.Minute)
		w := Windows{Campaign: ch, CampaignLoc: cl, Lead: lh}
		lls := []*time.Location{ll}
		if i%3 == 0 { // a number whose area has two zones
			lls = append(lls, zones[(i/3+4)%len(zones)])
		}
		var want time.Time
		for m := at; m.Before(at.Add(span)); m = m.Add(time.Minute) {
			if ch.Open(m, cl) && !slices.ContainsFunc(lls, func(l *time.Location) bool { return !lh.Open(m, l) }) {
				want = m
				break
			}
		}
		got := w.NextCallableIn(at, lls...)
		if want.IsZero() {
			if !got.IsZero() && got.Before(at.Add(span)) {
				t.Errorf("campaign %+v in %s, lead %+v in %v, from %s: %s, but no minute of the next %v is open in both", ch, cl, lh, lls, at, got, span)
			}
			continue
		}
		if !got.Equal(want) {
			t.Errorf("campaign %+v in %s, lead %+v in %v, from %s: %s, want %s (campaign's clock)", ch, cl, lh, lls, at, got.In(cl), want.In(cl))
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
			fmt.Sprintf("the header has %d columns; a file may have at most %d", MaxColumns+1, MaxColumns)},
		{"a header cell over the cell limit", "phone,name," + big + "\n+12125550101,Ann,x\n",
			`the header's column 3 is 2097152 bytes long; a cell may hold at most 65536`},
	} {
		res, err := ImportCSV(strings.NewReader(tc.data), ImportOptions{Campaign: "c", Region: "US"}, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) || len(res.Leads) != 0 {
			t.Errorf("%s: err %.300v, leads %d; want %q and none", tc.name, err, len(res.Leads), tc.want)
		}
	}
}

// A column mapped to a custom field whose name another column has (--map
// State=Region beside a State column) refuses the file: read on, the State
// column took the place of the mapping. Beside a field:State column (an
// export's imported State), a State column is the export's own and
// field:State fills the field, whichever comes first.
func TestImportCSVTwoColumnsOneField(t *testing.T) {
	_, err := ImportCSV(strings.NewReader("phone,State,Region\n+12125550101,NY,West\n"), ImportOptions{Campaign: "c", Region: "US", Map: map[string]string{"State": "Region"}}, nil)
	if want := `column 2 ("State") and --map State=Region both fill the field "State"; rename the column or map to another field`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want %q", err, want)
	}
	for _, data := range []string{"phone,state,field:State\n+12125550101,new,NY\n", "phone,field:State,state\n+12125550101,NY,new\n"} {
		res, err := ImportCSV(strings.NewReader(data), ImportOptions{Campaign: "c", Region: "US"}, nil)
		if err != nil || len(res.Leads) != 1 || res.Leads[0].Fields["State"] != "NY" || len(res.Leads[0].Fields) != 1 {
			t.Errorf("%q: %v %+v; want the field State NY alone", data, err, res.Leads)
		}
	}
	res, err := ImportCSV(strings.NewReader("phone,State,Region\n+12125550101,NY,West\n"), ImportOptions{Campaign: "c", Region: "US", Map: map[string]string{"Area": "Region"}}, nil)
	if err != nil || len(res.Leads) != 1 || res.Leads[0].Fields["State"] != "NY" || res.Leads[0].Fields["Area"] != "West" {
		t.Errorf("a mapped field apart from the columns: %v %+v", err, res)
	}
}

// A lead's zones: its own; else its number's area's, every one; none for a
// number that says nothing of where it rings.
func TestLeadZones(t *testing.T) {
	for _, tc := range []struct {
		lead Lead
		want string
	}{
		{Lead{Phone: "+19075550100", TimeZone: "America/Anchorage"}, "America/Anchorage"},
		{Lead{Phone: "+19075550100"}, "America/Adak America/Anchorage"},
		{Lead{Phone: "+12125550100"}, "America/New_York"},
		{Lead{Phone: "+18003569377"}, ""}, // toll-free: anywhere in North America
		{Lead{Phone: "not a number"}, ""},
	} {
		var got []string
		for _, loc := range LeadZones(tc.lead) {
			got = append(got, loc.String())
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("%+v: %q, want %q", tc.lead, got, tc.want)
		}
	}
}

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// A quote left open makes the rest of the file one cell: the import stops
// a few megabytes in, naming the row, instead of reading the whole file
// into memory before the cell limit is checked (leads and DNC lists).
func TestImportCSVOpenQuoteStopsEarly(t *testing.T) {
	rest := strings.Repeat("+12125550199,Zed,a note\n", 1<<20) // 24 MiB after the open quote
	data := "phone,name,notes\n+12125550101,Ann,ok\n+12125550102,\"Bob,ok\n" + rest
	in := &countingReader{r: strings.NewReader(data)}
	res, err := ImportCSV(in, ImportOptions{Campaign: "c", Region: "US"}, nil)
	if err == nil || !errors.Is(err, ErrBadFile) || !strings.Contains(err.Error(), "row 3: a row runs past 4 MiB") || !strings.Contains(err.Error(), "quote left open") {
		t.Errorf("err %v, want row 3 named as running past 4 MiB", err)
	}
	if len(res.Leads) != 0 {
		t.Errorf("%d leads imported from a bad file, want none", len(res.Leads))
	}
	if in.n > 6<<20 {
		t.Errorf("read %d bytes of a %d-byte file before stopping, want at most 6 MiB", in.n, len(data))
	}
	in = &countingReader{r: strings.NewReader(data)}
	_, err = ScanNumbers(in, "US", nil, nil, func(NumberRow) error { return nil }, func(RowError) {})
	if err == nil || !strings.Contains(err.Error(), "row 3: a row runs past 4 MiB") || in.n > 6<<20 {
		t.Errorf("DNC list: err %v after %d bytes, want row 3 named within 6 MiB", err, in.n)
	}
}

// A row is named by the line of the file it starts on, as an editor shows
// it: blank lines and a cell over two lines before it count (leads and DNC
// lists).
func TestImportCSVRowIsFileLine(t *testing.T) {
	data := "phone,name\n+12125550110,A\n\n\n12,bad\n\"+12125550111\",\"multi\nline\"\n13,bad2\n"
	res, err := ImportCSV(strings.NewReader(data), ImportOptions{Campaign: "c", Region: "US"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var rows []int
	for _, e := range res.Errors {
		rows = append(rows, e.Row)
	}
	if len(res.Leads) != 2 || !slices.Equal(rows, []int{5, 8}) {
		t.Errorf("leads %d, errors on rows %v; want 2 leads and errors on rows 5 and 8", len(res.Leads), rows)
	}
	rows = nil
	if _, err := ScanNumbers(strings.NewReader(data), "US", nil, nil, func(NumberRow) error { return nil }, func(e RowError) { rows = append(rows, e.Row) }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rows, []int{5, 8}) {
		t.Errorf("DNC list: errors on rows %v, want 5 and 8", rows)
	}
}

// A do-not-call list without a phone column is named a number list, not a
// lead file, and is still ErrBadFile.
func TestScanNumbersNamesTheList(t *testing.T) {
	_, err := ScanNumbers(strings.NewReader("name,number\nA,+12125550110\n"), "US", nil, nil, func(NumberRow) error { return nil }, func(RowError) {})
	if err == nil || !errors.Is(err, ErrBadFile) || !strings.HasPrefix(err.Error(), "campaign: bad number list: no phone column") {
		t.Errorf("err %v, want a bad number list with no phone column", err)
	}
}

// A number list with two columns of a name it reads (phone, or one it
// keeps) is refused naming them: which holds the number is a guess, and
// reading the first left the second's numbers callable. Two columns of a
// name it does not read refuse nothing.
func TestScanNumbersTwoColumnsOfAName(t *testing.T) {
	for _, tc := range []struct{ file, want string }{
		{"phone,Phone\n+12125551001,+12125551002\n", `columns 1 and 2 are both named "phone"; rename one`},
		{"Tel,name,tel\n+12125551001,A,+12125551002\n", `columns 1 and 3 are both named "tel"; rename one`},
		{"phone,source,Source\n+12125551001,a,b\n", `columns 2 and 3 are both named "source"; rename one`},
		{"phone,notes,notes\n+12125551001,a,b\n", ""},
	} {
		m := map[string]string{}
		if strings.HasPrefix(tc.file, "Tel") {
			m["phone"] = "Tel"
		}
		n := 0
		_, err := ScanNumbers(strings.NewReader(tc.file), "US", m, []string{"source"}, func(NumberRow) error { n++; return nil }, func(RowError) {})
		switch {
		case tc.want == "" && (err != nil || n != 1):
			t.Errorf("%q: %v, %d rows; want the row read", tc.file, err, n)
		case tc.want != "" && (err == nil || !errors.Is(err, ErrBadFile) || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%q: %v; want a bad file naming %s", tc.file, err, tc.want)
		}
	}
}
