package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/report"
	"github.com/hotline-cc/hotline/acd/report/chart"
	"github.com/hotline-cc/hotline/api"
	"github.com/hotline-cc/hotline/store"
)

type reportOptions struct {
	from, to, interval, format, tz string
	shortAbandon                   time.Duration
	store                          string
	api                            string
	chart                          string
	flow                           string // ivr: only this flow
	only                           report.Filter
	target                         float64
	// set says which flags were given: the others take the config's reports section.
	set func(flag string) bool
}

func (o *reportOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.from, "from", "", "start of the period: 2026-01-05, 2026-01-05T09:00 (in --tz), RFC 3339 or a duration back from now such as 24h (required)")
	fs.StringVar(&o.to, "to", "", "end of the period, excluded, in the same forms (required, but for now after a --from duration)")
	fs.StringVar(&o.interval, "interval", "day", "rows per 15m | hour | day | week | month | period")
	fs.StringVar(&o.format, "format", "table", "output: table | csv | json")
	fs.StringVar(&o.tz, "tz", "", "the call center's time zone, e.g. Europe/Berlin (default: reports.timezone, else the machine's)")
	fs.DurationVar(&o.shortAbandon, "short-abandon", 0, "callers hanging up sooner are short abandons, counted apart, e.g. 5s (default: reports.short_abandon)")
	fs.StringVar(&o.store, "store", "", "read this store file directly (default: ask the running daemon through its API)")
	fs.StringVar(&o.api, "api", "", "daemon API address (default: server.listen from the config)")
	fs.StringVar(&o.chart, "chart", "", "also draw the period's charts into FILE.svg or FILE.png")
	fs.StringVar(&o.flow, "flow", "", "ivr: only this flow")
	fs.StringVar(&o.only.Queue, "queue", "", "queues, dispositions: only this queue's rows")
	fs.StringVar(&o.only.Agent, "agent", "", "agents: only this agent's rows")
	fs.StringVar(&o.only.Campaign, "campaign", "", "campaigns: only this campaign's rows")
	fs.Float64Var(&o.target, "target", 80, "service-level target drawn on the chart, in percent (default: reports.service_level_target)")
}

func newReportCmd(g *globalOptions) *cobra.Command {
	o := &reportOptions{}
	cmd := &cobra.Command{
		Use:   "report queues|agents|dispositions|campaigns|ivr|queue-log",
		Short: "Figures of a past period by queue, agent or disposition, from the stored records",
		Long: `Reports a period from the stored call records and agent state changes: per
queue offered, answered, abandoned (short abandons apart), service level over
answered and over answered + abandoned, ASA, average, 90th percentile and
longest wait, AHT, callbacks; per agent offers, answers, handle time, time by
state and pause reason, occupancy and utilization; dispositions per queue; per
outbound campaign dials, busy, no answer, contacts, connected, abandoned against
the campaign's abandon_cap, sales (its dispositions marked sale); per IVR flow
calls, FAQ answers, containment and the recognition rate, per node visits,
exits, timeouts, invalid keys (ivr, --flow for one flow).
Rows follow --interval in the call center's time zone, then the period's totals.

queue-log writes the period as an Asterisk queue_log file (ENTERQUEUE, CONNECT,
COMPLETECALLER, ABANDON, PAUSE, ...) for tools that read Asterisk's queues.`,
		Example: `  hotline report queues --from 2026-01-05 --to 2026-01-06 --interval hour --tz Europe/Berlin
  hotline report agents --from 2026-01-01 --to 2026-02-01 --interval week --format csv
  hotline report queues --from 2026-01-05 --to 2026-01-06 --interval 15m --store hotline.db --chart day.png
  hotline report agents --from 2026-01-05 --to 2026-01-12 --agent ann
  hotline report ivr --from 2026-01-05 --to 2026-01-06 --flow selfservice --format csv
  hotline report queue-log --from 2026-01-01 --to 2026-02-01 > queue_log`,
		Args:      cobra.ExactArgs(1),
		ValidArgs: []string{"queues", "agents", "dispositions", "campaigns", "ivr", "queue-log"},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.set = cmd.Flags().Changed
			if err := o.checkFilter(args[0]); err != nil {
				return err
			}
			if err := o.checkFlags(args[0]); err != nil {
				return err
			}
			if args[0] == "ivr" {
				return runIVRReport(cmd.Context(), cmd.OutOrStdout(), g, o)
			}
			return runReport(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), g, o, args[0])
		},
	}
	o.AddFlags(cmd.Flags())
	return cmd
}

// checkFlags refuses the flags a report does not use, rather than let
// them pass unheeded (a --chart that wrote no file, exit 0): the IVR report
// has no intervals, short abandons or chart; the queue log has no format
// or intervals either.
func (o *reportOptions) checkFlags(kind string) error {
	unused := map[string][]string{
		"ivr":       {"chart", "interval", "short-abandon", "target"},
		"queue-log": {"format", "interval"},
	}[kind]
	for _, f := range unused {
		if o.set(f) {
			return invalidArg(fmt.Errorf("--%s: report %s does not take it", f, kind))
		}
	}
	return nil
}

// checkFilter refuses --queue, --agent, --campaign or --flow on a report of
// kind without that column, as the API does.
func (o *reportOptions) checkFilter(kind string) error {
	v := url.Values{}
	o.only.Set(v)
	if o.flow != "" {
		v.Set("flow", o.flow)
	}
	_, err := report.ParseFilter(kind, v)
	if fe := (*report.FilterError)(nil); errors.As(err, &fe) {
		return invalidArg(errors.New(fe.Named("--")))
	}
	return err
}

// reportConfig is the config when one is given (for thresholds and the
// API address); without one, reports use the defaults.
func reportConfig(g *globalOptions) (config.Config, error) {
	if g.configPath() == "" {
		return config.Default(), nil
	}
	return g.loadConfig()
}

func (o *reportOptions) query(kind string, cfg config.Config) (report.Query, error) {
	v := url.Values{}
	tz := o.tz
	if tz == "" {
		tz = cfg.Reports.Timezone
	}
	if tz == "" {
		local, err := systemZone.localZoneName()
		if err != nil {
			return report.Query{}, invalidArg(err)
		}
		tz = local
	}
	if o.set == nil || !o.set("short-abandon") {
		o.shortAbandon = cfg.Reports.ShortAbandon
	}
	for k, s := range map[string]string{"from": o.from, "to": o.to, "interval": o.interval, "format": o.format, "tz": tz} {
		v.Set(k, s)
	}
	if o.shortAbandon != 0 {
		v.Set("short_abandon", o.shortAbandon.String())
	}
	thresholds := map[string]time.Duration{}
	for _, q := range cfg.Queues {
		thresholds[q.Name] = q.ServiceLevel
	}
	q, err := report.ParseQuery(kind, v, time.Now(), func(queue string) time.Duration {
		if d, ok := thresholds[queue]; ok && d > 0 {
			return d
		}
		return report.DefaultThreshold
	})
	if err == nil && len(cfg.Campaigns) > 0 {
		q.Options.Campaigns = report.CampaignRules(cfg.Campaigns)
	}
	if err != nil {
		// ParseQuery names query keys; the command line has flags.
		// Each problem starts with its key; the same words further on
		// ("a duration back from now") are left alone.
		problems := strings.Split(strings.TrimPrefix(err.Error(), report.ErrBadOption.Error()+": "), "; ")
		for i, p := range problems {
			for _, k := range []string{"from", "to", "interval", "format", "tz", "short_abandon"} {
				if rest, ok := strings.CutPrefix(p, k+" "); ok {
					problems[i] = "--" + strings.ReplaceAll(k, "_", "-") + " " + strings.NewReplacer("is not after from ", "is not after --from ", "unless from ", "unless --from ").Replace(rest)
					break
				}
			}
		}
		return q, invalidArg(errors.New(strings.Join(problems, "; ")))
	}
	return q, nil
}

func runReport(ctx context.Context, w, errOut io.Writer, g *globalOptions, o *reportOptions, kind string) error {
	cfg, err := reportConfig(g)
	if err != nil {
		return err
	}
	if o.set == nil || !o.set("target") {
		o.target = cfg.Reports.ServiceLevelTarget
	}
	queueLog := kind == "queue-log"
	if queueLog {
		kind = string(report.KindQueues) // for the period's flags; the log has no rows or format
	}
	q, err := o.query(kind, cfg)
	if err != nil {
		return err
	}
	if queueLog && o.chart != "" {
		return invalidArg(errors.New("--chart draws reports, not the queue log"))
	}
	if o.chart != "" {
		if _, err := chart.Format(o.chart); err != nil { // before the report is written
			return invalidArg(fmt.Errorf("--chart: %w", err))
		}
		if err := chart.TooManyBars(q.Options.Interval, q.Options.Location, q.Options.From, q.Options.To); err != nil {
			return invalidArg(fmt.Errorf("--chart: %w", err))
		}
	}
	var rep *report.Report
	if o.store != "" {
		db, err := openReportStore(o.store)
		if err != nil {
			return err
		}
		defer db.Close()
		if queueLog {
			_, skipped, err := report.WriteQueueLog(w, db, q.Options.From, q.Options.To)
			if skipped > 0 {
				fmt.Fprintf(errOut, "warning: %d unreadable records left out (hotline store check %s)\n", skipped, o.store)
			}
			return err
		}
		var skipped int
		q.Options.Now = time.Now()
		rep, skipped, err = report.Build(db, q.Options)
		if err != nil {
			return err
		}
		o.only.Cut(rep)
		if skipped > 0 {
			fmt.Fprintf(errOut, "warning: %d unreadable records left out (hotline store check %s)\n", skipped, o.store)
		}
		if err := report.Write(w, rep, q.Kind, q.Format); err != nil {
			return err
		}
	} else {
		c := clientOptions{api: o.api}
		base, err := c.base(g)
		if err != nil {
			return err
		}
		route, v := string(q.Kind), q.Values()
		if queueLog {
			// The log is the period's, in no interval or format.
			route = "queue-log"
			v = url.Values{"from": v["from"], "to": v["to"], "tz": v["tz"]}
		}
		o.only.Set(v)
		raw, header, err := callHeader(ctx, "GET", base+"/api/v1/reports/"+route+"?"+v.Encode(), nil, nil)
		if err != nil {
			return err
		}
		if n := header.Get(api.SkippedHeader); n != "" {
			fmt.Fprintf(errOut, "warning: %s (see hotline store check)\n", warningText(header, n+" unreadable records left out"))
		}
		if _, err := w.Write(raw); err != nil {
			return err
		}
		if o.chart != "" {
			if rep, err = fetchReport(ctx, base, q); err != nil {
				return err
			}
			o.only.Cut(rep)
		}
	}
	if o.chart != "" {
		return writeChart(o.chart, rep, o.target/100)
	}
	return nil
}

// openReportStore opens a store file for reading beside a running daemon's
// readers; one the daemon holds is named as such.
func openReportStore(path string) (*store.DB, error) {
	db, err := store.Open(path, store.Options{ReadOnly: true, LockTimeout: 2 * time.Second})
	if errors.Is(err, store.ErrLocked) {
		return nil, fmt.Errorf("%w: a running hotline serve holds it; leave out --store to ask it through its API", err)
	}
	return db, err
}

// fetchReport asks the API for the queue and agent rows a chart needs.
func fetchReport(ctx context.Context, base string, q report.Query) (*report.Report, error) {
	// The API counted the agents' time up to now.
	rep := &report.Report{From: q.Options.From, To: q.Options.To, Location: q.Options.Location.String(), Interval: q.Options.Interval,
		Until: time.Now()}
	q.Format = report.FormatJSON
	for _, kind := range []report.Kind{report.KindQueues, report.KindAgents} {
		var part struct {
			Queues []report.QueueRow
			Agents []report.AgentRow
		}
		var dst any = &struct {
			Rows *[]report.QueueRow `json:"rows"`
		}{&part.Queues}
		if kind == report.KindAgents {
			dst = &struct {
				Rows *[]report.AgentRow `json:"rows"`
			}{&part.Agents}
		}
		raw, err := call(ctx, "GET", base+"/api/v1/reports/"+string(kind)+"?"+q.Values().Encode(), nil, nil)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			return nil, fmt.Errorf("report %s from the API: %w", kind, err)
		}
		rep.Rows.Queues = append(rep.Rows.Queues, part.Queues...)
		rep.Rows.Agents = append(rep.Rows.Agents, part.Agents...)
	}
	return rep, nil
}
