package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hotline-cc/hotline/acd/engine"
)

func newEventsCmd(g *globalOptions) *cobra.Command {
	o := &clientOptions{}
	var count int
	cmd := &cobra.Command{
		Use:   "events",
		Short: "Follow the running daemon's changes (agents, calls, queues) as they happen",
		Example: `  hotline events
  hotline events --json            # the raw event stream`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			base, err := o.base(g)
			if err != nil {
				return err
			}
			return followEvents(cmd.Context(), cmd.OutOrStdout(), base, o.json, count)
		},
	}
	o.AddFlags(cmd.Flags())
	cmd.Flags().IntVar(&count, "count", 0, "stop after this many changes (0 = until interrupted)")
	return cmd
}

// followEvents prints the event stream, one line per change, after a line
// for the opening snapshot.
func followEvents(ctx context.Context, w io.Writer, base string, raw bool, count int) error {
	body, err := getStream(ctx, base+"/api/v1/events")
	if err != nil {
		return fmt.Errorf("events: %w", err)
	}
	defer body.Close()
	sc := bufio.NewScanner(body)
	sc.Buffer(nil, 64<<20) // a snapshot of a large center is one line
	var event string
	seen := 0
	for sc.Scan() {
		line := sc.Text()
		if raw {
			fmt.Fprintln(w, line)
		}
		switch {
		case strings.HasPrefix(line, "event: "):
			event = line[len("event: "):]
		case strings.HasPrefix(line, "data: ") && event == "keep-alive":
			// The stream is alive; nothing changed.
		case strings.HasPrefix(line, "data: "):
			if !raw {
				if err := writeEvent(w, event, []byte(line[len("data: "):])); err != nil {
					return err
				}
			}
			if event != "snapshot" {
				if seen++; count > 0 && seen >= count {
					return nil
				}
			}
		}
	}
	if ctx.Err() != nil {
		return nil // interrupted
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return fmt.Errorf("the daemon closed the event stream")
}

func writeEvent(w io.Writer, event string, data []byte) error {
	if event == "snapshot" {
		var s engine.Snapshot
		if err := json.Unmarshal(data, &s); err != nil {
			return fmt.Errorf("snapshot: %w", err)
		}
		fmt.Fprintf(w, "%s snapshot: %s, %s, %s\n", clock(s.Now), count(len(s.Queues), "queue"), count(len(s.Agents), "agent"), count(len(s.Calls), "live call"))
		return nil
	}
	var c engine.Change
	if err := json.Unmarshal(data, &c); err != nil {
		return fmt.Errorf("%s event: %w", event, err)
	}
	switch {
	case c.Agent != nil:
		a := c.Agent
		what := a.State
		if a.Reason != "" {
			what += " (" + a.Reason + ")"
		}
		if a.Cause != "" {
			what += " [" + a.Cause
			if a.By != "" {
				what += " by " + a.By
			}
			what += "]"
		}
		if a.Call != "" {
			what += " call " + a.Call
		}
		if p := a.Pending; p != nil {
			what += ", then " + p.State
		}
		fmt.Fprintf(w, "%s %s %s %s\n", clock(c.At), c.Kind, a.ID, what)
	case c.Call != nil:
		cl := c.Call
		fmt.Fprintf(w, "%s %s %s %s from %s queue %s agent %s waited %s\n", clock(c.At), c.Kind, cl.ID, cl.Phase, cl.Caller,
			dash(cl.Queue), dash(cl.Agent), cl.Waited.Round(time.Second))
	case c.Queue != nil:
		q := c.Queue
		fmt.Fprintf(w, "%s %s %s waiting %d answered %d abandoned %d SL %.1f%%\n", clock(c.At), c.Kind, q.Name,
			q.Waiting, q.Answered, q.Abandoned, q.ServiceLevel*100)
	default:
		fmt.Fprintf(w, "%s %s\n", clock(c.At), c.Kind)
	}
	return nil
}

func clock(t time.Time) string { return t.Local().Format(time.TimeOnly) }

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
