package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hotline-cc/hotline/acd/staffing"
)

type staffingOptions struct {
	callsPerHour float64
	aht          time.Duration
	target       string
	patience     time.Duration
	maxAbandon   float64
	around       int
	format       string
	check        staffingCheckOptions // --from/--to: a measured period against the model
	fs           *pflag.FlagSet
}

// set tells whether the flag name was given.
func (o *staffingOptions) set(name string) bool { return o.fs != nil && o.fs.Changed(name) }

func (o *staffingOptions) AddFlags(fs *pflag.FlagSet) {
	o.fs = fs
	fs.Float64Var(&o.callsPerHour, "calls-per-hour", 0, "calls offered per hour (required)")
	fs.DurationVar(&o.aht, "aht", 0, "mean handle time: talk + hold + wrap-up, e.g. 3m (required)")
	fs.StringVar(&o.target, "target", "80/20", "service-level target: PERCENT/SECONDS answered within")
	fs.DurationVar(&o.patience, "patience", 0, "callers' mean patience, e.g. 2m: uses Erlang A (callers give up); 0 = Erlang C")
	fs.Float64Var(&o.maxAbandon, "max-abandon", 0, "with --patience: also keep abandonment at or under this percentage")
	fs.IntVar(&o.around, "around", 3, "also show this many staffings below and above the answer")
	fs.StringVar(&o.format, "format", "table", "output: table | csv | json")
	o.check.AddFlags(fs)
}

func newStaffingCmd(g *globalOptions) *cobra.Command {
	o := &staffingOptions{}
	cmd := &cobra.Command{
		Use:   "staffing",
		Short: "Agents needed for a call volume, by Erlang C (or Erlang A with --patience)",
		Example: `  hotline staffing --calls-per-hour 200 --aht 3m --target 80/20
  hotline staffing --calls-per-hour 200 --aht 3m --target 90/30 --patience 2m --max-abandon 5
  hotline staffing --from 2026-01-05 --to 2026-01-06 --interval hour --target 80/20 --store hotline.db`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.check.from != "" || o.check.to != "" {
				return runStaffingCheck(cmd.Context(), cmd.OutOrStdout(), g, o)
			}
			return runStaffing(cmd.OutOrStdout(), o)
		},
	}
	o.AddFlags(cmd.Flags())
	return cmd
}

// parseTarget reads "80/20": 80 % within 20 seconds ("80/20s" and "0.8/20" too).
func parseTarget(s string) (staffing.Target, error) {
	pct, secs, ok := strings.Cut(s, "/")
	if !ok {
		return staffing.Target{}, fmt.Errorf("--target %q: want PERCENT/SECONDS, e.g. 80/20", s)
	}
	share, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(pct), "%"), 64)
	if err != nil {
		return staffing.Target{}, fmt.Errorf("--target %q: percent %q is not a number", s, pct)
	}
	if share > 1 {
		share /= 100
	}
	if !(share > 0 && share < 1) {
		return staffing.Target{}, fmt.Errorf("--target %q: percent %s: want more than 0 and less than 100 (80/20: 80 %% of calls answered within 20 s)", s, strings.TrimSpace(pct))
	}
	secs = strings.TrimSpace(secs)
	within, err := time.ParseDuration(secs)
	if err != nil {
		n, err2 := strconv.ParseFloat(secs, 64)
		if err2 != nil || math.IsNaN(n) {
			return staffing.Target{}, fmt.Errorf("--target %q: seconds %q is not a number", s, secs)
		}
		if !(n*float64(time.Second) < float64(staffing.MaxASA)) {
			return staffing.Target{}, fmt.Errorf("--target %q: seconds %q is beyond what Hotline counts (292 years)", s, secs)
		}
		within = time.Duration(n * float64(time.Second))
	}
	return staffing.Target{Share: share, Within: within}, nil
}

func runStaffing(w io.Writer, o *staffingOptions) error {
	switch {
	case !o.set("calls-per-hour") || !o.set("aht"):
		return invalidArg(fmt.Errorf("--calls-per-hour and --aht are required"))
	case !(o.callsPerHour > 0):
		return invalidArg(fmt.Errorf("--calls-per-hour %v: want more than 0 calls an hour", o.callsPerHour))
	case o.aht <= 0:
		return invalidArg(fmt.Errorf("--aht %v: want a handle time above 0, e.g. 3m", o.aht))
	}
	target, err := parseTarget(o.target)
	if err != nil {
		return invalidArg(err)
	}
	if o.maxAbandon < 0 || o.maxAbandon >= 100 {
		return invalidArg(fmt.Errorf("--max-abandon %v: want a percentage from 0 to 100", o.maxAbandon))
	}
	if o.maxAbandon > 0 && o.patience == 0 {
		return invalidArg(fmt.Errorf("--max-abandon needs --patience: Erlang C has no abandonment"))
	}
	if o.around < 0 || o.around > 50 {
		return invalidArg(fmt.Errorf("--around %d: want 0 to 50", o.around))
	}
	tr := staffing.Traffic{CallsPerHour: o.callsPerHour, AHT: o.aht, Patience: o.patience}
	best, err := staffing.Agents(tr, target, o.maxAbandon/100)
	if err != nil {
		return invalidArg(err)
	}
	var rows []staffing.Result
	for n := max(1, best.Agents-o.around); n <= best.Agents+o.around; n++ {
		r, err := staffing.Model(tr, n, target.Within)
		if err != nil {
			return err
		}
		rows = append(rows, r)
	}
	model := "Erlang C"
	if o.patience > 0 {
		model = fmt.Sprintf("Erlang A (mean patience %v)", o.patience)
	}
	switch o.format {
	case "json":
		return writeStaffingJSON(w, model, target, best, rows)
	case "csv":
		return writeStaffingCSV(w, target, best, rows)
	case "table":
	default:
		return invalidArg(fmt.Errorf("--format %q: want table, csv or json", o.format))
	}
	fmt.Fprintf(w, "%.0f calls/h × %v = %.2f Erlangs, %s\n", o.callsPerHour, o.aht, best.Load, model)
	fmt.Fprintf(w, "%d agents answer %.1f%% within %v (target %.0f%%)\n\n", best.Agents, 100*best.ServiceLevel, target.Within, 100*target.Share)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "agents\tSL\tSL answered\tASA\twait%\tabandon%\toccupancy%\t\t")
	for _, r := range rows {
		mark := ""
		if r.Agents == best.Agents {
			mark = "← needed"
		}
		if !r.Stable {
			fmt.Fprintf(tw, "%d\t-\t-\t∞\t100.0\t-\t100.0\t%s\t\n", r.Agents, "queue grows without end")
			continue
		}
		fmt.Fprintf(tw, "%d\t%.1f%%\t%.1f%%\t%s\t%.1f\t%.1f\t%.1f\t%s\t\n", r.Agents, 100*r.ServiceLevel, 100*r.ServiceLevelAnswered,
			asaText(r.ASA.Seconds(), 100*time.Millisecond), 100*r.PWait, 100*r.Abandon, 100*r.Occupancy, mark)
	}
	return tw.Flush()
}

// asaText writes a mean wait of s seconds rounded to round; one the model
// could only give as staffing.MaxASA (a load a hair under the agents) is
// written as what it is.
func asaText(s float64, round time.Duration) string {
	if s >= staffing.MaxASA.Seconds() {
		return "over 292 years"
	}
	return time.Duration(s * float64(time.Second)).Round(round).String()
}

type staffingRow struct {
	Agents               int     `json:"agents"`
	Stable               bool    `json:"stable"`
	ServiceLevel         float64 `json:"service_level"`
	ServiceLevelAnswered float64 `json:"service_level_answered"`
	ASASeconds           float64 `json:"asa_seconds"`
	PWait                float64 `json:"p_wait"`
	Abandon              float64 `json:"abandon"`
	Occupancy            float64 `json:"occupancy"`
}

func toRow(r staffing.Result) staffingRow {
	return staffingRow{r.Agents, r.Stable, r.ServiceLevel, r.ServiceLevelAnswered, r.ASA.Seconds(), r.PWait, r.Abandon, r.Occupancy}
}

func writeStaffingJSON(w io.Writer, model string, t staffing.Target, best staffing.Result, rows []staffing.Result) error {
	out := struct {
		Model         string        `json:"model"`
		Erlangs       float64       `json:"erlangs"`
		TargetShare   float64       `json:"target_share"`
		TargetSeconds float64       `json:"target_seconds"`
		Needed        int           `json:"agents_needed"`
		Rows          []staffingRow `json:"rows"`
	}{model, best.Load, t.Share, t.Within.Seconds(), best.Agents, nil}
	for _, r := range rows {
		out.Rows = append(out.Rows, toRow(r))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func writeStaffingCSV(w io.Writer, t staffing.Target, best staffing.Result, rows []staffing.Result) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"agents", "needed", "stable", "service_level", "service_level_answered", "asa_seconds", "p_wait", "abandon", "occupancy"})
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', 4, 64) }
	for _, r := range rows {
		_ = cw.Write([]string{strconv.Itoa(r.Agents), strconv.FormatBool(r.Agents == best.Agents), strconv.FormatBool(r.Stable),
			f(r.ServiceLevel), f(r.ServiceLevelAnswered), f(r.ASA.Seconds()), f(r.PWait), f(r.Abandon), f(r.Occupancy)})
	}
	cw.Flush()
	return cw.Error()
}

// invalidArg marks a bad flag value: exit code 2, like an invalid config.
func invalidArg(err error) error { return &exitError{code: exitInvalid, err: err} }
