package main

import (
	"fmt"
	"io"
	"net/http"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/engine"
)

func newStatusCmd(g *globalOptions) *cobra.Command {
	o := &clientOptions{}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show queues, agents and live calls of the running daemon",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			base, err := o.base(g)
			if err != nil {
				return err
			}
			var s engine.Status
			raw, err := call(cmd.Context(), http.MethodGet, base+"/api/v1/status", nil, &s)
			if err != nil {
				return err
			}
			if o.json {
				_, err = cmd.OutOrStdout().Write(raw)
				return err
			}
			if err := writeLink(cmd.Context(), cmd.OutOrStdout(), base); err != nil {
				return err
			}
			writeStatus(cmd.OutOrStdout(), s)
			return nil
		},
	}
	o.AddFlags(cmd.Flags())
	return cmd
}

// writeStatus prints a running daemon's status: its clock, queues, agents
// and live calls.
func writeStatus(w io.Writer, s engine.Status) {
	fmt.Fprintf(w, "status at %s\n\n", s.Now.Local().Format(time.DateTime))
	writeQueueTable(w, s.Queues)
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "AGENT\tSTATE\tSINCE\tCALLS\tCALL\tNEXT")
	for _, a := range s.Agents {
		state := a.State
		if a.Reason != "" {
			state += " (" + a.Reason + ")"
		}
		next := ""
		if a.Draining {
			next = "removed from the config: logs out after this call"
		}
		if p := a.Pending; p != nil && !a.Draining {
			next = p.State
			if p.Reason != "" {
				next += " (" + p.Reason + ")"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", a.ID, state, s.Now.Sub(a.Since).Round(time.Second), a.Answered, a.Call, next)
	}
	tw.Flush()
	fmt.Fprintln(w)
	if len(s.Calls) == 0 {
		fmt.Fprintln(w, "no live calls")
		return
	}
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CALL\tCALLER\tQUEUE\tPHASE\tWAITED\tTALK\tAGENT")
	for _, c := range s.Calls {
		talk := ""
		if !c.Answered.IsZero() {
			talk = c.Talk.Round(time.Second).String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, party(c.Caller, c.Direction), c.Queue, c.Phase, c.Waited.Round(time.Second), talk, c.Agent)
	}
	tw.Flush()
}

// writeQueueTable prints the queues' live figures (status and the demo).
func writeQueueTable(w io.Writer, queues []engine.QueueStatus) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "QUEUE\tWAITING\tLONGEST\tOFFERED\tANSWERED\tABANDONED\tSL\tASA")
	for _, q := range queues {
		name := q.Name
		if q.Draining {
			name += " (removed, serving its last callers)"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%d\t%d\t%.1f%%\t%s\n", name, q.Waiting, q.LongestWait.Round(time.Second),
			q.Offered, q.Answered, q.Abandoned, q.ServiceLevel*100, q.ASA.Round(time.Second))
	}
	tw.Flush()
}

// party is the customer's number of a call for the tables: a campaign's
// dial shows the number dialed, marked "→".
func party(number string, dir acd.Direction) string {
	if dir == acd.DirectionOutbound && number != "" {
		return "→" + number
	}
	return number
}
