package campaign

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"

	"github.com/hotline-cc/hotline/internal/csvcell"
	"github.com/hotline-cc/hotline/internal/textcheck"
)

// ImportOptions say how to read a lead list.
type ImportOptions struct {
	Campaign string
	// Region is the default country (ISO 3166 code such as "US", "GB")
	// for numbers written without their country code.
	Region string
	// Map names the CSV column for each lead field: "phone" (required),
	// "name", "timezone"; any other key becomes a custom field. Fields not
	// mapped are read from columns of the same name (case-insensitive).
	Map map[string]string
	// MaxRows bounds the import (0 = 1,000,000): a file larger than that
	// is refused whole rather than half imported.
	MaxRows int
	// Query says Map came as an HTTP query's ?map=, not the command line's
	// --map: errors name it as the caller wrote it.
	Query bool
}

// mapName is how the caller wrote Map.
func (o ImportOptions) mapName() string {
	if o.Query {
		return "?map="
	}
	return "--map "
}

// ParseMap reads a column mapping, FIELD=COLUMN pairs (phone=Tel,
// name=Full Name): a pair without both sides, a field given more than once
// or a column mapped to two fields is an error naming every such field and
// column and how often it was given. Fields and columns compare
// case-insensitively, as columns are found in the header and as phone,
// name and timezone are read (Phone=Mobile beside phone=Tel would leave
// one of them unread).
func ParseMap(pairs []string) (map[string]string, error) {
	m := map[string]string{}
	var fields, cols []string         // lower-cased, in the order first given
	byField := map[string][]string{}  // lower-cased field -> the pairs giving it
	fieldsOf := map[string][]string{} // lower-cased column -> the fields mapped to it
	for _, p := range pairs {
		field, col, ok := strings.Cut(p, "=")
		field, col = strings.TrimSpace(field), strings.TrimSpace(col)
		if !ok || field == "" || col == "" {
			return nil, fmt.Errorf("%q: want FIELD=COLUMN", p)
		}
		f, c := strings.ToLower(field), strings.ToLower(col)
		if byField[f] == nil {
			fields = append(fields, f)
		}
		byField[f] = append(byField[f], field+"="+col)
		if fieldsOf[c] == nil {
			cols = append(cols, c)
		}
		if !slices.ContainsFunc(fieldsOf[c], func(x string) bool { return strings.EqualFold(x, field) }) {
			fieldsOf[c] = append(fieldsOf[c], field)
		}
		m[field] = col
	}
	var problems []string
	for _, f := range fields {
		if n := len(byField[f]); n > 1 {
			problems = append(problems, fmt.Sprintf("field %q given %d times (%s); give each field once", f, n, strings.Join(byField[f], ", ")))
		}
	}
	for _, c := range cols {
		if fs := fieldsOf[c]; len(fs) > 1 {
			quoted := make([]string, len(fs))
			for i, f := range fs {
				quoted[i] = strconv.Quote(f)
			}
			problems = append(problems, fmt.Sprintf("column %q mapped to %d fields, %s; a column feeds one field", m[fs[0]], len(fs), strings.Join(quoted, ", ")))
		}
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "; "))
	}
	return m, nil
}

// RowError is a problem with one row; the row is skipped.
type RowError struct {
	Row    int // 1-based line of the file, the header being row 1
	Column string
	Err    error
}

func (e RowError) Error() string {
	if e.Column != "" {
		return fmt.Sprintf("row %d, column %q: %v", e.Row, e.Column, e.Err)
	}
	return fmt.Sprintf("row %d: %v", e.Row, e.Err)
}

// ImportResult counts what an import did.
type ImportResult struct {
	Leads      []Lead
	Rows       int
	Duplicates int
	Errors     []RowError
}

// Limits of a lead file. A lead is stored, sent to desks and exported
// whole, so a cell and a row are bounded; a column is a custom field on
// every lead, so the header is too.
const (
	MaxCell     = 64 << 10 // bytes in one cell
	MaxRowBytes = 1 << 20  // bytes in one row's cells together
	MaxColumns  = 1000     // columns in the header
)

// Errors of lead import.
var (
	ErrBadFile   = errors.New("campaign: bad lead file")
	ErrBadNumber = errors.New("not a valid phone number")
	// ErrPremiumRate refuses a lead whose number is charged by the
	// minute to whoever calls it.
	ErrPremiumRate = errors.New("a premium-rate number")
)

// ImportCSV reads a lead list (the leads get their ids when stored). A
// cell WriteCSV escaped is read as it was (see csvcell.Unescape). A bad row is reported (with its row number)
// and skipped; a file that cannot be read as CSV, lacks the phone column or
// is too large is refused whole (an error, and no leads). Numbers are
// normalized to E.164; a second row with the same number is a duplicate.
// The lead's time zone comes from its column, or from the number when the
// number's country or area has one zone. progress, if set, is called with
// the rows read so far every 10,000 rows. It holds the whole list; ScanCSV
// reads one of any size.
func ImportCSV(r io.Reader, o ImportOptions, progress func(rows int)) (ImportResult, error) {
	res := ImportResult{}
	seen := map[string]struct{}{}
	rows, err := ScanCSV(r, o, func(l Lead) error {
		if _, dup := seen[l.Phone]; dup {
			res.Duplicates++
			return nil
		}
		seen[l.Phone] = struct{}{}
		res.Leads = append(res.Leads, l)
		return nil
	}, func(e RowError) { res.Errors = append(res.Errors, e) }, progress)
	if err != nil {
		return ImportResult{}, err
	}
	res.Rows = rows
	return res, nil
}

// ScanCSV reads a lead list as ImportCSV does, a row at a time: each good
// row's lead goes to lead (duplicates too: the caller keeps numbers once),
// each bad row to bad. An error from lead stops the reading and is
// returned. It returns the rows read.
func ScanCSV(r io.Reader, o ImportOptions, lead func(Lead) error, bad func(RowError), progress func(rows int)) (rows int, err error) {
	if o.Campaign == "" {
		return 0, fmt.Errorf("%w: no campaign named", ErrBadFile)
	}
	if err := CheckRegion(o.Region); err != nil {
		return 0, fmt.Errorf("%w: %w", ErrBadFile, err)
	}
	cr, header, err := openCSV(r)
	if err != nil {
		return 0, err
	}
	cols, err := mapColumns(header, o.Map, o.mapName())
	if err != nil {
		return 0, err
	}
	return scanRows(cr, o.MaxRows, func(rec []string, row int) (Lead, *RowError) { return cols.lead(rec, row, o) }, lead, bad, progress)
}

// openCSV reads a CSV file's header: a byte-order mark is taken off, the
// separator told from the header, lines ending in CR alone read as lines;
// a UTF-16 file, an empty one and a header too large or not text are
// refused (ErrBadFile).
func openCSV(r io.Reader) (*csv.Reader, []string, error) {
	br := bufio.NewReaderSize(r, sniffSize)
	head, _ := br.Peek(sniffSize)
	if bytes.HasPrefix(head, []byte{0xff, 0xfe}) || bytes.HasPrefix(head, []byte{0xfe, 0xff}) {
		return nil, nil, fmt.Errorf("%w: the file is UTF-16 text; save it as UTF-8 (\"CSV UTF-8\")", ErrBadFile)
	}
	if bytes.HasPrefix(head, []byte("\ufeff")) {
		// The byte-order mark spreadsheets write ("CSV UTF-8"): left in, a
		// quoted first header cell ("\ufeff\"phone\"") is not CSV.
		_, _ = br.Discard(3)
		head = head[3:]
	}
	if !bytes.Contains(head, []byte{'\n'}) && bytes.Contains(head, []byte{'\r'}) {
		// Lines ended by a carriage return alone, as old Mac spreadsheets
		// write them: the CSV reader would take the whole file for a header.
		br = bufio.NewReaderSize(crLines{br}, sniffSize)
	}
	cr := csv.NewReader(&rowLimit{r: br, max: maxRowRead})
	cr.Comma = sniffComma(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, nil, fmt.Errorf("%w: the file is empty", ErrBadFile)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%w: header: %w", ErrBadFile, err)
	}
	if len(header) > MaxColumns {
		return nil, nil, fmt.Errorf("%w: the header has %d columns; a file may have at most %d", ErrBadFile, len(header), MaxColumns)
	}
	for i, h := range header {
		if len(h) > MaxCell {
			return nil, nil, fmt.Errorf("%w: the header's column %d is %d bytes long; a cell may hold at most %d", ErrBadFile, i+1, len(h), MaxCell)
		}
	}
	header = slices.Clone(header)
	for i, h := range header {
		header[i] = csvcell.Unescape(strings.TrimSpace(h))
		if !utf8.ValidString(h) || strings.ContainsFunc(h, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }) {
			return nil, nil, fmt.Errorf("%w: the header row is not UTF-8 text (column %d); a compressed or spreadsheet file? Save the list as CSV UTF-8", ErrBadFile, i+1)
		}
	}
	return cr, header, nil
}

// scanRows reads the rows after the header, at most maxRows (0 =
// 1,000,000: a larger file is refused whole rather than half read). Rows
// are read a chunk at a time and parsed in parallel (the number library's
// patterns are most of the cost), then handed on in file order: each good
// one to ok, each bad one to bad. An error from ok stops the reading.
func scanRows[T any](cr *csv.Reader, maxRows int, parse func(rec []string, row int) (T, *RowError), ok func(T) error, bad func(RowError), progress func(rows int)) (rows int, err error) {
	if maxRows == 0 {
		maxRows = 1_000_000
	}
	var (
		chunk  = make([][]string, 0, scanChunk)
		rowNos = make([]int, 0, scanChunk)
		out    = make([]scanned[T], scanChunk)
	)
	flush := func() error {
		parseChunk(parse, chunk, rowNos, out)
		for i := range chunk {
			if out[i].err != nil {
				bad(*out[i].err)
			} else if err := ok(out[i].v); err != nil {
				return err
			}
		}
		chunk, rowNos = chunk[:0], rowNos[:0]
		return nil
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && pe.Err == csv.ErrFieldCount {
				continue // cannot happen with FieldsPerRecord = -1
			}
			if pe != nil {
				return rows, fmt.Errorf("%w: row %d: %w", ErrBadFile, pe.StartLine, err)
			}
			return rows, fmt.Errorf("%w: %w", ErrBadFile, err) // rowLimit's names the row
		}
		// A row is numbered by the line of the file it starts on: blank
		// lines and cells spanning lines make that more than its count.
		row, _ := cr.FieldPos(0)
		rows++
		if rows > maxRows {
			return rows, fmt.Errorf("%w: more than %d rows; split the file", ErrBadFile, maxRows)
		}
		if progress != nil && rows%10000 == 0 {
			progress(rows)
		}
		chunk, rowNos = append(chunk, slices.Clone(rec)), append(rowNos, row)
		if len(chunk) == scanChunk {
			if err := flush(); err != nil {
				return rows, err
			}
		}
	}
	if rows == 0 {
		// A header alone is most likely the wrong file, or an export
		// cut short: "imported 0" would look like success.
		return 0, fmt.Errorf("%w: the file has a header and no rows below it", ErrBadFile)
	}
	return rows, flush()
}

// crLines reads a file whose lines end in a carriage return alone as one
// whose lines end in a line feed.
type crLines struct{ r io.Reader }

func (c crLines) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i, b := range p[:n] {
		if b == '\r' {
			p[i] = '\n'
		}
	}
	return n, err
}

// maxRowRead bounds the bytes of one row as written in the file, quotes
// and separators included: the CSV reader holds a whole row before the
// limits of its cells can be checked, and a quote left open would
// otherwise make the rest of the file one cell in memory.
const maxRowRead = 4 * MaxRowBytes

// rowLimit passes a CSV file through, failing when a row (a line, or lines
// inside quotes) runs past max bytes.
type rowLimit struct {
	r      io.Reader
	max    int
	n      int // bytes of the row read so far
	quoted bool
	line   int // lines read so far
	start  int // the line the row read now starts on, from 1
}

func (l *rowLimit) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for _, b := range p[:n] {
		if l.n == 0 && l.start <= l.line {
			l.start = l.line + 1
		}
		switch {
		case b == '"':
			l.quoted = !l.quoted
		case b == '\n':
			l.line++
			if !l.quoted {
				l.n = 0
				continue
			}
		}
		l.n++
		if l.n > l.max {
			return 0, fmt.Errorf("row %d: a row runs past %d MiB of text (a row may hold %d KiB of cells): a quote left open, or a cell far too long?", l.start, l.max>>20, MaxRowBytes>>10)
		}
	}
	return n, err
}

// sniffSize is how much of a file's start is read to tell its separator.
const sniffSize = 64 << 10

// sniffComma tells a file's separator from its header line: the comma, or
// the semicolon that spreadsheets write where the comma is the decimal
// mark, or a tab, whichever the header has most of outside quotes.
func sniffComma(br *bufio.Reader) rune {
	head, _ := br.Peek(sniffSize)
	counts := map[byte]int{}
	quoted := false
	for _, b := range head {
		if b == '"' {
			quoted = !quoted
		} else if b == '\n' && !quoted {
			break
		} else if !quoted {
			counts[b]++
		}
	}
	comma := byte(',')
	for _, b := range []byte{';', '\t'} {
		if counts[b] > counts[comma] {
			comma = b
		}
	}
	return rune(comma)
}

// scanChunk is how many rows ScanCSV holds at once.
const scanChunk = 2048

type scanned[T any] struct {
	v   T
	err *RowError
}

// parseChunk parses records, on as many cores as there are.
func parseChunk[T any](parse func([]string, int) (T, *RowError), recs [][]string, rowNos []int, out []scanned[T]) {
	workers := min(runtime.GOMAXPROCS(0), 1+len(recs)/256)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(recs); i += workers {
				v, err := parse(recs[i], rowNos[i])
				out[i] = scanned[T]{v: v, err: err}
			}
		})
	}
	wg.Wait()
}

type columns struct {
	header   []string
	phone    int
	name     int
	timezone int
	custom   map[string]int
}

func mapColumns(header []string, m map[string]string, mapName string) (*columns, error) {
	seen := map[string]int{}
	for i, h := range header {
		k := strings.ToLower(strings.TrimSpace(h))
		if k == "" {
			continue
		}
		if j, dup := seen[k]; dup {
			return nil, fmt.Errorf("%w: columns %d and %d are both named %q; rename one", ErrBadFile, j+1, i+1, k)
		}
		seen[k] = i
	}
	find := func(name string) int {
		for i, h := range header {
			if strings.EqualFold(strings.TrimSpace(h), strings.TrimSpace(name)) {
				return i
			}
		}
		return -1
	}
	given := map[string]string{} // lower-cased field -> as the map names it
	for _, field := range slices.Sorted(maps.Keys(m)) {
		if other, dup := given[strings.ToLower(field)]; dup {
			return nil, fmt.Errorf("%w: %s: fields %q and %q differ only in case; give each field once", ErrBadFile, strings.TrimSpace(mapName), other, field)
		}
		given[strings.ToLower(field)] = field
	}
	c := &columns{header: header, phone: -1, name: -1, timezone: -1, custom: map[string]int{}}
	fieldAt := map[int]string{} // column index -> the field mapped to it
	for _, field := range slices.Sorted(maps.Keys(m)) {
		col := m[field]
		i := find(col)
		if i < 0 {
			return nil, fmt.Errorf("%w: %s%s=%s: no column %q in the header (%s)", ErrBadFile, mapName, field, col, col, strings.Join(header, ", "))
		}
		if other, dup := fieldAt[i]; dup {
			return nil, fmt.Errorf("%w: %s: column %q mapped to two fields, %q and %q; a column feeds one field", ErrBadFile, strings.TrimSpace(mapName), header[i], other, field)
		}
		fieldAt[i] = field
		switch strings.ToLower(field) {
		case "phone":
			c.phone = i
		case "name":
			c.name = i
		case "timezone", "tz":
			c.timezone = i
		default:
			c.custom[field] = i
		}
	}
	if c.phone < 0 {
		c.phone = find("phone")
	}
	if c.phone < 0 {
		return nil, fmt.Errorf("%w: no phone column: name it \"phone\" or map it (%sphone=COLUMN); header: %s", ErrBadFile, mapName, strings.Join(header, ", "))
	}
	if c.name < 0 {
		c.name = find("name")
	}
	if c.timezone < 0 {
		c.timezone = find("timezone")
	}
	mapped := map[string]string{} // lower-cased custom field -> as --map names it
	for k := range c.custom {
		mapped[strings.ToLower(k)] = k
	}
	prefixed := map[string]bool{} // lower-cased X of the field:X columns
	for _, h := range header {
		if k, ok := strings.CutPrefix(strings.TrimSpace(h), fieldPrefix); ok {
			prefixed[strings.ToLower(k)] = true
		}
	}
	// A file with every column of an export is one: its own columns (the
	// lead's id, state, attempts...) are no fields of the leads imported
	// from it, whether or not they have custom fields (field:X).
	exported := true
	for _, col := range exportOwn {
		exported = exported && find(col) >= 0
	}
	if exported {
		for _, col := range slices.Concat(exportOwn, exportSkips, []string{"id"}) {
			prefixed[col] = true
		}
		for _, h := range header {
			if k := strings.ToLower(strings.TrimSpace(h)); strings.HasPrefix(k, "answer:") {
				prefixed[k] = true // a survey's answers, read by no import
			}
		}
	}
	for i, h := range header {
		if i == c.phone || i == c.name || i == c.timezone || slices.Contains(slices.Collect(maps.Values(c.custom)), i) {
			continue
		}
		h = strings.TrimSpace(h)
		k, isField := strings.CutPrefix(h, fieldPrefix)
		switch {
		case h == "":
			continue
		case mapped[strings.ToLower(k)] != "":
			// Read on, the column would take the place of the one mapped.
			f := mapped[strings.ToLower(k)]
			return nil, fmt.Errorf("%w: column %d (%q) and %s%s=%s both fill the field %q; rename the column or map to another field", ErrBadFile, i+1, h, mapName, f, m[f], f)
		case !isField && prefixed[strings.ToLower(k)]:
			continue // an export's own column; field:k holds the imported field k
		}
		c.custom[k] = i
	}
	return c, nil
}

// beyondHeader refuses a row with a value beyond the header's columns: a
// cell holding the separator left unquoted, which cuts a value short and
// shifts the next ones.
func beyondHeader(rec []string, columns int) error {
	for i := columns; i < len(rec); i++ {
		if v := strings.TrimSpace(rec[i]); v != "" {
			return fmt.Errorf("%d cells, the header has %d columns (%q beyond them); quote a cell that holds the separator", len(rec), columns, v)
		}
	}
	return nil
}

// used lists the columns a lead is made of.
func (c *columns) used() []int {
	cols := []int{c.phone, c.name, c.timezone}
	for _, i := range c.custom {
		cols = append(cols, i)
	}
	return cols
}

func (c *columns) cell(rec []string, i int) string {
	if i < 0 || i >= len(rec) {
		return ""
	}
	return csvcell.Unescape(strings.TrimSpace(rec[i]))
}

func (c *columns) lead(rec []string, row int, o ImportOptions) (Lead, *RowError) {
	if err := beyondHeader(rec, len(c.header)); err != nil {
		return Lead{}, &RowError{Row: row, Err: err}
	}
	for i, h := range c.header {
		if v := c.cell(rec, i); v != "" && strings.TrimSpace(h) == "" {
			// A column with no name is no field: its value would be lost.
			return Lead{}, &RowError{Row: row, Err: fmt.Errorf("column %d has no name in the header, and this row has %q in it; name the column", i+1, v)}
		}
	}
	size := 0
	for i, v := range rec {
		size += len(v)
		if len(v) > MaxCell {
			col := ""
			if i < len(c.header) {
				col = c.header[i]
			}
			return Lead{}, &RowError{Row: row, Column: col, Err: fmt.Errorf("%d bytes long; a cell may hold at most %d (64 KiB)", len(v), MaxCell)}
		}
	}
	if size > MaxRowBytes {
		return Lead{}, &RowError{Row: row, Err: fmt.Errorf("%d bytes in its cells; a row may hold at most %d (1 MiB)", size, MaxRowBytes)}
	}
	for _, i := range c.used() {
		if !utf8.ValidString(c.cell(rec, i)) {
			return Lead{}, &RowError{Row: row, Column: c.header[i], Err: errors.New("not UTF-8 text; save the file as UTF-8")}
		}
		if err := controlChar(c.cell(rec, i)); err != nil {
			return Lead{}, &RowError{Row: row, Column: c.header[i], Err: err}
		}
	}
	raw := c.cell(rec, c.phone)
	if raw == "" {
		return Lead{}, &RowError{Row: row, Column: c.header[c.phone], Err: errors.New("empty phone number")}
	}
	e164, zones, err := LeadPhone(raw, o.Region)
	if err != nil {
		return Lead{}, &RowError{Row: row, Column: c.header[c.phone], Err: err}
	}
	l := Lead{Campaign: o.Campaign, Phone: e164, Name: c.cell(rec, c.name), State: New}
	if tz := c.cell(rec, c.timezone); tz != "" {
		if !zoneKnown(tz) {
			return Lead{}, &RowError{Row: row, Column: c.header[c.timezone], Err: fmt.Errorf("unknown time zone %q", tz)}
		}
		if err := PlaceZone(tz); err != nil {
			return Lead{}, &RowError{Row: row, Column: c.header[c.timezone], Err: err}
		}
		l.TimeZone = tz
	} else if len(zones) == 1 {
		l.TimeZone = zones[0]
	}
	for name, i := range c.custom {
		if v := c.cell(rec, i); v != "" {
			if l.Fields == nil {
				l.Fields = map[string]string{}
			}
			l.Fields[name] = v
		}
	}
	return l, nil
}

// controlChar refuses what a typed text may not hold (textcheck): a
// lead's cells are shown on desks, printed on terminals and written to
// logs, where a NUL or an escape sequence would act and a direction
// override (U+202E) would make a name read as another.
func controlChar(s string) error { return textcheck.Check(s) }

// abroadHint explains a refused number written with 00, the international
// prefix of many countries, under a region whose prefix it is not (011 in
// the US), when the number is valid with + in place of the 00: read under
// that region, the 00 is part of a national number.
func abroadHint(raw, region string) string {
	rest, ok := strings.CutPrefix(strings.TrimLeft(raw, " \t("), "00")
	if !ok {
		return ""
	}
	n, err := phonenumbers.Parse("+"+rest, "")
	if err != nil || !phonenumbers.IsValidNumber(n) {
		return ""
	}
	return fmt.Sprintf("; it starts with 00, which does not dial abroad from region %s: write it with + in place of the 00, %s, or read it with the region of a country where 00 dials abroad",
		strings.ToUpper(region), phonenumbers.Format(n, phonenumbers.INTERNATIONAL))
}

// NormalizePhone turns a number as people write it into E.164, with the
// time zones its country or area code has. region is the default country
// for numbers without a country code. Any valid number is taken, premium
// rate too (a do-not-call list may hold one); leads are read with
// LeadPhone.
func NormalizePhone(raw, region string) (e164 string, zones []string, err error) {
	_, e164, zones, err = parsePhone(raw, region)
	return e164, zones, err
}

// LeadPhone is NormalizePhone for a number a campaign is to dial: a
// premium-rate number (US 1-900, UK 09 and 087, French 089, as
// libphonenumber classes them) is refused, since every call to it would
// be charged to the campaign's trunk by the minute.
func LeadPhone(raw, region string) (e164 string, zones []string, err error) {
	n, e164, zones, err := parsePhone(raw, region)
	if err == nil && phonenumbers.GetNumberType(n) == phonenumbers.PREMIUM_RATE {
		return "", nil, fmt.Errorf("%q (%s): %w; a campaign does not dial those", raw, e164, ErrPremiumRate)
	}
	return e164, zones, err
}

func parsePhone(raw, region string) (n *phonenumbers.PhoneNumber, e164 string, zones []string, err error) {
	if err := CheckRegion(region); err != nil {
		return nil, "", nil, err
	}
	n, err = phonenumbers.Parse(raw, strings.ToUpper(region))
	if err != nil {
		return nil, "", nil, fmt.Errorf("%q: %w%s (%v)", raw, ErrBadNumber, abroadHint(raw, region), err)
	}
	if !phonenumbers.IsValidNumber(n) {
		return nil, "", nil, fmt.Errorf("%q: %w%s", raw, ErrBadNumber, abroadHint(raw, region))
	}
	if ext := n.GetExtension(); ext != "" {
		// Dialing the number alone would reach someone else (a switchboard).
		return nil, "", nil, fmt.Errorf("%q: has an extension (%s), which a dial cannot reach; give the number alone: %w", raw, ext, ErrBadNumber)
	}
	all, _ := phonenumbers.GetTimezonesForNumber(n)
	for _, z := range all {
		if zoneKnown(z) {
			zones = append(zones, z)
		}
	}
	return n, phonenumbers.Format(n, phonenumbers.E164), zones, nil
}

// CheckRegion refuses a default country libphonenumber does not know
// (every number written without its country code would be refused for
// it); "" means numbers must carry their country code.
func CheckRegion(region string) error {
	if region != "" && phonenumbers.GetCountryCodeForRegion(strings.ToUpper(region)) == 0 {
		return fmt.Errorf("region %q is not a country libphonenumber knows; use an ISO 3166 code such as US or GB", region)
	}
	return nil
}

// PlaceZone refuses a zone name that names no place: EST, GMT, PST8PDT,
// Etc/GMT+5 are an offset or a rule, not where someone lives. A list's
// EST means New York, which keeps daylight saving time; EST does not, and
// its 21:00 is New York's 22:00 all summer. UTC is taken, and so are the
// zone database's names of countries (Japan, GB, Poland), which follow
// their country's rules.
func PlaceZone(tz string) error {
	if offsetZones[tz] || strings.HasPrefix(tz, "Etc/GMT") || strings.HasPrefix(tz, "Etc/Greenwich") {
		return fmt.Errorf("time zone %q names no place: write the zone of the place, such as America/New_York or Europe/London (EST keeps UTC-5 all summer, GMT is not London's summer time)", tz)
	}
	return nil
}

// offsetZones are the zone database's names outside Etc/ that keep a
// fixed offset or a bare US rule: a time zone abbreviation, not a place.
var offsetZones = map[string]bool{
	"EST": true, "MST": true, "HST": true, "EST5EDT": true, "CST6CDT": true, "MST7MDT": true, "PST8PDT": true,
	"GMT": true, "GMT0": true, "GMT+0": true, "GMT-0": true, "Greenwich": true,
}

// knownZones caches the zone names that load: time.LoadLocation reads the
// zone database every time, which would dominate the import of a long
// list. Only names that load are kept, so the cache is bounded by the zone
// database, whatever a file holds.
var knownZones sync.Map // zone name → struct{}

func zoneKnown(name string) bool {
	if name == "" || name == "Local" { // the server's own zone, not the lead's
		return false
	}
	if _, ok := knownZones.Load(name); ok {
		return true
	}
	if _, err := time.LoadLocation(name); err != nil {
		return false
	}
	knownZones.Store(name, struct{}{})
	return true
}
