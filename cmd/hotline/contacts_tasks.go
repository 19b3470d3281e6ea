package main

import (
	"fmt"
	"net/http"
	"net/url"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hotline-cc/hotline/acd/contact"
	"github.com/hotline-cc/hotline/api"
)

// newTasksCmd works callback tasks (missed calls of known customers) on the
// running daemon.
func newTasksCmd(g *globalOptions) *cobra.Command {
	o := &clientOptions{}
	var state string
	cmd := &cobra.Command{
		Use:   "tasks",
		Short: "Callback tasks: missed calls of known customers to call back (list, next, close, release)",
		Example: `  hotline tasks --state open
  hotline tasks next alice                 # alice takes the oldest open task: who to call, and why
  hotline tasks close alice t-c123 --result reached`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			base, err := o.base(g)
			if err != nil {
				return err
			}
			var ts []contact.Task
			raw, err := call(cmd.Context(), http.MethodGet, base+"/api/v1/tasks?state="+url.QueryEscape(state), nil, &ts)
			if err != nil || o.json {
				return printRaw(cmd, raw, err)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tCREATED\tREASON\tCONTACT\tQUEUE\tSTATE\tAGENT\tRESULT")
			for _, t := range ts {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", t.ID, t.Created.Local().Format(time.DateTime), t.Reason,
					t.Contact, t.Queue, t.State, t.Agent, t.Result)
			}
			return tw.Flush()
		},
	}
	o.AddFlags(cmd.PersistentFlags())
	cmd.Flags().StringVar(&state, "state", "open", "open | claimed | closed | \"\" for all")
	cmd.AddCommand(newTasksNextCmd(g, o), newTasksMoveCmd(g, o, "close"), newTasksMoveCmd(g, o, "release"))
	return cmd
}

func newTasksNextCmd(g *globalOptions, o *clientOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "next AGENT",
		Short: "Give AGENT the oldest open task (or the one it holds), with the customer to call",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			base, err := o.base(g)
			if err != nil {
				return err
			}
			var v api.TaskView
			raw, err := call(cmd.Context(), http.MethodPost, base+"/api/v1/agents/"+url.PathEscape(args[0])+"/tasks/next", nil, &v)
			if err != nil || o.json {
				return printRaw(cmd, raw, err)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "task %s (%s call, %s)\n", v.ID, v.Reason, v.Created.Local().Format(time.DateTime))
			if c := v.Customer; c != nil {
				fmt.Fprintf(w, "call back: %s %v\n", c.Name, c.Phones)
			}
			fmt.Fprintf(w, "close it: hotline tasks close %s %s --result reached|no-answer|...\n", args[0], v.ID)
			return nil
		},
	}
}

// newTasksMoveCmd closes (with --result) or releases an agent's task.
func newTasksMoveCmd(g *globalOptions, o *clientOptions, move string) *cobra.Command {
	var result string
	cmd := &cobra.Command{
		Use:   move + " AGENT TASK",
		Short: map[string]string{"close": "Close AGENT's task with a --result", "release": "Put AGENT's task back for others"}[move],
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			base, err := o.base(g)
			if err != nil {
				return err
			}
			var body any
			if move == "close" {
				body = api.CloseTaskRequest{Result: result}
			}
			var t contact.Task
			raw, err := call(cmd.Context(), http.MethodPost,
				base+"/api/v1/agents/"+url.PathEscape(args[0])+"/tasks/"+url.PathEscape(args[1])+"/"+move, body, &t)
			if err != nil || o.json {
				return printRaw(cmd, raw, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "task %s: %s %s\n", t.ID, t.State, t.Result)
			return nil
		},
	}
	if move == "close" {
		cmd.Flags().StringVar(&result, "result", "", "what came of the call back (reached, no-answer, ...)")
	}
	return cmd
}

// printRaw prints an API answer as it came, or returns err.
func printRaw(cmd *cobra.Command, raw []byte, err error) error {
	if err != nil {
		return err
	}
	_, err = cmd.OutOrStdout().Write(raw)
	return err
}
