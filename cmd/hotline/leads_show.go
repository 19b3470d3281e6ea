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
	"time"

	"github.com/spf13/cobra"

	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/store"
)

func newLeadsShowCmd(g *globalOptions) *cobra.Command {
	var camp, api string
	var asJSON bool
	var sf storeFlag
	cmd := &cobra.Command{
		Use:   "show LEAD --campaign NAME",
		Short: "Show one lead as it stands, with the preview skips it keeps",
		Long: `Shows a lead of a campaign: its number and name, state, attempts, next
attempt, last outcome and disposition (and the agent a callback is kept
for), its imported columns and survey answers, and the skips agents gave it
in preview mode (who, when, the reason and note), oldest first; a lead keeps
its last 10 skips and counts them all.
--json prints the lead as the store and the API hold it.

It reads the store file, which Hotline holds while it runs; with --api it
asks the running daemon instead (GET /api/v1/campaigns/NAME/leads/LEAD).`,
		Example: `  hotline leads show spring-12 --campaign spring
  hotline leads show spring-12 --campaign spring --api localhost:8090`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if camp == "" {
				return invalidArg(fmt.Errorf("--campaign is required"))
			}
			if !config.ValidName(camp) {
				return invalidArg(fmt.Errorf("--campaign %q: no campaign can have that name (letters, digits, '-', '_' and '.', starting with a letter or digit)", camp))
			}
			var l campaign.Lead
			var raw []byte
			if api != "" {
				o := clientOptions{api: api}
				base, err := o.base(g)
				if err != nil {
					return err
				}
				if raw, err = call(cmd.Context(), http.MethodGet, base+"/api/v1/campaigns/"+url.PathEscape(camp)+"/leads/"+url.PathEscape(args[0]), nil, &l); err != nil {
					return err
				}
			} else {
				db, err := sf.open(g, true)
				if errors.Is(err, store.ErrLocked) {
					return fmt.Errorf("%w; while Hotline runs, ask it: hotline leads show %s --campaign %s --api HOST:PORT", err, args[0], camp)
				}
				if err != nil {
					return err
				}
				defer db.Close()
				stored, err := db.Lead(camp, args[0])
				if errors.Is(err, store.ErrNotFound) {
					// Say so when it is the campaign that is not there: a
					// mistyped name is no missing lead.
					some := false
					skipped, _ := store.Skipped(db.CampaignLeads(camp, func(campaign.Lead) bool { some = true; return false }))
					if !some && len(skipped) == 0 {
						return invalidArg(fmt.Errorf("lead %q: campaign %q has no leads in the store; check the campaign's name", args[0], camp))
					}
				}
				if err != nil {
					return err
				}
				l = *stored
			}
			if asJSON {
				if raw != nil {
					_, err := cmd.OutOrStdout().Write(raw)
					return err
				}
				return json.NewEncoder(cmd.OutOrStdout()).Encode(l)
			}
			writeLead(cmd.OutOrStdout(), l)
			return nil
		},
	}
	cmd.Flags().StringVar(&camp, "campaign", "", "campaign of the lead (required)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the lead as JSON")
	cmd.Flags().StringVar(&api, "api", "", "ask the running daemon at this address instead of reading the store")
	sf.add(cmd)
	return cmd
}

// writeLead writes a lead as it stands, one line, then its fields, its
// answers and its skips.
func writeLead(w io.Writer, l campaign.Lead) {
	fmt.Fprintf(w, "%s %s %s: %s, attempts %d", l.ID, l.Phone, cmp.Or(l.Name, "-"), l.State, l.Attempts)
	if !l.NextAttempt.IsZero() {
		fmt.Fprintf(w, ", next attempt %s", l.NextAttempt.Local().Format(time.DateTime))
	}
	if l.LastOutcome != 0 {
		fmt.Fprintf(w, ", last outcome %s", l.LastOutcome)
	}
	if l.Disposition != "" {
		fmt.Fprintf(w, ", disposition %s", l.Disposition)
	}
	if l.CallbackAgent != "" {
		fmt.Fprintf(w, ", callback kept for %s", l.CallbackAgent)
		if !l.CallbackDue.IsZero() { // a retry: its grace counts from then
			fmt.Fprintf(w, " (first due %s)", l.CallbackDue.Local().Format(time.DateTime))
		}
	}
	fmt.Fprintln(w)
	for _, k := range slices.Sorted(maps.Keys(l.Fields)) {
		fmt.Fprintf(w, "  %s: %s\n", k, l.Fields[k])
	}
	for _, k := range slices.Sorted(maps.Keys(l.Answers)) {
		fmt.Fprintf(w, "  answer %s: %s\n", k, l.Answers[k])
	}
	writeSkips(w, l)
}

// writeSkips writes the skips a lead keeps, oldest first, under how many
// it was given in all.
func writeSkips(w io.Writer, l campaign.Lead) {
	kept := l.SkipLog()
	if len(kept) == 0 {
		return
	}
	n := 0
	for _, c := range l.Skips {
		n += c
	}
	n = max(n, len(kept))
	switch {
	case n == 1:
		fmt.Fprintln(w, "  skipped once:")
	case n == len(kept):
		fmt.Fprintf(w, "  skipped %d times:\n", n)
	default:
		fmt.Fprintf(w, "  skipped %d times, the last %d:\n", n, len(kept))
	}
	for _, s := range kept {
		at := "-"
		if !s.At.IsZero() {
			at = s.At.Local().Format(time.DateTime)
		}
		fmt.Fprintf(w, "    %s by %s: %s", at, cmp.Or(s.Agent, "-"), cmp.Or(s.Reason, "no reason"))
		if s.Note != "" {
			fmt.Fprintf(w, ", %q", s.Note)
		}
		fmt.Fprintln(w)
	}
}
