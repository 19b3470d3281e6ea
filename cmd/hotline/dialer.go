package main

import (
	"fmt"
	"io"
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
	talk       time.Duration
	talkCV     float64
	wrap       time.Duration
	hours      float64
	mode       string
	ratio      float64
	cap        float64
	seed       uint64
	compare    bool
}

func (o *dialerSimOptions) AddFlags(fs *pflag.FlagSet) {
	m := dialsim.DefaultModel()
	fs.IntVar(&o.agents, "agents", 10, "agents working the campaign")
	fs.Float64Var(&o.answerRate, "answer-rate", m.AnswerRate, "share of dials answered by a person")
	fs.DurationVar(&o.talk, "talk", m.Talk, "mean talk time (lognormal)")
	fs.Float64Var(&o.talkCV, "talk-cv", m.TalkCV, "coefficient of variation of talk time")
	fs.DurationVar(&o.wrap, "wrap", m.Wrap, "wrap-up after each call")
	fs.Float64Var(&o.hours, "hours", 8, "hours to simulate")
	fs.StringVar(&o.mode, "mode", "predictive", "dial mode: progressive | power | predictive")
	fs.Float64Var(&o.ratio, "ratio", 1.5, "power mode: calls per free agent")
	fs.Float64Var(&o.cap, "abandon-cap", 3, "predictive: abandonment cap, percent of live answers")
	fs.Uint64Var(&o.seed, "seed", 1, "random seed: the same seed gives the same day")
	fs.BoolVar(&o.compare, "compare", false, "run progressive, power and predictive on the same seed, side by side")
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
dials per agent-hour and the agents' idle share.`,
		Example: `  hotline dialer simulate --agents 50 --hours 8 --compare
  hotline dialer simulate --agents 10 --answer-rate 0.25 --talk 3m --mode predictive`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
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
	if !(o.cap > 0 && o.cap < 100) {
		return invalidArg(fmt.Errorf("--abandon-cap %v: want a percentage above 0 and below 100", o.cap))
	}
	modes := []dialer.Mode{dialer.Progressive, dialer.Power, dialer.Predictive}
	if !o.compare {
		m, err := dialer.ParseMode(o.mode)
		if err != nil {
			return invalidArg(err)
		}
		if m == dialer.Preview {
			return invalidArg(fmt.Errorf("--mode preview: agents start each call, there is nothing to pace"))
		}
		modes = []dialer.Mode{m}
	}
	var results []dialsim.Result
	for _, m := range modes {
		po := dialer.DefaultOptions(m)
		po.Ratio, po.AbandonCap, po.AnswerRate, po.HandleTime = o.ratio, o.cap/100, o.answerRate, o.talk+o.wrap
		r, err := dialsim.Simulate(dialsim.Run{Agents: o.agents, Hours: o.hours, Seed: o.seed, Model: model, Pacer: po})
		if err != nil {
			return invalidArg(err)
		}
		results = append(results, r)
	}
	ceiling := 60 * o.talk.Seconds() / (o.talk + o.wrap).Seconds()
	fmt.Fprintf(w, "%d agents, %g h, answer rate %.0f%%, talk %v (CV %.1f), wrap-up %v, seed %d; ceiling %.1f talk min/agent-hour\n\n",
		o.agents, o.hours, 100*o.answerRate, o.talk, o.talkCV, o.wrap, o.seed, ceiling)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "mode\ttalk min/agent-h\tabandoned\tworst hour\tdials/agent-h\tlive answers\tidle\t")
	for _, r := range results {
		fmt.Fprintf(tw, "%v\t%.1f\t%.2f%%\t%.2f%%\t%.1f\t%d\t%.1f%%\t\n", r.Mode, r.TalkMinPerAgentHour, 100*r.AbandonRate,
			100*r.MaxHourlyAbandonRate, r.DialsPerAgentHour, r.LiveAnswers, 100*r.IdleShare)
	}
	return tw.Flush()
}
