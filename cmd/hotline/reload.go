package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/api"
)

func newConfigReloadCmd(g *globalOptions) *cobra.Command {
	o := &clientOptions{}
	var force bool
	cmd := &cobra.Command{
		Use:   "reload",
		Short: "Make the running daemon read its config file again and apply it",
		Long: `Asks the running daemon (through its API) to read its config file again, as
SIGHUP does. New agents and queues appear; removed queues keep their callers
until served; removed agents finish their call, then log out; changed
settings apply to the next decision. A file with problems changes nothing,
and the problems are listed. A file that removes a queue a caller waits in,
an agent on a call, a menu or flow a caller is in or a running campaign with leads
dialing changes nothing either: what is in use is listed, and the command
exits 1; --force applies it anyway (queues drain, agents log out after their
call). server, store and pbx changes need a restart.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			base, err := o.base(g)
			if err != nil {
				return err
			}
			raw, rep, err := postReload(cmd.Context(), base, force)
			if err != nil {
				return err
			}
			if o.json {
				_, err = cmd.OutOrStdout().Write(raw)
				return err
			}
			writeReloadReport(cmd.OutOrStdout(), rep)
			return nil
		},
	}
	o.AddFlags(cmd.Flags())
	cmd.Flags().BoolVar(&force, "force", false, "apply the config even if it removes a queue, agent, flow or campaign in use")
	return cmd
}

// postReload asks the daemon to reload; a refused reload's problems come
// back in the error, one per line.
func postReload(ctx context.Context, base string, force bool) ([]byte, engine.ReconfigureReport, error) {
	var rep engine.ReconfigureReport
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	url := base + "/api/v1/config/reload"
	if force {
		url += "?force=true"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, nil)
	if err != nil {
		return nil, rep, err
	}
	withToken(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, rep, fmt.Errorf("is hotline serve running? %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, rep, err
	}
	if resp.StatusCode != http.StatusOK {
		var e api.ReloadError
		if json.Unmarshal(raw, &e) != nil || e.Error == "" {
			return raw, rep, fmt.Errorf("reload: %s: %s", resp.Status, bytes.TrimSpace(raw))
		}
		if len(e.Problems) > 0 {
			return raw, rep, fmt.Errorf("%s\n  %s", e.Error, strings.Join(e.Problems, "\n  "))
		}
		if len(e.InUse) > 0 {
			return raw, rep, fmt.Errorf("config not applied: it removes what is in use (--force applies it anyway):\n  %s", strings.Join(e.InUse, "\n  "))
		}
		return raw, rep, fmt.Errorf("%s", e.Error)
	}
	if err := json.Unmarshal(raw, &rep); err != nil {
		return raw, rep, fmt.Errorf("decoding the reload report: %w", err)
	}
	return raw, rep, nil
}

func writeReloadReport(w io.Writer, rep engine.ReconfigureReport) {
	if !rep.Changed() && len(rep.NeedRestart) == 0 {
		fmt.Fprintln(w, "config reloaded: no changes")
		return
	}
	fmt.Fprintln(w, "config reloaded")
	for _, l := range []struct {
		what  string
		names []string
	}{
		{"queues added", rep.QueuesAdded}, {"queues changed", rep.QueuesChanged}, {"queues removed", rep.QueuesRemoved},
		{"agents added", rep.AgentsAdded}, {"agents changed", rep.AgentsChanged}, {"agents removed", rep.AgentsRemoved},
	} {
		if len(l.names) > 0 {
			fmt.Fprintf(w, "  %s: %s\n", l.what, strings.Join(l.names, ", "))
		}
	}
	if len(rep.CampaignsBack) > 0 {
		fmt.Fprintf(w, "  campaigns back in the config (they may be started again): %s\n", strings.Join(rep.CampaignsBack, ", "))
	}
	if rep.EntriesChanged {
		fmt.Fprintln(w, "  entries changed")
	}
	if rep.MenusChanged {
		fmt.Fprintln(w, "  menus changed")
	}
	if len(rep.FlowsChanged) > 0 {
		fmt.Fprintf(w, "  flows changed: %s\n", strings.Join(rep.FlowsChanged, ", "))
	}
	if len(rep.Applied) > 0 {
		fmt.Fprintf(w, "  changed, applied: %s\n", strings.Join(rep.Applied, ", "))
	}
	for _, d := range rep.Draining {
		fmt.Fprintf(w, "  draining: %s\n", d)
	}
	if len(rep.NeedRestart) > 0 {
		fmt.Fprintf(w, "  changed, applies at the next start: %s\n", strings.Join(rep.NeedRestart, ", "))
	}
}
