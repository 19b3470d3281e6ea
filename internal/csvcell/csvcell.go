// Package csvcell keeps Hotline's CSV exports from running in a
// spreadsheet. A spreadsheet runs a cell that starts with =, +, -, @, a tab
// or a carriage return as a formula, so a name, note or answer typed as
// =HYPERLINK(…) would act in whoever opens the export. Escape writes such a
// cell behind an apostrophe, which spreadsheets show as text, and Unescape
// takes the apostrophe off again. So that every string comes back as it
// was, a cell already of the form "'…'=…" (apostrophes, then one of those
// characters) gets one more apostrophe too, and Unescape takes one off
// exactly the cells of that form: a name such as "'Tis" or "O'Neil" is
// written and read as it is.
//
// Exports escape every cell that holds text (names, numbers as dialled,
// notes, reasons, answers, ids); a figure Hotline formats itself (a count,
// a duration, a rate, a time) is written as it is, so that a spreadsheet
// reads -3 or +2.5 as a number.
package csvcell

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"strings"
)

// formulaStart reports whether a spreadsheet would read a cell starting
// with b as a formula.
func formulaStart(b byte) bool {
	switch b {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

// IsFormula reports whether a spreadsheet would run cell as a formula.
func IsFormula(cell string) bool { return cell != "" && formulaStart(cell[0]) }

// escaped reports whether s is at least apostrophes apostrophes then a
// formula character, the form Escape puts one more apostrophe before.
func escaped(s string, apostrophes int) bool {
	rest := strings.TrimLeft(s, "'")
	return len(s)-len(rest) >= apostrophes && IsFormula(rest)
}

// Escape is s as an exported CSV cell: s behind an apostrophe when a
// spreadsheet would run it (or when it is apostrophes before such a
// start), else s as it is. Unescape gives s back.
func Escape(s string) string {
	if escaped(s, 0) {
		return "'" + s
	}
	return s
}

// Unescape is the value of a cell Escape wrote: one apostrophe less on a
// cell of apostrophes then =, +, -, @, tab or carriage return, any other
// cell as it is.
func Unescape(s string) string {
	if escaped(s, 1) {
		return s[1:]
	}
	return s
}

// EscapeRow escapes every cell of row in place and returns it.
func EscapeRow(row []string) []string {
	for i, s := range row {
		row[i] = Escape(s)
	}
	return row
}

// UnescapeRow unescapes every cell of row in place and returns it.
func UnescapeRow(row []string) []string {
	for i, s := range row {
		row[i] = Unescape(s)
	}
	return row
}

// Check reads a CSV file and names every cell of it a spreadsheet would
// run as a formula, by row and column counted from 1; nil when there is
// none. It lets a test hold an export to this package's rule.
func Check(data []byte) error {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	recs, err := cr.ReadAll()
	if err != nil {
		return err
	}
	var errs []error
	for i, rec := range recs {
		for j, cell := range rec {
			if IsFormula(cell) {
				errs = append(errs, fmt.Errorf("row %d column %d: %q would run as a formula", i+1, j+1, cell))
			}
		}
	}
	return errors.Join(errs...)
}
