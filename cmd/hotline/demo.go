package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/acd/sim"
	"github.com/hotline-cc/hotline/configs"
	"github.com/hotline-cc/hotline/store"
)

type demoOptions struct {
	duration time.Duration
	speed    float64
	every    time.Duration
	seed     int64
	store    string
	breaks   bool
	plain    bool
	web      string // listen address of the web desk, "" = none
	leads    int    // generated per campaign without leads
	// debugWarn, if set, receives the engine's warnings (tests).
	debugWarn func(string)
}

func (o *demoOptions) AddFlags(fs *pflag.FlagSet) {
	fs.DurationVar(&o.duration, "duration", time.Hour, "virtual time to simulate")
	fs.Float64Var(&o.speed, "speed", 240, "virtual seconds per wall second (0 = as fast as possible)")
	fs.DurationVar(&o.every, "every", 5*time.Minute, "virtual time between progress updates")
	fs.Int64Var(&o.seed, "seed", 0, "random seed (0 = the config's pbx.sim.seed)")
	fs.StringVar(&o.store, "store", "", "bbolt file to keep the call records in (default: none)")
	fs.BoolVar(&o.breaks, "breaks", true, "let agents take short breaks (pause with reason)")
	fs.BoolVar(&o.plain, "plain", false, "print progress as lines, never redraw the screen")
	fs.StringVar(&o.web, "web", "", "serve the web desk on this address while the demo runs (--web alone: 127.0.0.1:8090; "+
		"then --speed defaults to 1 and --duration to 8h)")
	fs.Lookup("web").NoOptDefVal = "127.0.0.1:8090"
	fs.IntVar(&o.leads, "leads", 300, "leads generated for each campaign that has none in the store (0 = none)")
}

// check refuses flag values the run cannot honour, before anything runs.
func (o *demoOptions) check() error {
	var errs []error
	if o.duration <= 0 {
		errs = append(errs, fmt.Errorf("--duration %s: want a positive virtual time, e.g. 1h", o.duration))
	}
	if math.IsNaN(o.speed) || math.IsInf(o.speed, 0) || o.speed < 0 {
		errs = append(errs, fmt.Errorf("--speed %g: want 0 (as fast as possible) or a positive number of virtual seconds per wall second", o.speed))
	}
	if o.leads < 0 {
		errs = append(errs, fmt.Errorf("--leads %d: want 0 or more leads per campaign", o.leads))
	}
	if o.every < 0 {
		errs = append(errs, fmt.Errorf("--every %s: want a positive virtual time between progress lines, e.g. 5m", o.every))
	}
	if err := errors.Join(errs...); err != nil {
		return &exitError{code: exitInvalid, err: fmt.Errorf("demo: %w", err)}
	}
	return nil
}

func newDemoCmd(g *globalOptions) *cobra.Command {
	o := &demoOptions{}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run a call center on the built-in simulated switch and show live figures",
		Long: `Runs the engine on the simulated switch with synthetic callers and agents in
accelerated virtual time, shows live progress, and ends with a summary per
queue and per agent. With --config, runs your own queue design instead of the
built-in one (pbx.sim settings shape the traffic), so you can try it before
putting it on the PBX.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.web != "" { // people watch in real time
				if !cmd.Flags().Changed("speed") {
					o.speed = 1
				}
				if !cmd.Flags().Changed("duration") {
					o.duration = 8 * time.Hour
				}
			}
			if err := o.check(); err != nil {
				return err
			}
			cfg, name, err := demoConfig(g)
			if err != nil {
				return err
			}
			return runDemo(cmd.Context(), cmd.OutOrStdout(), cfg, name, *o)
		},
	}
	o.AddFlags(cmd.Flags())
	return cmd
}

// demoConfig is the user's config (--config) or the built-in demo.
func demoConfig(g *globalOptions) (config.Config, string, error) {
	if g.configPath() != "" {
		cfg, err := g.loadConfig()
		return cfg, g.configPath(), err
	}
	cfg, err := config.Parse(configs.Demo, "demo.yaml (built in)")
	if err != nil {
		return cfg, "", err
	}
	return cfg, "built-in demo", cfg.Validate()
}

func runDemo(ctx context.Context, w io.Writer, cfg config.Config, name string, o demoOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	seed := cfg.PBX.Sim.Seed
	if o.seed != 0 {
		seed = o.seed
	}
	var st engine.Store = engine.NopStore{}
	var db *store.DB
	if path := o.store; path != "" || o.web != "" || len(cfg.Campaigns) > 0 {
		if path == "" { // the web desk and campaigns need records and leads: a store for this run alone
			dir, err := os.MkdirTemp("", "hotline-demo-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			path = dir + "/demo.db"
		}
		var err error
		if db, err = store.Open(path, store.Options{NoSync: true, LockTimeout: time.Second}); err != nil {
			return err
		}
		defer db.Close()
		st = db
	}
	// Writes are committed as they come; one that fails stays queued, and
	// the demo fails at the end rather than lose records in silence.
	tally := newIVRTally(st)
	st = tally
	writer := store.NewWriter(st, store.WriterOptions{Sync: true})
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	if o.web != "" {
		// People watch the pages on the wall clock: times in state, and the
		// wallboard's chart of today, make sense only if the run is now.
		start = time.Now().Truncate(time.Second)
	}
	prefix := "demo"
	if o.store != "" {
		// A store kept from run to run: the same seed and virtual day give
		// the same call ids, and this run's calls would write over the
		// last one's. A run id of its own, as serve's runs have.
		prefix += runID()
	}
	r, err := engine.NewSimRun(engine.SimOptions{
		// The sim's callers say their FAQ questions into the sim's
		// recordings, which its recognizer reads: no network.
		Core: engine.Options{Config: cfg, Store: st, Writer: writer, Seed: uint64(seed), IDPrefix: prefix, Recognizer: sim.Recognizer{}, Warn: func(_ time.Time, m string) {
			if o.debugWarn != nil {
				o.debugWarn(m)
			}
		}},
		Start: start,
		Sim:   sim.Options{Seed: seed, Phones: cfg.PBX.Sim.Agents, Latency: 20 * time.Millisecond},
	})
	if err != nil {
		return err
	}
	end := start.Add(o.duration)
	traffic := simTraffic(cfg, end)
	if len(traffic) == 0 {
		return fmt.Errorf("demo: config %s has no entries or no pbx.sim.callers.rate_per_minute: no one would call", name)
	}
	for _, t := range traffic {
		if err := r.Switch.StartTraffic(t); err != nil {
			return fmt.Errorf("demo: pbx.sim.callers: %w", err)
		}
	}
	if o.breaks {
		scheduleBreaks(r, cfg, seed, start, end)
	}
	campaigns, err := demoCampaigns(w, r, db, cfg, o.leads, seed)
	if err != nil {
		return err
	}
	live := !o.plain && isTerminal(w)
	fmt.Fprintf(w, "Hotline demo: %s, %s of virtual time at %gx, seed %d\n", name, o.duration, o.speed, seed)
	runUntil, status := r.RunUntil, r.Core.Status
	var submit engine.Submitter = r
	stopWeb := func() {}
	desk := "" // the agent a person may work at the web desk
	tick := time.Second
	warning := unringable(cfg.Agents)
	if o.web != "" {
		web, err := startDemoWeb(o.web, r, db, o.store == "", cfg)
		if err != nil {
			return err
		}
		defer web.close()
		stopWeb = web.close
		// Every change goes through the SimLive, which the API shares; small
		// steps keep the pages live.
		runUntil, status, submit = web.live.RunUntil, web.live.Status, web.live
		if o.speed > 0 {
			tick = min(tick, time.Duration(o.speed*float64(100*time.Millisecond)))
		}
		warning = strings.TrimSpace(web.banner() + warning) // in every redrawn frame too
		desk = web.agent
	}
	demoPreviews(r, cfg, campaigns, seed, end, desk)
	if warning != "" {
		fmt.Fprintln(w, warning)
	}
	if live {
		fmt.Fprint(w, "\x1b[2J") // once; frames then overwrite in place
	}
	var lastFrame time.Time
	step := o.every
	if step <= 0 {
		step = 5 * time.Minute
	}
	wallStart := time.Now()
	next := start.Add(step)
	for now := start; now.Before(end); {
		if err := ctx.Err(); err != nil {
			return err
		}
		to := now.Add(tick)
		if to.After(end) {
			to = end
		}
		runUntil(to)
		now = to
		if o.speed > 0 {
			due := wallStart.Add(time.Duration(float64(now.Sub(start)) / o.speed))
			if d := time.Until(due); d > 0 {
				time.Sleep(d)
			}
		}
		if live && (time.Since(lastFrame) >= demoRedraw || !now.Before(end)) {
			lastFrame = time.Now()
			var frame bytes.Buffer
			fmt.Fprintf(&frame, "Hotline demo: %s (%.0fx)\n", name, o.speed)
			if warning != "" {
				fmt.Fprintln(&frame, warning) // the screen was cleared since
			}
			writeProgress(&frame, status(now), now.Sub(start))
			_, _ = w.Write(inPlace(frame.Bytes()))
		}
		if !live && !now.Before(next) {
			writeProgressLine(w, status(now), now.Sub(start))
			next = next.Add(step)
		}
	}
	// Let calls in progress finish (no new arrivals, no new dials) so the
	// figures count them, but no longer: idle agents after the last call
	// would only lower their occupancy.
	for _, k := range campaigns {
		if _, err := engine.Send(ctx, submit, engine.CampaignControl{Campaign: k, Action: engine.CampaignStop}); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	drainEnd := end
	for drainEnd.Before(end.Add(maxDrain)) && busy(status(drainEnd)) {
		drainEnd = drainEnd.Add(time.Second)
		runUntil(drainEnd)
	}
	s := status(drainEnd)
	stopWeb() // the summary reads the run directly
	fmt.Fprintln(w)
	writeSummary(w, s, r.Switch.Stats())
	if err := writeIVRSummary(w, tally); err != nil {
		return err
	}
	fmt.Fprintf(w, "Figures cover %s of callers arriving, then %s with no new callers while the last calls ended",
		o.duration, drainEnd.Sub(end))
	if busy(s) {
		fmt.Fprintf(w, " (%s at most; some were still going)", maxDrain)
	}
	fmt.Fprintln(w, ".")
	if o.web == "" { // last, where the live view leaves it on screen
		fmt.Fprintln(w, "Add --web to watch it in a browser, signed in as admin, supervisor (wallboard, campaigns) or agent.")
	}
	if db != nil {
		// The shift ends with the demo: a report of the stored day counts
		// the agents logged in while it ran, not until the day's end.
		_ = r.Do(func(c *engine.Core, now time.Time) error {
			for _, a := range cfg.Agents {
				_ = c.Logout(now, a.ID) // one logged out already is no matter
			}
			return nil
		})
	}
	if err := writer.Close(ctx); err != nil {
		return fmt.Errorf("demo: records not saved to %s (%d failed commits): %w", o.store, writer.Failures(), err)
	}
	return nil
}

// demoRedraw is how often, in wall time, the full-screen view is redrawn:
// often enough to watch, rarely enough not to flicker.
const demoRedraw = 250 * time.Millisecond

// maxDrain bounds the time after the last arrival the demo waits for calls
// in progress to end.
const maxDrain = 15 * time.Minute

// busy says whether a call is still in progress or an agent still working on one.
func busy(s engine.Status) bool {
	if len(s.Calls) > 0 {
		return true
	}
	for _, a := range s.Agents {
		switch a.State {
		case "ringing", "on-call", "wrap-up":
			return true
		}
	}
	return false
}

// inPlace turns a frame into what overwrites the previous one without
// blanking the screen: cursor home, each line cleared to its end after its
// text, and whatever the previous frame had below cleared.
func inPlace(frame []byte) []byte {
	var b bytes.Buffer
	b.WriteString("\x1b[H")
	b.Write(bytes.ReplaceAll(frame, []byte("\n"), []byte("\x1b[K\n")))
	b.WriteString("\x1b[J")
	return b.Bytes()
}

// unringable warns about agents the simulated switch cannot ring: a config
// written for a real PBX runs, but every ring fails and every caller gives up.
func unringable(agents []config.Agent) string {
	var lost []string
	for _, a := range agents {
		switch name, ok := strings.CutPrefix(a.Endpoint, sim.EndpointPrefix); {
		case a.Endpoint == "":
			lost = append(lost, a.ID+" (no endpoint)")
		case !ok || name == "":
			lost = append(lost, fmt.Sprintf("%s (%s)", a.ID, a.Endpoint))
		}
	}
	if len(lost) == 0 {
		return ""
	}
	return fmt.Sprintf("warning: the simulated switch rings only %q endpoints; %d of %d agents will never answer: %s",
		sim.EndpointPrefix+"NAME", len(lost), len(agents), strings.Join(lost, ", "))
}

// scheduleBreaks has an agent take a 5-10 minute break about every 12 minutes.
// The simulated agents also come back from no-answer pauses.
func scheduleBreaks(r *engine.SimRun, cfg config.Config, seed int64, start, end time.Time) {
	rng := rand.New(rand.NewPCG(uint64(seed), 99))
	reasons := []string{"break", "coffee", "training", "lunch"}
	for at := start.Add(12 * time.Minute); at.Before(end) && len(cfg.Agents) > 0; at = at.Add(12 * time.Minute) {
		a := cfg.Agents[rng.IntN(len(cfg.Agents))].ID
		reason := reasons[rng.IntN(len(reasons))]
		back := at.Add(time.Duration(5+rng.IntN(6)) * time.Minute)
		r.Clock.Schedule(at, func() {
			_, _ = engine.Send(context.Background(), r, engine.Pause{Agent: a, Reason: reason})
		})
		r.Clock.Schedule(back, func() {
			_, _ = engine.Send(context.Background(), r, engine.Ready{Agent: a})
		})
	}
	// An agent paused for not answering (max_no_answer) is back two minutes
	// later, as one at a desk would be once told; no one else readies them.
	for at := start.Add(time.Minute); at.Before(end); at = at.Add(time.Minute) {
		r.Clock.Schedule(at, func() {
			now := r.Clock.Now()
			for _, a := range r.Core.Status(now).Agents {
				if a.State == "paused" && a.Reason == "no-answer" && now.Sub(a.Since) >= 2*time.Minute {
					_, _ = engine.Send(context.Background(), r, engine.Ready{Agent: a.ID})
				}
			}
		})
	}
}

// isTerminal says whether w is a terminal to draw the full-screen view on;
// a variable so tests can pretend.
var isTerminal = func(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func agentCounts(s engine.Status) map[string]int {
	m := map[string]int{}
	for _, a := range s.Agents {
		m[a.State]++
	}
	return m
}

func writeProgressLine(w io.Writer, s engine.Status, elapsed time.Duration) {
	var q []string
	for _, qs := range s.Queues {
		q = append(q, fmt.Sprintf("%s %d waiting SL %.0f%%", qs.Name, qs.Waiting, qs.ServiceLevel*100))
	}
	for _, k := range s.Campaigns {
		q = append(q, campaignLine(k))
	}
	ac := agentCounts(s)
	fmt.Fprintf(w, "%8s | %s | agents: %d available, %d ringing, %d on call, %d wrap-up, %d paused\n",
		elapsed, strings.Join(q, " | "), ac["available"], ac["ringing"], ac["on-call"], ac["wrap-up"], ac["paused"])
}

func writeProgress(w io.Writer, s engine.Status, elapsed time.Duration) {
	fmt.Fprintf(w, "virtual time %s\n\n", elapsed)
	writeQueueTable(w, s.Queues)
	fmt.Fprintln(w)
	if len(s.Campaigns) > 0 {
		writeCampaignTable(w, s.Campaigns)
		fmt.Fprintln(w)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "AGENT\tSTATE\tSINCE\tCALLS")
	for _, a := range s.Agents {
		state := a.State
		if a.Reason != "" {
			state += " (" + a.Reason + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\n", a.ID, state, s.Now.Sub(a.Since).Round(time.Second), a.Answered)
	}
	tw.Flush()
}

func writeSummary(w io.Writer, s engine.Status, sw sim.Stats) {
	fmt.Fprintln(w, "Queues")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "queue\toffered\tanswered\tabandoned\toverflowed\tcallbacks\tservice level\tASA\tAHT\tabandon rate\tmax wait\t")
	for _, q := range s.Queues {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%.1f%% in %s\t%s\t%s\t%.1f%%\t%s\t\n", q.Name, q.Offered, q.Answered,
			q.Abandoned, q.Overflowed, q.Callbacks, q.ServiceLevel*100, q.SLThreshold, q.ASA.Round(time.Second),
			q.AHT.Round(time.Second), q.AbandonRate*100, q.MaxWait.Round(time.Second))
	}
	tw.Flush()
	fmt.Fprintln(w, "\nAgents")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "agent\toffered\tanswered\tno answer\ttalk\twrap-up\tpaused\tAHT\toccupancy\t")
	for _, a := range s.Agents {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%.1f%%\t\n", a.ID, a.Offered, a.Answered, a.NoAnswer,
			a.Talk.Round(time.Second), a.WrapUp.Round(time.Second), a.Paused.Round(time.Second), a.AHT.Round(time.Second),
			a.Occupancy*100)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nSwitch: %d calls placed, %d abandoned by callers, %d rings of agents and leads (%d busy, %d no answer)\n",
		sw.CallsPlaced, sw.Abandoned, sw.Originates, sw.Busy, sw.NoAnswer)
	if len(s.Campaigns) > 0 {
		fmt.Fprintln(w, "\nCampaigns")
		writeCampaignTable(w, s.Campaigns)
	}
	if len(s.Warnings) > 0 {
		var ws []string
		for k, v := range s.Warnings {
			ws = append(ws, fmt.Sprintf("%s=%d", k, v))
		}
		sort.Strings(ws)
		fmt.Fprintf(w, "Warnings: %s\n", strings.Join(ws, " "))
	}
}
