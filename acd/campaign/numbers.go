package campaign

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/hotline-cc/hotline/internal/csvcell"
)

// NumberRow is one good row of a number list (ScanNumbers).
type NumberRow struct {
	Row   int
	Phone string // E.164
	// Cells holds the other columns asked for, by their lower-cased names
	// (or the field they are mapped to); a blank cell is left out.
	Cells map[string]string
}

// ScanNumbers reads a list of numbers, such as a do-not-call file: its
// phone column (named phone, or the column m maps phone to) and, of the
// others, only those keep names (m may map them too). Other columns (a
// name, a time zone, notes) are not read, so nothing in them refuses a
// row. Any valid number is taken, premium rate too. The file is read as
// ScanCSV reads a lead list (separators, byte-order mark, line ends, the
// same limits); a bad row goes to bad, each good one to row.
func ScanNumbers(r io.Reader, region string, m map[string]string, keep []string, row func(NumberRow) error, bad func(RowError)) (rows int, err error) {
	defer func() {
		if err != nil && errors.Is(err, ErrBadFile) {
			err = listError{err}
		}
	}()
	if err := CheckRegion(region); err != nil {
		return 0, fmt.Errorf("%w: %w", ErrBadFile, err)
	}
	for _, f := range slices.Sorted(maps.Keys(m)) {
		if !strings.EqualFold(f, "phone") && !slices.Contains(keep, strings.ToLower(f)) {
			return 0, fmt.Errorf("%w: --map %s=%s: this file is read for phone, %s; no other field", ErrBadFile, f, m[f], strings.Join(keep, ", "))
		}
	}
	cr, header, err := openCSV(r)
	if err != nil {
		return 0, err
	}
	find := func(field string) (int, error) {
		name := field
		for f, col := range m {
			if strings.EqualFold(f, field) {
				name = col
			}
		}
		for i, h := range header {
			if !strings.EqualFold(strings.TrimSpace(h), strings.TrimSpace(name)) {
				continue
			}
			// Two columns of the name read: which one holds the value
			// is anyone's guess.
			for j := i + 1; j < len(header); j++ {
				if strings.EqualFold(strings.TrimSpace(header[j]), strings.TrimSpace(name)) {
					return -1, fmt.Errorf("%w: columns %d and %d are both named %q; rename one", ErrBadFile, i+1, j+1, strings.ToLower(strings.TrimSpace(name)))
				}
			}
			return i, nil
		}
		if name != field {
			return -1, fmt.Errorf("%w: --map %s=%s: no column %q in the header (%s)", ErrBadFile, field, name, name, strings.Join(header, ", "))
		}
		return -1, nil
	}
	phone, err := find("phone")
	if err != nil {
		return 0, err
	}
	if phone < 0 {
		return 0, fmt.Errorf("%w: no phone column: name it \"phone\" or map it (--map phone=COLUMN); header: %s", ErrBadFile, strings.Join(header, ", "))
	}
	cols := map[string]int{}
	for _, k := range keep {
		i, err := find(k)
		if err != nil {
			return 0, err
		}
		if i >= 0 {
			cols[k] = i
		}
	}
	cell := func(rec []string, i int) (string, *RowError) {
		if i >= len(rec) {
			return "", nil
		}
		v := strings.TrimSpace(rec[i])
		switch {
		case len(v) > MaxCell:
			return "", &RowError{Column: header[i], Err: fmt.Errorf("%d bytes long; a cell may hold at most %d (64 KiB)", len(v), MaxCell)}
		case !utf8.ValidString(v):
			return "", &RowError{Column: header[i], Err: errors.New("not UTF-8 text; save the file as UTF-8")}
		}
		v = csvcell.Unescape(v)
		if err := controlChar(v); err != nil {
			return "", &RowError{Column: header[i], Err: err}
		}
		return v, nil
	}
	parse := func(rec []string, rowNo int) (NumberRow, *RowError) {
		out := NumberRow{Row: rowNo}
		if err := beyondHeader(rec, len(header)); err != nil {
			// An unquoted separator before the phone column would
			// have the wrong cell read as the number.
			return NumberRow{}, &RowError{Row: rowNo, Err: err}
		}
		raw, rerr := cell(rec, phone)
		if rerr == nil && raw == "" {
			rerr = &RowError{Column: header[phone], Err: errors.New("empty phone number")}
		}
		if rerr == nil {
			var err error
			if out.Phone, _, err = NormalizePhone(raw, region); err != nil {
				rerr = &RowError{Column: header[phone], Err: err}
			}
		}
		for _, k := range keep {
			i, ok := cols[k]
			if !ok || rerr != nil {
				continue
			}
			var v string
			if v, rerr = cell(rec, i); rerr == nil && v != "" {
				if out.Cells == nil {
					out.Cells = map[string]string{}
				}
				out.Cells[k] = v
			}
		}
		if rerr != nil {
			rerr.Row = rowNo
			return NumberRow{}, rerr
		}
		return out, nil
	}
	return scanRows(cr, 0, parse, row, bad, nil)
}

// listError is a bad file of numbers (a do-not-call list): it says so
// rather than naming a lead file, and is still an ErrBadFile.
type listError struct{ err error }

func (e listError) Error() string {
	return strings.Replace(e.err.Error(), ErrBadFile.Error(), "campaign: bad number list", 1)
}

func (e listError) Unwrap() error { return e.err }

// OpenCSV opens a CSV file of another kind (a contact file) as a lead
// list is opened: the byte-order mark, lines ended by a carriage return,
// the separator sniffed, the same limits (a row over 4 MiB as written, a
// quote left open, is refused). Its errors are ErrBadFile, naming kind
// ("contact file") rather than a lead file. The reader reuses its record.
func OpenCSV(r io.Reader, kind string) (*csv.Reader, []string, error) {
	cr, header, err := openCSV(r)
	if err != nil {
		return nil, nil, KindError(err, kind)
	}
	return cr, header, nil
}

// KindError names kind ("contact file") in an ErrBadFile error in place of
// a lead file; it is still ErrBadFile. Any other error is returned as is.
func KindError(err error, kind string) error {
	if err == nil || !errors.Is(err, ErrBadFile) {
		return err
	}
	return kindError{err: err, kind: kind}
}

type kindError struct {
	err  error
	kind string
}

func (e kindError) Error() string {
	return strings.Replace(e.err.Error(), ErrBadFile.Error(), "bad "+e.kind, 1)
}

func (e kindError) Unwrap() error { return e.err }
