package contact

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

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
// csvcell.Unescape). The error is for a file that cannot be read at all.
func ReadCSV(r io.Reader, region string) ([]Row, []RowError, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("csv header: %w", err)
	}
	for i := range header {
		header[i] = strings.ToLower(csvcell.Unescape(strings.TrimSpace(header[i])))
	}
	if !slices.Contains(header, "phones") {
		return nil, nil, fmt.Errorf("csv header: no %q column", "phones")
	}
	var out []Row
	var bad []RowError
	for row := 2; ; row++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return out, bad, fmt.Errorf("csv row %d: %w", row, err)
			}
			bad = append(bad, RowError{Row: row, Err: pe.Err})
			continue
		}
		if len(rec) != len(header) {
			bad = append(bad, RowError{Row: row, Err: fmt.Errorf("%d columns, header has %d", len(rec), len(header))})
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
