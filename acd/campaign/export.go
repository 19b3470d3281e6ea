package campaign

import (
	"encoding/csv"
	"io"
	"maps"
	"slices"
	"strconv"
	"time"
)

// WriteCSV writes leads as CSV: id, phone, name, time zone, state,
// attempts, next attempt, last outcome and disposition, then the imported
// columns and a survey's answers (as answer:NAME), each in name order.
func WriteCSV(w io.Writer, leads []Lead) error {
	custom, answered := map[string]bool{}, map[string]bool{}
	for _, l := range leads {
		for k := range l.Fields {
			custom[k] = true
		}
		for k := range l.Answers {
			answered[k] = true
		}
	}
	extra, answers := slices.Sorted(maps.Keys(custom)), slices.Sorted(maps.Keys(answered))
	cw := csv.NewWriter(w)
	header := append([]string{"id", "phone", "name", "timezone", "state", "attempts", "next_attempt", "last_outcome", "disposition"}, extra...)
	for _, k := range answers {
		header = append(header, "answer:"+k) // apart from the imported columns
	}
	_ = cw.Write(header)
	for _, l := range leads {
		next, last := "", ""
		if !l.NextAttempt.IsZero() {
			next = l.NextAttempt.Format(time.RFC3339)
		}
		if l.LastOutcome != 0 {
			last = l.LastOutcome.String()
		}
		row := []string{l.ID, l.Phone, l.Name, l.TimeZone, l.State.String(), strconv.Itoa(l.Attempts), next, last, l.Disposition}
		for _, k := range extra {
			row = append(row, l.Fields[k])
		}
		for _, k := range answers {
			row = append(row, l.Answers[k])
		}
		_ = cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}
