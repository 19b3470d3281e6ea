package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hotline-cc/hotline/internal/csvcell"
)

// Kind is which rows of a report are written.
type Kind string

// Kinds of report.
const (
	KindQueues       Kind = "queues"
	KindAgents       Kind = "agents"
	KindDispositions Kind = "dispositions"
	KindCampaigns    Kind = "campaigns"
)

// Kinds lists the kinds in the order help texts name them.
var Kinds = []Kind{KindQueues, KindAgents, KindDispositions, KindCampaigns}

// ParseKind reads a kind by name.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds {
		if string(k) == s {
			return k, nil
		}
	}
	return "", fmt.Errorf("report %q: %w (want queues, agents, dispositions or campaigns)", s, ErrBadOption)
}

// Formats a report is written in.
const (
	FormatTable = "table"
	FormatCSV   = "csv"
	FormatJSON  = "json"
)

// Write writes the rows of one kind, then the period's totals, in format.
func Write(w io.Writer, r *Report, kind Kind, format string) error {
	if _, err := ParseKind(string(kind)); err != nil {
		return err
	}
	switch format {
	case FormatJSON:
		return writeJSON(w, r, kind)
	case FormatCSV:
		return writeCSV(w, r, kind)
	case FormatTable, "":
		return writeTable(w, r, kind)
	}
	return fmt.Errorf("format %q: %w (want table, csv or json)", format, ErrBadOption)
}

func writeJSON(w io.Writer, r *Report, kind Kind) error {
	pick := func(rs Rows) any {
		switch kind {
		case KindAgents:
			return nonNil(rs.Agents)
		case KindDispositions:
			return nonNil(rs.Dispositions)
		case KindCampaigns:
			return nonNil(rs.Campaigns)
		}
		return nonNil(rs.Queues)
	}
	out := struct {
		Report       Kind      `json:"report"`
		From         time.Time `json:"from"`
		To           time.Time `json:"to"`
		Location     string    `json:"timezone"`
		Interval     Interval  `json:"interval"`
		ShortAbandon Seconds   `json:"short_abandon_s"`
		Rows         any       `json:"rows"`
		Totals       any       `json:"totals"`
	}{kind, r.From.In(loc(r)), r.To.In(loc(r)), r.Location, r.Interval, secs(r.ShortAbandon), pick(r.Rows), pick(r.Totals)}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func loc(r *Report) *time.Location {
	l, err := time.LoadLocation(r.Location)
	if err != nil {
		return time.UTC
	}
	return l
}

// columns gives a kind's header and the cells of its rows; the CSV writes
// them raw, the table writes them rounded. In the CSV, a text cell (a name,
// a disposition, pause reasons) that a spreadsheet would run as a formula
// is written behind an apostrophe (csvcell.Escape); the figures are written
// as they are, so that a spreadsheet reads them as numbers.
func columns(rs Rows, kind Kind, table bool) (header []string, rows [][]string) {
	text := func(s string) string {
		if table {
			return s
		}
		return csvcell.Escape(s)
	}
	d := func(s Seconds) string {
		if table {
			return s.Duration().Round(time.Second).String()
		}
		return strconv.FormatFloat(float64(s), 'f', 3, 64)
	}
	pct := func(x float64) string {
		if table {
			return strconv.FormatFloat(100*x, 'f', 1, 64) + "%"
		}
		return strconv.FormatFloat(x, 'f', 4, 64)
	}
	n := strconv.Itoa
	switch kind {
	case KindQueues:
		header = []string{"start", "end", "queue", "offered", "answered", "abandoned", "short_abandoned", "overflowed",
			"overflow_in", "callbacks", "callbacks_handled", "threshold_s", "in_sl", "sl_answered", "sl_offered", "abandon_rate",
			"asa_s", "avg_wait_s", "p90_wait_s", "max_wait_s", "transfers", "handled", "aht_s",
			"contact_answered", "repeated", "fcr"}
		for _, q := range rs.Queues {
			rows = append(rows, []string{stamp(q.Start, table), stamp(q.End, table), text(q.Queue), n(q.Offered), n(q.Answered), n(q.Abandoned),
				n(q.ShortAbandoned), n(q.Overflowed), n(q.OverflowIn), n(q.Callbacks), n(q.CallbacksHandled), d(q.Threshold), n(q.InSL),
				pct(q.SLAnswered), pct(q.SLOffered), pct(q.AbandonRate), d(q.ASA), d(q.AvgWait), d(q.P90Wait), d(q.MaxWait),
				n(q.Transfers), n(q.Handled), d(q.AHT), n(q.ContactAnswered), n(q.Repeated), pct(q.FCR)})
		}
	case KindAgents:
		header = []string{"start", "end", "agent", "offered", "answered", "missed", "talk_s", "hold_s", "wrap_up_s", "transfers", "aht_s",
			"logged_in_s", "available_s", "ringing_s", "on_call_s", "in_wrap_up_s", "paused_s", "pauses", "occupancy", "utilization"}
		for _, a := range rs.Agents {
			var pauses []string
			for _, reason := range slices.Sorted(maps.Keys(a.Pauses)) {
				pauses = append(pauses, cmpReason(reason)+"="+d(a.Pauses[reason]))
			}
			rows = append(rows, []string{stamp(a.Start, table), stamp(a.End, table), text(a.Agent), n(a.Offered), n(a.Answered), n(a.Missed),
				d(a.Talk), d(a.Hold), d(a.WrapUp), n(a.Transfers), d(a.AHT), d(a.LoggedIn), d(a.Available), d(a.Ringing), d(a.OnCall), d(a.InWrapUp),
				d(a.Paused), text(strings.Join(pauses, " ")), pct(a.Occupancy), pct(a.Utilization)})
		}
	case KindCampaigns:
		header = []string{"start", "end", "campaign", "dials", "busy", "no_answer", "machines", "failed", "contacts", "contact_rate", "connected",
			"abandoned", "abandon_rate", "abandon_cap", "over_cap", "sales", "conversion", "talk_s", "aht_s"}
		for _, c := range rs.Campaigns {
			rows = append(rows, []string{stamp(c.Start, table), stamp(c.End, table), text(c.Campaign), n(c.Dials), n(c.Busy), n(c.NoAnswer),
				n(c.Machines), n(c.Failed), n(c.Contacts), pct(c.ContactRate), n(c.Connected), n(c.Abandoned), pct(c.AbandonRate), pct(c.AbandonCap),
				strconv.FormatBool(c.OverCap), n(c.Sales), pct(c.Conversion), d(c.Talk), d(c.AHT)})
		}
	case KindDispositions:
		header = []string{"start", "end", "queue", "disposition", "calls"}
		for _, x := range rs.Dispositions {
			rows = append(rows, []string{stamp(x.Start, table), stamp(x.End, table), text(x.Queue), text(x.Disposition), n(x.Calls)})
		}
	}
	return header, rows
}

// cmpReason names a pause without a reason.
func cmpReason(r string) string {
	if r == "" {
		return "(none)"
	}
	return r
}

func stamp(t time.Time, table bool) string {
	if table {
		return t.Format("2006-01-02 15:04 MST")
	}
	return t.Format(time.RFC3339)
}

func writeCSV(w io.Writer, r *Report, kind Kind) error {
	cw := csv.NewWriter(w)
	header, rows := columns(r.Rows, kind, false)
	_, totals := columns(r.Totals, kind, false)
	if err := cw.Write(append([]string{"row"}, header...)); err != nil {
		return err
	}
	for _, row := range rows {
		_ = cw.Write(append([]string{"interval"}, row...))
	}
	for _, row := range totals {
		_ = cw.Write(append([]string{"total"}, row...))
	}
	cw.Flush()
	return cw.Error()
}

func writeTable(w io.Writer, r *Report, kind Kind) error {
	l := loc(r)
	fmt.Fprintf(w, "%s from %s to %s (%s), by %s\n", kind, r.From.In(l).Format("2006-01-02 15:04"),
		r.To.In(l).Format("2006-01-02 15:04"), r.Location, r.Interval)
	header, rows := columns(r.Rows, kind, true)
	_, totals := columns(r.Totals, kind, true)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for i, h := range header {
		header[i] = strings.ReplaceAll(strings.TrimSuffix(h, "_s"), "_", " ")
	}
	fmt.Fprintln(tw, strings.Join(header[0:1], "")+"\t"+strings.Join(header[2:], "\t"))
	for _, row := range rows {
		fmt.Fprintln(tw, row[0]+"\t"+strings.Join(row[2:], "\t"))
	}
	for _, row := range totals {
		fmt.Fprintln(tw, "total\t"+strings.Join(row[2:], "\t"))
	}
	if len(rows)+len(totals) == 0 {
		fmt.Fprintln(tw, "(no calls or agent times in the period)")
	}
	return tw.Flush()
}
