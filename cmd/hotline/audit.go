package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hotline-cc/hotline/internal/rfc3339"
	"github.com/hotline-cc/hotline/internal/seal"
	"github.com/hotline-cc/hotline/store"
)

type auditOptions struct {
	storeFlag
	from, to string
	json     bool
}

func newAuditCmd(g *globalOptions) *cobra.Command {
	var o auditOptions
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Print the API's audit log: every change and every read of call records or contacts",
		Long: `Print the audit log the API writes (who, role, when, method, path, status,
remote address) from the store file, with Hotline stopped (a running daemon
serves it at GET /api/v1/audit to admins). The customer numbers and texts a
request carried are sealed there when Hotline has a key: with the key
(HOTLINE_KEY_FILE, HOTLINE_KEY or privacy.key_file) they print as asked,
without it as "…". --from and --to take RFC 3339
times, dates (2026-11-30, local time) or a duration back from now (24h).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := o.open(g, true)
			if err != nil {
				return err
			}
			defer db.Close()
			// The numbers and texts a request carried are sealed in the
			// log: the key opens them, and without it they print as "…".
			keys, err := storeKeys(g)
			if err != nil {
				if os.Getenv(seal.EnvKey) != "" || os.Getenv(seal.EnvKeyFile) != "" {
					return err // a key asked for by name must open
				}
				// The config's key file, unreadable to this user: the log
				// prints all the same, its sealed parts as "…".
				fmt.Fprintf(cmd.ErrOrStderr(), "hotline: audit: %v; the customer data in the log prints as …\n", err)
				keys = nil
			}
			if keys != nil {
				db.SealCalls(keys, "")
			}
			return runAudit(cmd.OutOrStdout(), db, o, time.Now())
		},
	}
	cmd.Flags().StringVar(&o.from, "from", "24h", "first time: RFC 3339, a date, or a duration back from now")
	cmd.Flags().StringVar(&o.to, "to", "", "end (not included); default: now")
	cmd.Flags().BoolVar(&o.json, "json", false, "one JSON object per line")
	o.storeFlag.add(cmd)
	return cmd
}

func runAudit(w io.Writer, db *store.DB, o auditOptions, now time.Time) error {
	from, to, err := timeWindow(o.from, o.to, now)
	if err != nil {
		return err
	}
	entries, err := db.AccessLog(from, to)
	if err != nil {
		return err
	}
	if o.json {
		enc := json.NewEncoder(w)
		for _, e := range entries {
			if err := enc.Encode(e); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tWHO\tROLE\tMETHOD\tPATH\tSTATUS\tREMOTE\tNOTE")
	for _, e := range entries {
		who := e.Who
		if e.Token != "" {
			who += " (token " + e.Token + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", e.At.Local().Format(time.RFC3339), who, dash(e.Role), e.Method, e.Path, e.Status, dash(e.Remote), e.Note)
	}
	return tw.Flush()
}

// timeWindow reads --from and --to (default: now) with auditTime.
func timeWindow(fromFlag, toFlag string, now time.Time) (from, to time.Time, err error) {
	if from, err = auditTime("--from", fromFlag, now); err != nil {
		return
	}
	to = now.Add(time.Second)
	if toFlag != "" {
		if to, err = auditTime("--to", toFlag, now); err != nil {
			return
		}
	}
	if !to.After(from) {
		err = invalidArg(fmt.Errorf("--to %s is not after --from %s", to.Format(time.RFC3339), from.Format(time.RFC3339)))
	}
	return
}

// auditTime reads an RFC 3339 time, a date in local time, or a duration
// back from now.
func auditTime(flag, v string, now time.Time) (time.Time, error) {
	v = strings.TrimSpace(v)
	t, err := rfc3339.Parse(v)
	if err != nil {
		t, err = time.ParseInLocation(time.DateOnly, v, time.Local)
	}
	if err == nil {
		if err := store.CheckTime(t); err != nil {
			return time.Time{}, invalidArg(fmt.Errorf("%s %q: %w", flag, v, err))
		}
		return t, nil
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, invalidArg(fmt.Errorf("%s %q: want an RFC 3339 time (2026-11-30T09:00:00Z), a date (2026-11-30) or a duration back from now (24h)", flag, v))
}
