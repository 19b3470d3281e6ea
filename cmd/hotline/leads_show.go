package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/store"
)

func newLeadsShowCmd(g *globalOptions) *cobra.Command {
	var camp string
	var asJSON bool
	var sf storeFlag
	cmd := &cobra.Command{
		Use:   "show LEAD --campaign NAME",
		Short: "Show one lead as it stands, with the preview skips it keeps",
		Long: `Shows a lead of a campaign: its number and name, state, attempts, next
attempt, last outcome and disposition, its imported columns and survey
answers, and the skips agents gave it in preview mode (who, when, the reason
and note), oldest first; a lead keeps its last 10 skips and counts them all.
--json prints the lead as the store and the API hold it.`,
		Example: `  hotline leads show spring-12 --campaign spring`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if camp == "" {
				return invalidArg(fmt.Errorf("--campaign is required"))
			}
			return sf.with(g, true, func(db *store.DB) error {
				var l *campaign.Lead
				if err := db.View(func(tx *store.Tx) (err error) { l, err = tx.Lead(camp, args[0]); return err }); err != nil {
					return err
				}
				if asJSON {
					return json.NewEncoder(cmd.OutOrStdout()).Encode(l)
				}
				writeLead(cmd.OutOrStdout(), *l)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&camp, "campaign", "", "campaign of the lead (required)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the lead as JSON")
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
