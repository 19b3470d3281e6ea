package contact

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/internal/csvcell"
)

// columns are the CSV columns with a meaning; any other column is a custom
// field. Lists (phones, tags) are separated by ';'.
var columns = []string{"id", "phones", "name", "company", "email", "language", "tags", "preferred_agent", "notes"}

// RowError is one CSV row that could not be read; Row counts from 1 at the
// header, as a spreadsheet does.
type RowError struct {
	Row int
	Err error
}

func (e RowError) Error() string { return fmt.Sprintf("row %d: %v", e.Row, e.Err) }

// Row is a contact read from CSV and the row it came from.
type Row struct {
	Row int
	Contact
}

// ReadCSV reads contacts with a header row. A row with a problem is left
// out and reported; the others are returned normalized (their IDs zero).
// A cell WriteCSV wrote behind an apostrophe is read without it (see
// csvcell.Unescape). The file is opened as a lead list is (a byte-order
// mark, lines ended by a carriage return, the separator sniffed); a row is
// numbered by the file line it starts on. The error is for a file that
// cannot be read at all, nothing of it taken: two columns of one name, a
// quote left open (it would swallow the rows after it), a row too long.
func ReadCSV(r io.Reader, region string) ([]Row, []RowError, error) {
	cr, header, err := campaign.OpenCSV(r, "contact file")
	if err != nil {
		return nil, nil, err
	}
	seen := map[string]int{}
	for i := range header {
		header[i] = strings.ToLower(header[i])
		if header[i] == "" {
			continue
		}
		if j, dup := seen[header[i]]; dup {
			return nil, nil, campaign.KindError(fmt.Errorf("%w: columns %d and %d are both named %q; rename one", campaign.ErrBadFile, j+1, i+1, header[i]), "contact file")
		}
		seen[header[i]] = i
	}
	if !slices.Contains(header, "phones") {
		return nil, nil, campaign.KindError(fmt.Errorf("%w: no %q column; header: %s", campaign.ErrBadFile, "phones", strings.Join(header, ", ")), "contact file")
	}
	var out []Row
	var bad []RowError
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				err = fmt.Errorf("%w: row %d: %w", campaign.ErrBadFile, pe.StartLine, err)
			} else {
				err = fmt.Errorf("%w: %w", campaign.ErrBadFile, err)
			}
			return nil, nil, campaign.KindError(err, "contact file")
		}
		row, _ := cr.FieldPos(0)
		if len(rec) != len(header) {
			bad = append(bad, RowError{Row: row, Err: fmt.Errorf("%d columns, header has %d", len(rec), len(header))})
			continue
		}
		if err := checkCells(header, rec); err != nil {
			bad = append(bad, RowError{Row: row, Err: err})
			continue
		}
		c := fromRow(header, csvcell.UnescapeRow(rec))
		if err := c.Normalize(region); err != nil {
			bad = append(bad, RowError{Row: row, Err: err})
			continue
		}
		out = append(out, Row{Row: row, Contact: c})
	}
	return out, bad, nil
}

// checkCells refuses a row with a cell that is not UTF-8 text (a file in
// another encoding would be stored with its letters replaced) or longer
// than a lead's cell may be.
func checkCells(header, rec []string) error {
	for i, v := range rec {
		switch {
		case !utf8.ValidString(v):
			return fmt.Errorf("column %s: not UTF-8 text; save the file as UTF-8", header[i])
		case len(v) > campaign.MaxCell:
			return fmt.Errorf("column %s: %d bytes long; a cell may hold at most %d (64 KiB)", header[i], len(v), campaign.MaxCell)
		}
	}
	return nil
}

func fromRow(header, rec []string) Contact {
	var c Contact
	for i, col := range header {
		v := rec[i]
		switch col {
		case "id":
		case "phones":
			c.Phones = strings.Split(v, ";")
		case "name":
			c.Name = v
		case "company":
			c.Company = v
		case "email":
			c.Email = v
		case "language":
			c.Language = v
		case "tags":
			c.Tags = strings.Split(v, ";")
		case "preferred_agent":
			c.PreferredAgent = v
		case "notes":
			c.Notes = v
		default:
			if v != "" {
				if c.Fields == nil {
					c.Fields = map[string]string{}
				}
				c.Fields[col] = v
			}
		}
	}
	return c
}

// WriteCSV writes contacts with a header: the built-in columns, then every
// custom field any of them has, sorted. A cell a spreadsheet would run as
// a formula is written behind an apostrophe (see csvcell.Escape); ReadCSV
// reads it back.
func WriteCSV(w io.Writer, cs []Contact) error {
	var extra []string
	seen := map[string]bool{}
	for _, c := range cs {
		for k := range c.Fields {
			if !seen[k] {
				seen[k] = true
				extra = append(extra, k)
			}
		}
	}
	sort.Strings(extra)
	cw := csv.NewWriter(w)
	// Names, notes, fields and phones come from callers and agents: never
	// a formula in a spreadsheet (ReadCSV takes the escape off).
	if err := cw.Write(csvcell.EscapeRow(append(slices.Clone(columns), extra...))); err != nil {
		return err
	}
	for _, c := range cs {
		rec := []string{fmt.Sprint(c.ID), strings.Join(c.Phones, ";"), c.Name, c.Company, c.Email, c.Language,
			strings.Join(c.Tags, ";"), c.PreferredAgent, c.Notes}
		for _, k := range extra {
			rec = append(rec, c.Fields[k])
		}
		if err := cw.Write(csvcell.EscapeRow(rec)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
