package campaign

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/internal/csvcell"
)

// WriteCSV writes leads as CSV: id, phone, name, time zone, state,
// attempts, next attempt, last outcome and disposition, then, when any
// lead was skipped in preview mode, its skips (count), the last skip's
// reason, note, agent and time, and the skips it keeps (Lead.SkipLog) as
// a JSON array of {agent, at, reason, note}, then the imported columns and a
// survey's answers (as answer:NAME), each in name order.
// each lists the leads, and is called twice: for the columns, then for the
// rows, so that no list is held in memory. Nothing is written when the
// first listing fails. A cell a spreadsheet would run as a formula is
// written behind an apostrophe (see csvcell.Escape); ImportCSV reads it back.
func WriteCSV(w io.Writer, each func(fn func(Lead) bool) error) error {
	// Fields named alike but for case (Region from one import, region from
	// another) share a column, under the first spelling in name order: as
	// two, the import would take one for the export's field: column of the
	// other and drop it.
	custom, answered := map[string]string{}, map[string]bool{} // lower-cased field -> its column
	skipped := false
	if err := each(func(l Lead) bool {
		skipped = skipped || l.LastSkip != nil
		for k := range l.Fields {
			if c, ok := custom[strings.ToLower(k)]; !ok || k < c {
				custom[strings.ToLower(k)] = k
			}
		}
		for k := range l.Answers {
			answered[k] = true
		}
		return true
	}); err != nil {
		return err
	}
	extra, answers := slices.Sorted(maps.Values(custom)), slices.Sorted(maps.Keys(answered))
	cw := csv.NewWriter(w)
	header := append([]string{"id", "phone", "name", "timezone"}, exportOwn...)
	if skipped {
		header = append(header, exportSkips...)
	}
	for _, k := range extra {
		header = append(header, exportedField(k, header))
	}
	for _, k := range answers {
		header = append(header, "answer:"+k) // apart from the imported columns
	}
	_ = cw.Write(csvcell.EscapeRow(header))
	err := each(func(l Lead) bool {
		next, last := "", ""
		if !l.NextAttempt.IsZero() && l.State.Dialable() {
			// A done, failed or dialing lead has no next attempt: the time
			// it keeps is of the attempt it was due for.
			next = l.NextAttempt.Format(time.RFC3339)
		}
		if l.LastOutcome != 0 {
			last = l.LastOutcome.String()
		}
		row := []string{l.ID, l.Phone, l.Name, l.TimeZone, l.State.String(), strconv.Itoa(l.Attempts), next, last, l.Disposition}
		if skipped {
			row = append(row, skipCells(l)...)
		}
		for _, k := range extra {
			v, ok := l.Fields[k]
			if !ok {
				for f, fv := range l.Fields {
					if strings.EqualFold(f, k) {
						v = fv
						break
					}
				}
			}
			row = append(row, v)
		}
		for _, k := range answers {
			row = append(row, l.Answers[k])
		}
		return cw.Write(csvcell.EscapeRow(row)) == nil
	})
	cw.Flush()
	return errors.Join(err, cw.Error())
}

// fieldPrefix marks an imported column written under a name the export
// uses itself; ImportCSV takes it off again.
const fieldPrefix = "field:"

// exportedField is the column name of an imported field k: k, or
// field:k when one of ours (in any case) or an answer column has that name.
func exportedField(k string, ours []string) string {
	if slices.ContainsFunc(ours, func(h string) bool { return strings.EqualFold(h, k) }) ||
		strings.HasPrefix(strings.ToLower(k), "answer:") || strings.HasPrefix(strings.ToLower(k), fieldPrefix) {
		return fieldPrefix + k
	}
	return k
}

// skipCells are a lead's skip columns: how many skips, and the last one's
// reason, note, agent and time.
func skipCells(l Lead) []string {
	n := 0
	for _, k := range l.Skips {
		n += k
	}
	s := l.LastSkip
	if s == nil {
		return []string{strconv.Itoa(n), "", "", "", "", ""}
	}
	at := ""
	if !s.At.IsZero() {
		at = s.At.UTC().Format(time.RFC3339)
	}
	hist, _ := json.Marshal(l.SkipLog()) // plain strings and times: it cannot fail
	return []string{strconv.Itoa(n), s.Reason, s.Note, s.Agent, at, string(hist)}
}

// exportOwn are the columns an export writes of the lead's progress, after
// its id, phone, name and time zone; an import of the export reads none of
// them (see mapColumns).
var exportOwn = []string{"state", "attempts", "next_attempt", "last_outcome", "disposition"}

// exportSkips are the columns of a preview campaign's skips in an export.
var exportSkips = []string{"skips", "last_skip_reason", "last_skip_note", "last_skip_agent", "last_skip_at", "skip_history"}
