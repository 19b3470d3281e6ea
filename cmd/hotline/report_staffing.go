package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/pflag"

	"github.com/hotline-cc/hotline/acd/report"
	"github.com/hotline-cc/hotline/acd/staffing"
	"github.com/hotline-cc/hotline/internal/csvcell"
)

// staffingCheckOptions make `hotline staffing` compare a measured period
// with the model instead of sizing a volume given on the command line.
type staffingCheckOptions struct {
	from, to, interval, tz, store, api string
}

func (o *staffingCheckOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.from, "from", "", "check a measured period from here (2026-01-05, 2026-01-05T09:00 or RFC 3339) against the model")
	fs.StringVar(&o.to, "to", "", "end of the measured period, excluded")
	fs.StringVar(&o.interval, "interval", "hour", "with --from: compare per 15m | hour | day | week | month | period")
	fs.StringVar(&o.tz, "tz", "", "with --from: the call center's time zone (default: the machine's)")
	fs.StringVar(&o.store, "store", "", "with --from: read this store file (default: ask the running daemon)")
	fs.StringVar(&o.api, "api", "", "with --from: daemon API address (default: server.listen from the config)")
}

// staffingCheckRow is one interval measured and modelled.
type staffingCheckRow struct {
	Start        time.Time `json:"start"`
	CallsPerHour float64   `json:"calls_per_hour"`
	AHTSeconds   float64   `json:"aht_s"`
	Staffed      float64   `json:"staffed"` // mean agents logged in and not paused
	Needed       int       `json:"needed"`  // agents the model needs for the target (0: no calls)
	SL           float64   `json:"sl"`      // measured, over answered + abandoned
	ModelSL      float64   `json:"model_sl"`
	ASASeconds   float64   `json:"asa_s"`
	ModelASA     float64   `json:"model_asa_s"`
	Abandon      float64   `json:"abandon"`
	ModelAbandon float64   `json:"model_abandon"`
	Note         string    `json:"note,omitempty"`
}

// runStaffingCheck measures each interval of a period (all queues
// together: agents are shared) and sets the model beside it: the staffing
// the target needed, and what the model expects of the agents who were
// staffed.
func runStaffingCheck(ctx context.Context, w io.Writer, g *globalOptions, o *staffingOptions) error {
	target, err := parseTarget(o.target)
	if err != nil {
		return invalidArg(err)
	}
	if o.callsPerHour != 0 || o.aht != 0 {
		return invalidArg(errors.New("--from checks a measured period: leave out --calls-per-hour and --aht"))
	}
	ro := &reportOptions{from: o.check.from, to: o.check.to, interval: o.check.interval, tz: o.check.tz, format: report.FormatJSON}
	cfg, err := reportConfig(g)
	if err != nil {
		return err
	}
	q, err := ro.query(string(report.KindQueues), cfg)
	if err != nil {
		return err
	}
	// The measured service level uses the target's threshold.
	q.Options.Threshold = func(string) time.Duration { return target.Within }
	var rep *report.Report
	if o.check.store != "" {
		db, err := openReportStore(o.check.store)
		if err != nil {
			return err
		}
		defer db.Close()
		q.Options.Now = time.Now() // the hours ahead have no staff yet
		if rep, _, err = report.Build(db, q.Options); err != nil {
			return err
		}
	} else {
		c := clientOptions{api: o.check.api}
		base, err := c.base(g)
		if err != nil {
			return err
		}
		if rep, err = fetchReport(ctx, base, q); err != nil {
			return err
		}
	}
	rows := staffingCheck(rep, target, o.patience)
	switch o.format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	case "csv":
		return writeStaffingCheckCSV(w, rows)
	case "table":
	default:
		return invalidArg(fmt.Errorf("--format %q: want table, csv or json", o.format))
	}
	model := "Erlang C"
	if o.patience > 0 {
		model = fmt.Sprintf("Erlang A (mean patience %v)", o.patience)
	}
	fmt.Fprintf(w, "Measured against %s, target %.0f%% within %v; model figures are for the agents staffed\n\n", model, 100*target.Share, target.Within)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "start\tcalls/h\tAHT\tstaffed\tneeded\tSL\tmodel SL\tASA\tmodel ASA\tabandon\tmodel abandon\t\t")
	pct := func(x float64) string { return strconv.FormatFloat(100*x, 'f', 1, 64) + "%" }
	secs := func(s float64) string { return asaText(s, time.Second) }
	for _, r := range rows {
		if r.Needed == 0 {
			fmt.Fprintf(tw, "%s\t0\t-\t%.1f\t0\t-\t-\t-\t-\t-\t-\t%s\t\n", r.Start.Format("2006-01-02 15:04"), r.Staffed, r.Note)
			continue
		}
		fmt.Fprintf(tw, "%s\t%.1f\t%s\t%.1f\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.Start.Format("2006-01-02 15:04"), r.CallsPerHour,
			secs(r.AHTSeconds), r.Staffed, r.Needed, pct(r.SL), pct(r.ModelSL), secs(r.ASASeconds), secs(r.ModelASA),
			pct(r.Abandon), pct(r.ModelAbandon), r.Note)
	}
	return tw.Flush()
}

// writeStaffingCheckCSV writes the figures as they are and the note, the
// one text column, escaped (csvcell.Escape).
func writeStaffingCheckCSV(w io.Writer, rows []staffingCheckRow) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"start", "calls_per_hour", "aht_s", "staffed", "needed", "sl", "model_sl", "asa_s", "model_asa_s", "abandon", "model_abandon", "note"})
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', 4, 64) }
	for _, r := range rows {
		_ = cw.Write([]string{r.Start.Format(time.RFC3339), f(r.CallsPerHour), f(r.AHTSeconds), f(r.Staffed), strconv.Itoa(r.Needed),
			f(r.SL), f(r.ModelSL), f(r.ASASeconds), f(r.ModelASA), f(r.Abandon), f(r.ModelAbandon), csvcell.Escape(r.Note)})
	}
	cw.Flush()
	return cw.Error()
}

// staffingCheck is the pure part of runStaffingCheck.
func staffingCheck(rep *report.Report, target staffing.Target, patience time.Duration) []staffingCheckRow {
	type sums struct {
		start                                  time.Time
		length                                 time.Duration
		offered, answered, abandoned, inSL, hd int
		wait, handle                           float64
		staffed                                float64
	}
	// An interval counts from the period's start (--from inside an hour)
	// to its end or now, whichever comes first: the hours ahead are left
	// out, and the one under way is measured over what has passed.
	var order []*sums
	by := map[int64]*sums{}
	at := func(start, end time.Time) *sums {
		k := start.UnixNano()
		if by[k] == nil {
			if rep.Interval == report.IntervalPeriod {
				start, end = rep.From, rep.To
			}
			by[k] = &sums{start: start, length: rep.Counted(start, end)}
			order = append(order, by[k])
		}
		return by[k]
	}
	for _, q := range rep.Rows.Queues {
		s := at(q.Start, q.End)
		// A call that overflowed into another queue is offered there
		// again: it is one call of the period. (A transferred call is
		// counted in each queue, as its legs are in the handle time.)
		s.offered += q.Offered - q.OverflowIn
		s.answered += q.Answered
		s.abandoned += q.Abandoned
		s.inSL += q.InSL
		s.hd += q.Handled
		s.wait += float64(q.WaitAnswered)
		s.handle += float64(q.Handle)
	}
	for _, a := range rep.Rows.Agents {
		s := at(a.Start, a.End)
		s.staffed += float64(a.LoggedIn - a.Paused)
	}
	var rows []staffingCheckRow
	for _, s := range order {
		if s.length <= 0 {
			continue // ahead of now
		}
		hours := s.length.Hours()
		r := staffingCheckRow{Start: s.start, Staffed: s.staffed / s.length.Seconds()}
		if s.offered == 0 || s.hd == 0 || hours <= 0 {
			r.Note = "no calls handled"
			rows = append(rows, r)
			continue
		}
		r.CallsPerHour = float64(s.offered) / hours
		r.AHTSeconds = s.handle / float64(s.hd)
		r.SL = float64(s.inSL) / float64(max(1, s.answered+s.abandoned))
		r.ASASeconds = s.wait / float64(max(1, s.answered))
		r.Abandon = float64(s.abandoned) / float64(max(1, s.answered+s.abandoned))
		tr := staffing.Traffic{CallsPerHour: r.CallsPerHour, AHT: time.Duration(r.AHTSeconds * float64(time.Second)), Patience: patience}
		if best, err := staffing.Agents(tr, target, 0); err == nil {
			r.Needed = best.Agents
		} else {
			r.Note = err.Error()
		}
		n := int(math.Round(r.Staffed))
		if n < 1 {
			r.Note = "no agent staffed"
		} else if m, err := staffing.Model(tr, n, target.Within); err == nil && (m.Stable || patience > 0) {
			r.ModelSL, r.ModelASA, r.ModelAbandon = m.ServiceLevel, m.ASA.Seconds(), m.Abandon
		} else if err == nil {
			r.Note = fmt.Sprintf("%d agents cannot carry %.1f Erlangs without abandonment", n, m.Load)
		}
		if r.Needed > n && r.Note == "" {
			r.Note = fmt.Sprintf("understaffed by %d", r.Needed-n)
		}
		rows = append(rows, r)
	}
	return rows
}
