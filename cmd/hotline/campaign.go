package main

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/api"
)

func newCampaignCmd(g *globalOptions) *cobra.Command {
	o := &clientOptions{}
	cmd := &cobra.Command{
		Use:   "campaign start|pause|resume|stop|status|results [NAME]",
		Short: "Start, pause, resume or stop an outbound campaign on the running daemon, or show its survey results",
		Long: `Campaigns are configured under campaigns: in the config file; their leads are
imported with "hotline leads import". A started campaign dials its due leads
within their calling hours; pause keeps the calls in progress and dials no
more; stop also forgets the leads read ahead. status without a name lists
every campaign. results lists the leads that answered a survey's questions,
with their answers (a spoken one with what was heard and how well it
matched).`,
		Example: `  hotline campaign start renewals
  hotline campaign pause renewals
  hotline campaign status
  hotline campaign results satisfaction-survey`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			action := args[0]
			switch action {
			case engine.CampaignStart, engine.CampaignPause, engine.CampaignResume, engine.CampaignStop, engine.CampaignStatusAction, "results":
			default:
				return invalidArg(fmt.Errorf("unknown action %q; known: start, pause, resume, stop, status, results", action))
			}
			if len(args) == 1 && action != engine.CampaignStatusAction {
				return invalidArg(fmt.Errorf("campaign %s: name the campaign", action))
			}
			if len(args) == 2 && !config.ValidName(args[1]) {
				return invalidArg(fmt.Errorf("campaign %s %q: no campaign can have that name (letters, digits, '-', '_' and '.', starting with a letter or digit)", action, args[1]))
			}
			base, err := o.base(g)
			if err != nil {
				return err
			}
			if action == "results" {
				leads, err := getPages[campaign.Lead](cmd, base, fmt.Sprintf("%s/api/v1/campaigns/%s/leads?answered=1&limit=%d", base, url.PathEscape(args[1]), api.MaxLimit), 0)
				if err != nil {
					return err
				}
				if o.json {
					return json.NewEncoder(cmd.OutOrStdout()).Encode(leads)
				}
				writeResults(cmd.OutOrStdout(), args[1], leads)
				return nil
			}
			var list []engine.CampaignStatus
			var raw []byte
			if len(args) == 1 {
				raw, err = call(cmd.Context(), http.MethodGet, base+"/api/v1/campaigns", nil, &list)
			} else {
				var st api.CampaignAnswer
				raw, err = call(cmd.Context(), http.MethodPost, base+"/api/v1/campaigns/"+url.PathEscape(args[1])+"/"+action, nil, &st)
				list = []engine.CampaignStatus{st.CampaignStatus}
				if err == nil && st.Unchanged && !o.json {
					fmt.Fprintf(cmd.OutOrStdout(), "%s was already %s; nothing changed\n", st.Name, st.State)
				}
			}
			if err != nil {
				return err
			}
			if o.json {
				_, err = cmd.OutOrStdout().Write(raw)
				return err
			}
			writeCampaigns(cmd.OutOrStdout(), list)
			if action == engine.CampaignStatusAction && len(args) == 2 {
				var ls api.LeadStates
				if _, err := call(cmd.Context(), http.MethodGet, base+"/api/v1/campaigns/"+url.PathEscape(args[1])+"/lead-states", nil, &ls); err != nil {
					return err
				}
				writeLeadStates(cmd.OutOrStdout(), ls)
			}
			return nil
		},
	}
	o.AddFlags(cmd.Flags())
	return cmd
}

// writeResults writes a survey's answered leads, one a line: the lead,
// its state and disposition, then each answer; a spoken one with what was
// heard and its match score.
func writeResults(w io.Writer, camp string, leads []campaign.Lead) {
	if len(leads) == 0 {
		fmt.Fprintf(w, "no lead of %s has answers yet\n", camp)
		return
	}
	for _, l := range leads {
		var answers []string
		for _, k := range slices.Sorted(maps.Keys(l.Answers)) {
			if strings.HasSuffix(k, campaign.TranscriptSuffix) || strings.HasSuffix(k, campaign.ConfidenceSuffix) {
				continue
			}
			a := k + "=" + l.Answers[k]
			if heard, ok := l.Answers[k+campaign.TranscriptSuffix]; ok {
				a += fmt.Sprintf(" (said %q", heard)
				if conf := l.Answers[k+campaign.ConfidenceSuffix]; conf != "" {
					a += ", match " + conf
				}
				a += ")"
			}
			answers = append(answers, a)
		}
		fmt.Fprintf(w, "%s %s %s %s: %s\n", l.ID, l.Phone, l.State, cmp.Or(l.Disposition, "-"), strings.Join(answers, "; "))
	}
}

func writeCampaigns(w io.Writer, list []engine.CampaignStatus) {
	for _, st := range list {
		s := st.Stats
		state := string(st.State)
		if st.State == engine.CampaignRunning && st.OutsideHours {
			state += " (outside its schedule: dialing no one)"
		}
		if st.PausedBecause != "" {
			state += " by Hotline (" + st.PausedBecause + ")"
		}
		fmt.Fprintf(w, "%s: %s, %s; hopper %d, ringing %d, live %d; dialed %d, answered %d, connected %d, abandoned %d (%.2f%% over the window, cap %.2f%% over %s); busy %d, no answer %d, failed %d, machine %d; skipped: %d do-not-call, %d outside hours, %d in preview; %s campaign, %s signed in\n",
			st.Name, state, st.Mode, st.Hopper, st.Ringing, st.Live, s.Dialed, s.Answered, s.Connected, s.Abandoned,
			100*st.AbandonRate, 100*st.AbandonCap, time.Duration(st.AbandonWindow), s.Busy, s.NoAnswer, s.Failed, s.Machine, s.SkippedDNC, s.SkippedWindow, s.SkippedPreview,
			st.Kind, count(st.Agents, "agent"))
		if st.Kept > 0 {
			fmt.Fprintf(w, "  %d callbacks due, waiting for the agent each is kept for\n", st.Kept)
		}
		if l := st.Learned; l != nil && (l.Dials > 0 || l.Talks > 0) && pacedByFigures(st) {
			fmt.Fprintf(w, "  paced by its last %d dials (%.1f%% answered live) and %d talks (mean %s, wrap-up %s)\n",
				l.Dials, 100*l.AnswerRate, l.Talks, time.Duration(l.MeanTalk), time.Duration(l.MeanWrap))
		}
	}
}

// pacedByFigures reports whether a campaign dials by what its pacer
// learned: predictive and power dial ahead of free agents by the answer
// rate and talk times; progressive and preview dial one lead per agent, and
// a survey or notification dials its max_dials, whatever the figures.
func pacedByFigures(st engine.CampaignStatus) bool {
	return (st.Mode == "predictive" || st.Mode == "power") && (st.Kind == "" || st.Kind == config.CampaignAgent)
}

// writeLeadStates writes a campaign's leads counted by state, in the
// leads' lifecycle order.
func writeLeadStates(w io.Writer, ls api.LeadStates) {
	parts := []string{fmt.Sprintf("%d due now", ls.Due)}
	for s := campaign.New; s <= campaign.DoNotCall; s++ {
		if n := ls.States[s.String()]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	if ls.Answered > 0 {
		parts = append(parts, fmt.Sprintf("%d with survey answers", ls.Answered))
	}
	fmt.Fprintf(w, "%s leads: %d (%s)\n", ls.Campaign, ls.Total, strings.Join(parts, ", "))
	if len(ls.Skips) > 0 {
		reasons := slices.SortedFunc(maps.Keys(ls.Skips), func(a, b string) int { return cmp.Or(ls.Skips[b]-ls.Skips[a], strings.Compare(a, b)) })
		parts = parts[:0]
		for _, why := range reasons {
			parts = append(parts, fmt.Sprintf("%d %s", ls.Skips[why], cmp.Or(why, "no reason")))
		}
		fmt.Fprintf(w, "%s preview skips: %s\n", ls.Campaign, strings.Join(parts, ", "))
	}
}

// previewOptions are the preview command's flags.
type previewOptions struct {
	clientOptions
	reason, note string
}

func (o *previewOptions) AddFlags(fs *pflag.FlagSet) {
	o.clientOptions.AddFlags(fs)
	fs.StringVar(&o.reason, "reason", "", "skip: one of the campaign's skip_reasons (required if the campaign says so)")
	fs.StringVar(&o.note, "note", "", "skip: a note of your own, up to 200 characters")
}

func newPreviewCmd(g *globalOptions) *cobra.Command {
	o := &previewOptions{}
	cmd := &cobra.Command{
		Use:   "preview AGENT [dial|skip]",
		Short: "Show the lead a preview campaign shows an agent, and dial or skip it",
		Long: `A campaign in preview mode shows each free agent a lead and dials nothing
until the agent decides: dial places the call (the answered lead comes to
that agent), skip puts the lead off by the campaign's no-answer delay,
with one of the campaign's skip_reasons (--reason; required if the
campaign sets skip_reason_required) and a note (--note). An undecided
lead is dialed or skipped after preview_timeout, as the campaign's
preview_on_timeout says (counted under the reason "timeout").`,
		Example: `  hotline preview alice
  hotline preview alice dial
  hotline preview alice skip
  hotline preview alice skip --reason "wrong person" --note "his brother answered"`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			// The command line is checked before the daemon is asked: a
			// mistake in it is exit 2, as in every command.
			if len(args) == 2 && args[1] != "dial" && args[1] != "skip" {
				return invalidArg(fmt.Errorf("unknown decision %q; known: dial, skip", args[1]))
			}
			var body any
			switch skip := (api.SkipBody{Reason: o.reason, Note: o.note}); {
			case skip == api.SkipBody{}:
			case len(args) < 2 || args[1] != "skip":
				return invalidArg(errors.New("--reason and --note go with skip"))
			default:
				body = skip
			}
			base, err := o.base(g)
			if err != nil {
				return err
			}
			u := base + "/api/v1/agents/" + url.PathEscape(args[0]) + "/preview"
			method := http.MethodGet
			if len(args) == 2 {
				u, method = u+"/"+args[1], http.MethodPost
			}
			var p api.Preview
			raw, err := call(cmd.Context(), method, u, body, &p)
			if err != nil {
				return refusedFlagOf(err, []flagField{{`"reason"`, "--reason", o.reason}, {`"note"`, "--note", o.note}})
			}
			if o.json {
				_, err = cmd.OutOrStdout().Write(raw)
				return err
			}
			writePreview(cmd.OutOrStdout(), args, p)
			if o.reason != "" {
				fmt.Fprintf(cmd.OutOrStdout(), "  skipped for: %s\n", o.reason)
			}
			return nil
		},
	}
	o.AddFlags(cmd.Flags())
	return cmd
}

func writePreview(w io.Writer, args []string, p api.Preview) {
	lp := p.Preview
	if lp == nil {
		return
	}
	l := lp.Lead
	verb := "shown to"
	switch {
	case len(args) == 2 && args[1] == "dial":
		verb = "dialed by"
	case len(args) == 2:
		verb = "skipped by"
	}
	fmt.Fprintf(w, "campaign %s, lead %s %s %s: %s %s, attempts %d", lp.Campaign, l.ID, verb, p.Agent, l.Phone, l.Name, l.Attempts)
	if l.LastOutcome != 0 {
		fmt.Fprintf(w, " (last: %s)", l.LastOutcome)
	}
	fmt.Fprintln(w)
	keys := make([]string, 0, len(l.Fields))
	for k := range l.Fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "  %s: %s\n", k, l.Fields[k])
	}
	writeSkips(w, l)
	if verb == "shown to" {
		fmt.Fprintf(w, "  %s on its own at %s\n", lp.OnTimeout, lp.Expires.Local().Format(time.TimeOnly))
	}
}
