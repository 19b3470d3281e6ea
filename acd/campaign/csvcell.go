package campaign

import "strings"

// A spreadsheet runs a cell that starts with =, +, -, @, a tab or a
// carriage return as a formula, so a lead's name typed as =HYPERLINK(…)
// would act in whoever opens the export. The export writes such a cell
// behind an apostrophe, which spreadsheets show as text, and the import
// takes the apostrophe off again. So that every string comes back as it
// was, a cell already of the form "'…'=…" (apostrophes, then one of those
// characters) gets one more apostrophe too, and the import takes one off
// exactly the cells of that form: a name such as "'Tis" or "O'Neil" is
// written and read as it is.

// formulaStart reports whether a spreadsheet would read a cell starting
// with b as a formula.
func formulaStart(b byte) bool {
	switch b {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

// escaped reports whether s is apostrophes then a formula character, the
// form EscapeCell puts one more apostrophe before.
func escaped(s string, apostrophes int) bool {
	rest := strings.TrimLeft(s, "'")
	return len(s)-len(rest) >= apostrophes && rest != "" && formulaStart(rest[0])
}

// EscapeCell is s as an exported CSV cell: s behind an apostrophe when a
// spreadsheet would run it (or when it is apostrophes before such a
// start), else s as it is. UnescapeCell gives s back.
func EscapeCell(s string) string {
	if escaped(s, 0) {
		return "'" + s
	}
	return s
}

// UnescapeCell is the value of a cell EscapeCell wrote: one apostrophe
// less on a cell of apostrophes then =, +, -, @, tab or carriage return,
// any other cell as it is.
func UnescapeCell(s string) string {
	if escaped(s, 1) {
		return s[1:]
	}
	return s
}

// EscapeRow escapes every cell of row in place and returns it.
func EscapeRow(row []string) []string {
	for i, s := range row {
		row[i] = EscapeCell(s)
	}
	return row
}
