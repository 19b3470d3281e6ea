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
	days       int
	restart    bool
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
	fs.Float64Var(&o.hours, "hours", 8, "hours to simulate (of each day, with --days)")
	fs.IntVar(&o.days, "days", 1, "working days in a row, --hours each from the same time of day, the pacer's figures and abandonment window carried from one into the next as on a daemon that stays up; prints each day")
	fs.BoolVar(&o.restart, "restart-nightly", false, "with --days: restart the daemon each night; each morning's pacer gets back what the store keeps, the abandonment window and what the pacer learned of answers and talks")
	fs.StringVar(&o.mode, "mode", "predictive", "dial mode: progressive | power | predictive")
	fs.Float64Var(&o.ratio, "ratio", 1.5, "power mode: calls per free agent")
	fs.Float64Var(&o.cap, "abandon-cap", 3, "abandonment cap of power and predictive, percent of live answers")
	fs.Uint64Var(&o.seed, "seed", 1, "random seed: the same seed gives the same day")
	fs.IntVar(&o.seeds, "seeds", 1, "run this many days (seeds --seed, --seed+1, ...) and print their mean ± standard deviation")
	fs.BoolVar(&o.compare, "compare", false, "run progressive, power and predictive on the same seed, side by side")
	fs.BoolVar(&o.byHour, "by-hour", false, "also print each hour apart (the mean of the days, and the worst day's talk): a campaign's first minutes, when it may not abandon yet, apart from the hours after")
	fs.BoolVar(&o.engine, "engine", false, "run through Hotline's engine, store and simulated switch instead of the event simulation (slower; a no-answer rings to the 26 s ring timeout)")
}

// maxEngineAgentHours bounds a dialer simulation on the engine: 744 hours
// of 10 agents took 1.3 GB within 15 s and would have run 10 minutes.
const maxEngineAgentHours = 2000

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
the answers in the cap's window; both rounded up, so that a rate over the cap
never prints as the cap), dials per agent-hour and the agents' idle share.

--days runs a campaign's working days one after another: the schedule
closes for the rest of each day and the pacer carries what it learned and
its abandonment window into the next morning, so days after the first show
a campaign past its first minutes, when it has no room to abandon yet.

By default an event simulation drives the pacer directly, as the campaign
runner does (the same snapshot of free, talking and wrapping agents and of
dials in flight, the same outcomes reported). --engine runs the campaign
through Hotline's engine, store and simulated switch instead: slower, and the
switch rings every no-answer to the ring timeout.`,
		Example: `  hotline dialer simulate --agents 50 --hours 8 --compare
  hotline dialer simulate --agents 10 --answer-rate 0.25 --talk 3m --mode predictive
  hotline dialer simulate --agents 50 --seeds 8 --by-hour
  hotline dialer simulate --agents 50 --days 5 --seeds 4
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
	if o.days < 1 || o.days > 31 {
		return invalidArg(fmt.Errorf("--days %d: want 1 to 31", o.days))
	}
	if o.days > 1 && o.engine {
		return invalidArg(errors.New("--days: the engine runs one stretch (--hours); give one or the other"))
	}
	if ah := float64(o.agents) * o.hours * float64(o.seeds); o.engine && ah > maxEngineAgentHours {
		return invalidArg(fmt.Errorf("--engine with %d agents for %g h (×%d seeds): %g agent-hours, want at most %d: the engine keeps every call of the run in memory and runs about 10 agent-hours a second; the event simulation (without --engine) runs longer ones",
			o.agents, o.hours, o.seeds, ah, maxEngineAgentHours))
	}
	if o.restart && o.days < 2 {
		return invalidArg(errors.New("--restart-nightly: restarts between days; add --days 2 or more"))
	}
	if o.days > 1 && o.hours > 24 {
		return invalidArg(fmt.Errorf("--hours %g with --days %d: want at most 24 hours a day", o.hours, o.days))
	}
	var results [][]dialsim.Result // per mode, per seed
	for _, m := range modes {
		po := dialer.DefaultOptions(m)
		po.Ratio, po.AbandonCap, po.AnswerRate, po.HandleTime, po.WrapUp = o.ratio, o.cap/100, prior, o.talk+o.wrap, o.wrap
		var days []dialsim.Result
		for i := range o.seeds {
			run := dialsim.Run{Agents: o.agents, Hours: o.hours, Days: o.days, RestartNightly: o.restart, Seed: o.seed + uint64(i), Model: model, Pacer: po}
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
		if o.days > 1 {
			seeds = fmt.Sprintf("seeds %d-%d (mean ± standard deviation; worst run: the seed with the least talk)", o.seed, o.seed+uint64(o.seeds)-1)
		}
	}
	rate := fmt.Sprintf("answer rate %.0f%%", 100*o.answerRate)
	if prior != o.answerRate {
		rate += fmt.Sprintf(" (the pacer's prior %.0f%%)", 100*prior)
	}
	span := fmt.Sprintf("%g h", o.hours)
	if o.days > 1 {
		span = fmt.Sprintf("%d days of %g h", o.days, o.hours)
		if o.restart {
			span += ", restarted each night"
		}
	}
	fmt.Fprintf(w, "%d agents, %s, %s, talk %v (CV %.1f), wrap-up %v, %s; ceiling %.1f talk min/agent-hour\n\n",
		o.agents, span, rate, o.talk, o.talkCV, o.wrap, seeds, ceiling)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	worstDay := ""
	if o.seeds > 1 {
		worstDay = "worst day\t"
		if o.days > 1 {
			worstDay = "worst run\t"
		}
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
		moment := fmt.Sprintf("%.3f%%", roundUp(100*worstAny))
		if o.engine {
			moment = "-"
		}
		fmt.Fprintf(tw, "%v\t%s\t%s%%\t%.3f%%\t%s\t%s\t%s\t%s\t\n", days[0].Mode, talk,
			stat(func(r dialsim.Result) float64 { return 100 * r.AbandonRate }, "%.2f"), roundUp(100*worst), moment,
			stat(func(r dialsim.Result) float64 { return r.DialsPerAgentHour }, "%.1f"), live, idle)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if o.days > 1 {
		for _, days := range results {
			if err := writeByDay(w, days); err != nil {
				return err
			}
		}
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

// roundUp rounds a worst rate, in percent, up to three decimals, so that
// one over the cap never prints as the cap.
func roundUp(pct float64) float64 {
	return max(0, math.Ceil(pct*1000-1e-6)/1000) // max: not -0
}

// period is a stretch of a run in a by-hour or by-day table: its length
// in hours, talk per agent-hour and idle share over it, its live answers
// and the abandoned among them.
type period struct {
	name       string
	hours      float64
	talk, idle float64
	live, ab   int
}

// writePeriods prints a table of the periods of the runs (a mode's, one
// per seed; each run the same periods): by period, the mean talk and, of
// several runs, the least run's, the abandoned share of the live answers
// and the mean idle share; then, with from > 0, the periods from that one
// on together.
func writePeriods(w io.Writer, title, unit, worst string, runs [][]period, from int) error {
	fmt.Fprintf(w, "\n%s:\n", title)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	if len(runs) == 1 {
		worst = ""
	}
	fmt.Fprintln(tw, unit+"\ttalk min/agent-h\t"+worst+"abandoned\tidle\t")
	row := func(name string, from, to int) {
		least := math.Inf(1)
		var talk, idle, hours float64
		var live, abandoned int
		for _, ps := range runs {
			var t, h float64
			for _, p := range ps[from:to] {
				t += p.talk * p.hours
				idle += p.idle * p.hours
				h += p.hours
				live += p.live
				abandoned += p.ab
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
		if worst != "" {
			talks += fmt.Sprintf("\t%.2f", least)
		}
		fmt.Fprintf(tw, "%s\t%s\t%.2f%%\t%.1f%%\t\n", name, talks, 100*rate, 100*idle/hours)
	}
	n := len(runs[0])
	for i, p := range runs[0] {
		row(p.name, i, i+1)
	}
	if from > 0 && n > from+1 {
		row(fmt.Sprintf("%s-%s", runs[0][from].name, runs[0][n-1].name), from, n)
	}
	return tw.Flush()
}

// writeByHour prints each hour of the runs, then the hours after the
// first together, where the campaign has its figures and its room to
// abandon; over several days each day's hours, named by day.
func writeByHour(w io.Writer, runs []dialsim.Result) error {
	several := len(runs[0].ByDay) > 1
	var all [][]period
	for _, r := range runs {
		var ps []period
		first := 0
		for i, h := range r.ByHour {
			if i > 0 && h.Day != r.ByHour[i-1].Day {
				first = i
			}
			name := fmt.Sprint(i + 1)
			if several {
				name = fmt.Sprintf("day %d hour %d", h.Day+1, i-first+1)
			}
			ps = append(ps, period{name: name, hours: h.Length.Hours(), talk: h.TalkMinPerAgentHour, idle: h.IdleShare, live: h.LiveAnswers, ab: h.Abandoned})
		}
		all = append(all, ps)
	}
	from, worst := 1, "worst day\t"
	if several {
		from, worst = 0, "worst run\t"
	}
	return writePeriods(w, fmt.Sprintf("%v by hour", runs[0].Mode), "hour", worst, all, from)
}

// writeByDay prints each working day of the runs, then the days after the
// first together.
func writeByDay(w io.Writer, runs []dialsim.Result) error {
	var all [][]period
	for _, r := range runs {
		var ps []period
		for i, d := range r.ByDay {
			ps = append(ps, period{name: fmt.Sprint(i + 1), hours: r.Hours, talk: d.TalkMinPerAgentHour, idle: d.IdleShare, live: d.LiveAnswers, ab: d.Abandoned})
		}
		all = append(all, ps)
	}
	return writePeriods(w, fmt.Sprintf("%v by day", runs[0].Mode), "day", "worst run\t", all, 1)
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
