package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/hotline-cc/hotline/acd/report"
	"github.com/hotline-cc/hotline/store"
)

// newIVRReportCmd is `hotline ivr report`, kept beside `hotline report ivr`:
// the same figures, read from the store file (the daemon stopped), with
// --from and --to optional.
func newIVRReportCmd(g *globalOptions) *cobra.Command {
	o := &reportOptions{}
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Figures of the flows (the same as hotline report ivr)",
		Long: `Per flow: calls, calls that heard a FAQ answer, those contained (ended in the
flow after an answer without asking for a person) and the recognition rate
(spoken phrases matched over phrases heard). Per node: visits, exits by
option, timeouts, invalid keys, phrases matched and not understood. Reads the
store file (Hotline stopped, or --store a copy); hotline report ivr asks the
running daemon.`,
		Example: "  hotline ivr report --from 2026-12-01 --to 2026-12-02 --flow selfservice --format csv",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			path := o.store
			if path == "" {
				var err error
				if path, err = storeFile(g, nil); err != nil {
					return err
				}
			}
			return ivrReportFromStore(cmd.OutOrStdout(), path, o, time.Local)
		},
	}
	cmd.Flags().StringVar(&o.from, "from", "", "start of the period: 2026-12-01, 2026-12-01T09:00 or RFC 3339 (default: the first call)")
	cmd.Flags().StringVar(&o.to, "to", "", "end of the period, excluded (default: now)")
	cmd.Flags().StringVar(&o.flow, "flow", "", "only this flow")
	cmd.Flags().StringVar(&o.format, "format", "table", "table | csv | json")
	cmd.Flags().StringVar(&o.store, "store", "", "store file (default: the config's store.path)")
	return cmd
}

// ivrPeriod reads --from and --to; either may be left out.
func ivrPeriod(o *reportOptions, loc *time.Location) (from, to time.Time, err error) {
	for _, d := range []struct {
		flag, v string
		to      *time.Time
	}{{"--from", o.from, &from}, {"--to", o.to, &to}} {
		if d.v == "" {
			continue
		}
		if *d.to, err = report.ParseWhen(d.v, loc, time.Now()); err != nil {
			return from, to, invalidArg(fmt.Errorf("%s %w", d.flag, err))
		}
	}
	return from, to, nil
}

func ivrReportFromStore(w io.Writer, path string, o *reportOptions, loc *time.Location) error {
	from, to, err := ivrPeriod(o, loc)
	if err != nil {
		return err
	}
	db, err := store.Open(path, store.Options{ReadOnly: true, LockTimeout: time.Second})
	if err != nil {
		return err
	}
	defer db.Close()
	r, err := report.FigureIVR(db.Calls(store.Filter{From: from, To: to}), o.flow)
	if err != nil {
		return err
	}
	if err := report.WriteIVR(w, r, o.format); err != nil {
		return invalidArg(err)
	}
	return nil
}

// runIVRReport is `hotline report ivr`: from --store, else from the running
// daemon's GET /api/v1/reports/ivr.
func runIVRReport(ctx context.Context, w io.Writer, g *globalOptions, o *reportOptions) error {
	cfg, err := reportConfig(g)
	if err != nil {
		return err
	}
	loc := time.Local
	if tz := cmpOr(o.tz, cfg.Reports.Timezone); tz != "" {
		if loc, err = time.LoadLocation(tz); err != nil {
			return invalidArg(fmt.Errorf("--tz %q: not a known time zone", tz))
		}
	}
	if _, _, err := ivrPeriod(o, loc); err != nil {
		return err
	}
	if o.store != "" {
		if _, err := os.Stat(o.store); err != nil {
			return err
		}
		return ivrReportFromStore(w, o.store, o, loc)
	}
	c := clientOptions{api: o.api}
	base, err := c.base(g)
	if err != nil {
		return err
	}
	v := url.Values{"format": {o.format}, "tz": {loc.String()}}
	for k, s := range map[string]string{"from": o.from, "to": o.to, "flow": o.flow} {
		if s != "" {
			v.Set(k, s)
		}
	}
	raw, err := call(ctx, "GET", base+"/api/v1/reports/ivr?"+v.Encode(), nil, nil)
	if err != nil {
		return err
	}
	_, err = w.Write(raw)
	return err
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
