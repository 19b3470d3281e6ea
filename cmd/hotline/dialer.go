package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hotline-cc/hotline/acd/dialer"
	"github.com/hotline-cc/hotline/acd/dialer/dialsim"
)

func newDialerCmd(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dialer",
		Short: "Outbound pacing: try dial modes on simulated leads and agents",
	}
	cmd.AddCommand(newDialerSimulateCmd(g))
	return cmd
}

type dialerSimOptions struct {
	agents     int
	answerRate float64
	prior      float64
	talk       time.Duration
	talkCV     float64
	wrap       time.Duration
	hours      float64
	mode       string
	ratio      float64
	cap        float64
	seed       uint64
	seeds      int
	compare    bool
	engine     bool
	byHour     bool
	// modeSet and ratioSet say the flags were given: a flag the run would
	// not read is refused, not left out of figures said to include it.
	modeSet, ratioSet bool
}

func (o *dialerSimOptions) AddFlags(fs *pflag.FlagSet) {
	m := dialsim.DefaultModel()
	fs.IntVar(&o.agents, "agents", 10, "agents working the campaign")
	fs.Float64Var(&o.answerRate, "answer-rate", m.AnswerRate, "share of dials answered by a person")
	fs.Float64Var(&o.prior, "prior", 0, "answer rate the pacer assumes until it has its own figures (default: --answer-rate)")
	fs.DurationVar(&o.talk, "talk", m.Talk, "mean talk time (lognormal)")
	fs.Float64Var(&o.talkCV, "talk-cv", m.TalkCV, "coefficient of variation of talk time")
	fs.DurationVar(&o.wrap, "wrap", m.Wrap, "wrap-up after each call")
	fs.Float64Var(&o.hours, "hours", 8, "hours to simulate")
	fs.StringVar(&o.mode, "mode", "predictive", "dial mode: progressive | power | predictive")
	fs.Float64Var(&o.ratio, "ratio", 1.5, "power mode: calls per free agent")
	fs.Float64Var(&o.cap, "abandon-cap", 3, "abandonment cap of power and predictive, percent of live answers")
	fs.Uint64Var(&o.seed, "seed", 1, "random seed: the same seed gives the same day")
	fs.IntVar(&o.seeds, "seeds", 1, "run this many days (seeds --seed, --seed+1, ...) and print their mean ± standard deviation")
	fs.BoolVar(&o.compare, "compare", false, "run progressive, power and predictive on the same seed, side by side")
	fs.BoolVar(&o.byHour, "by-hour", false, "also print each hour apart (the mean of the days, and the worst day's talk): a campaign's first minutes, when it may not abandon yet, apart from the hours after")
	fs.BoolVar(&o.engine, "engine", false, "run through Hotline's engine, store and simulated switch instead of the event simulation (slower; a no-answer rings to the 26 s ring timeout)")
}

func newDialerSimulateCmd(*globalOptions) *cobra.Command {
	o := &dialerSimOptions{}
	cmd := &cobra.Command{
		Use:   "simulate",
		Short: "Run the dialer's pacer against simulated called parties and agents",
		Long: `Runs Hotline's pacer in virtual time against simulated called parties
(answer rate, 4-16 s to an answer, 10-26 s to a no-answer) and agents (lognormal
talk time, wrap-up), with the two-second rule: an answered call that finds no
agent within 2 s is abandoned. Prints talk minutes per agent-hour, abandonment,
the worst rate at an hour's end and at any moment (after every abandon, over
the answers in the cap's window), dials per agent-hour and the agents' idle
share.

By default an event simulation drives the pacer directly, as the campaign
runner does (the same snapshot of free, talking and wrapping agents and of
dials in flight, the same outcomes reported). --engine runs the campaign
through Hotline's engine, store and simulated switch instead: slower, and the
switch rings every no-answer to the ring timeout.`,
		Example: `  hotline dialer simulate --agents 50 --hours 8 --compare
  hotline dialer simulate --agents 10 --answer-rate 0.25 --talk 3m --mode predictive
  hotline dialer simulate --agents 50 --seeds 8 --by-hour
  hotline dialer simulate --agents 50 --answer-rate 0.6 --prior 0.3 --hours 0.5
  hotline dialer simulate --agents 10 --hours 1 --engine`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.modeSet, o.ratioSet = cmd.Flags().Changed("mode"), cmd.Flags().Changed("ratio")
			return runDialerSimulate(cmd.OutOrStdout(), o)
		},
	}
	o.AddFlags(cmd.Flags())
	return cmd
}

func runDialerSimulate(w io.Writer, o *dialerSimOptions) error {
	model := dialsim.DefaultModel()
	model.AnswerRate, model.Talk, model.TalkCV, model.Wrap = o.answerRate, o.talk, o.talkCV, o.wrap
	if err := model.Validate(); err != nil {
		return invalidArg(err)
	}
	prior := o.answerRate
	if o.prior != 0 {
		prior = o.prior
	}
	if !(prior > 0 && prior <= 1) {
		return invalidArg(fmt.Errorf("--prior %v: want a share above 0 and at most 1", o.prior))
	}
	if !(o.cap > 0 && o.cap < 100) {
		return invalidArg(fmt.Errorf("--abandon-cap %v: want a percentage above 0 and below 100", o.cap))
	}
	modes := []dialer.Mode{dialer.Progressive, dialer.Power, dialer.Predictive}
	if o.compare && o.modeSet {
		return invalidArg(fmt.Errorf("--mode %s: --compare runs every mode; give one or the other", o.mode))
	}
	if !o.compare {
		m, err := dialer.ParseMode(o.mode)
		if err != nil {
			return invalidArg(err)
		}
		if m == dialer.Preview {
			return invalidArg(fmt.Errorf("--mode preview: agents start each call, there is nothing to pace"))
		}
		modes = []dialer.Mode{m}
		if o.ratioSet && m != dialer.Power {
			return invalidArg(fmt.Errorf("--ratio %v: only power mode dials a ratio; add --mode power", o.ratio))
		}
	}
	if o.seeds < 1 || o.seeds > 1000 {
		return invalidArg(fmt.Errorf("--seeds %d: want 1 to 1000", o.seeds))
	}
	if o.byHour && o.engine {
		return invalidArg(errors.New("--by-hour: not measured with --engine"))
	}
	var results [][]dialsim.Result // per mode, per seed
	for _, m := range modes {
		po := dialer.DefaultOptions(m)
		po.Ratio, po.AbandonCap, po.AnswerRate, po.HandleTime, po.WrapUp = o.ratio, o.cap/100, prior, o.talk+o.wrap, o.wrap
		var days []dialsim.Result
		for i := range o.seeds {
			run := dialsim.Run{Agents: o.agents, Hours: o.hours, Seed: o.seed + uint64(i), Model: model, Pacer: po}
			var r dialsim.Result
			var err error
			if o.engine {
				r, err = simulateOnEngine(run)
			} else {
				r, err = dialsim.Simulate(run)
			}
			if err != nil {
				if errors.Is(err, dialsim.ErrBadModel) || errors.Is(err, dialer.ErrBadOptions) {
					return invalidArg(err)
				}
				return err
			}
			days = append(days, r)
		}
		results = append(results, days)
	}
	ceiling := 60 * o.talk.Seconds() / (o.talk + o.wrap).Seconds()
	seeds := fmt.Sprintf("seed %d", o.seed)
	if o.seeds > 1 {
		seeds = fmt.Sprintf("seeds %d-%d (mean ± standard deviation; worst hour: the worst day)", o.seed, o.seed+uint64(o.seeds)-1)
	}
	rate := fmt.Sprintf("answer rate %.0f%%", 100*o.answerRate)
	if prior != o.answerRate {
		rate += fmt.Sprintf(" (the pacer's prior %.0f%%)", 100*prior)
	}
	fmt.Fprintf(w, "%d agents, %g h, %s, talk %v (CV %.1f), wrap-up %v, %s; ceiling %.1f talk min/agent-hour\n\n",
		o.agents, o.hours, rate, o.talk, o.talkCV, o.wrap, seeds, ceiling)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	worstDay := ""
	if o.seeds > 1 {
		worstDay = "worst day\t"
	}
	fmt.Fprintln(tw, "mode\ttalk min/agent-h\t"+worstDay+"abandoned\tworst hour\tworst moment\tdials/agent-h\tlive answers\tidle\t")
	for _, days := range results {
		stat := func(f func(dialsim.Result) float64, format string) string {
			var sum, sq float64
			for _, r := range days {
				sum += f(r)
			}
			mean := sum / float64(len(days))
			for _, r := range days {
				sq += (f(r) - mean) * (f(r) - mean)
			}
			if len(days) == 1 {
				return fmt.Sprintf(format, mean)
			}
			return fmt.Sprintf(format+"±"+format, mean, math.Sqrt(sq/float64(len(days)-1)))
		}
		worst, worstAny, least := 0.0, 0.0, math.Inf(1)
		for _, r := range days {
			worst, worstAny = math.Max(worst, r.MaxHourlyAbandonRate), math.Max(worstAny, r.MaxAbandonRate)
			least = math.Min(least, r.TalkMinPerAgentHour)
		}
		talk := stat(func(r dialsim.Result) float64 { return r.TalkMinPerAgentHour }, "%.2f")
		if o.seeds > 1 {
			talk += fmt.Sprintf("\t%.2f", least)
		}
		live := stat(func(r dialsim.Result) float64 { return float64(r.LiveAnswers) }, "%.0f")
		idle := stat(func(r dialsim.Result) float64 { return 100 * r.IdleShare }, "%.1f") + "%"
		if o.engine {
			live, idle = "-", "-"
		}
		moment := fmt.Sprintf("%.2f%%", 100*worstAny)
		if o.engine {
			moment = "-"
		}
		fmt.Fprintf(tw, "%v\t%s\t%s%%\t%.2f%%\t%s\t%s\t%s\t%s\t\n", days[0].Mode, talk,
			stat(func(r dialsim.Result) float64 { return 100 * r.AbandonRate }, "%.2f"), 100*worst, moment,
			stat(func(r dialsim.Result) float64 { return r.DialsPerAgentHour }, "%.1f"), live, idle)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if o.byHour {
		for _, days := range results {
			if err := writeByHour(w, days); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeByHour prints each hour of the days (a mode's, one per seed): the
// mean talk and, of several days, the worst day's, the abandoned share of the hour's live
// answers and the mean idle share; then the hours after the first
// together, where the campaign has its figures and its room to abandon.
func writeByHour(w io.Writer, days []dialsim.Result) error {
	fmt.Fprintf(w, "\n%v by hour:\n", days[0].Mode)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	worstDay := ""
	if len(days) > 1 {
		worstDay = "worst day\t"
	}
	fmt.Fprintln(tw, "hour\ttalk min/agent-h\t"+worstDay+"abandoned\tidle\t")
	row := func(name string, from, to int) {
		least := math.Inf(1)
		var talk, idle, hours float64
		var live, abandoned int
		for _, r := range days {
			var t, h float64
			for _, hr := range r.ByHour[from:to] {
				t += hr.TalkMinPerAgentHour * hr.Length.Hours()
				idle += hr.IdleShare * hr.Length.Hours()
				h += hr.Length.Hours()
				live += hr.LiveAnswers
				abandoned += hr.Abandoned
			}
			talk += t
			hours += h
			least = math.Min(least, t/h)
		}
		rate := 0.0
		if live > 0 {
			rate = float64(abandoned) / float64(live)
		}
		talks := fmt.Sprintf("%.2f", talk/hours)
		if len(days) > 1 {
			talks += fmt.Sprintf("\t%.2f", least)
		}
		fmt.Fprintf(tw, "%s\t%s\t%.2f%%\t%.1f%%\t\n", name, talks, 100*rate, 100*idle/hours)
	}
	n := len(days[0].ByHour)
	for i := range n {
		row(fmt.Sprint(i+1), i, i+1)
	}
	if n > 2 {
		row(fmt.Sprintf("2-%d", n), 1, n)
	}
	return tw.Flush()
}

// simulateOnEngine runs one simulation on the engine, its store in a
// directory removed afterwards.
func simulateOnEngine(run dialsim.Run) (dialsim.Result, error) {
	run.Model.NoAnswerRing[0] = run.Model.NoAnswerRing[1]
	dir, err := os.MkdirTemp("", "hotline-dialsim-")
	if err != nil {
		return dialsim.Result{}, err
	}
	defer os.RemoveAll(dir)
	return dialsim.SimulateOnEngine(run, dir)
}
