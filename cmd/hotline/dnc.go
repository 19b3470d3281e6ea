package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/store"
)

// dncOptions are the flags the do-not-call commands share.
type dncOptions struct {
	storeFlag
	list   string
	region string
}

func (o *dncOptions) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.list, "list", store.GlobalDNC, "list: "+store.GlobalDNC+" (every campaign) or a campaign's own")
	cmd.Flags().StringVar(&o.region, "region", "US", "default country (ISO code) of numbers written without a country code")
	o.storeFlag.add(cmd)
}

func newDNCCmd(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dnc",
		Short: "Do-not-call lists: numbers outbound campaigns never dial",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newDNCAddCmd(g), newDNCRemoveCmd(g), newDNCCheckCmd(g), newDNCImportCmd(g), newDNCExportCmd(g))
	return cmd
}

func normalizeAll(nums []string, region string) ([]string, error) {
	out := make([]string, len(nums))
	for i, n := range nums {
		e, _, err := campaign.NormalizePhone(n, region)
		if err != nil {
			return nil, invalidArg(err)
		}
		out[i] = e
	}
	return out, nil
}

// newDNCNumbersCmd is a dnc command on the numbers its arguments give:
// they are normalized (a bad one refused before the store is opened), then
// run is given the open store (read-only for readOnly).
func newDNCNumbersCmd(g *globalOptions, use, short string, args cobra.PositionalArgs, readOnly bool,
	run func(cmd *cobra.Command, o *dncOptions, db *store.DB, nums []string) error) *cobra.Command {
	o := &dncOptions{}
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  args,
		RunE: func(cmd *cobra.Command, args []string) error {
			nums, err := normalizeAll(args, o.region)
			if err != nil {
				return err
			}
			return o.with(g, readOnly, func(db *store.DB) error { return run(cmd, o, db, nums) })
		},
	}
	o.addFlags(cmd)
	return cmd
}

func newDNCAddCmd(g *globalOptions) *cobra.Command {
	return newDNCNumbersCmd(g, "add NUMBER...", "Put numbers on a do-not-call list", cobra.MinimumNArgs(1), false,
		func(cmd *cobra.Command, o *dncOptions, db *store.DB, nums []string) error {
			var entries []store.DNCEntry
			for _, n := range nums {
				entries = append(entries, store.DNCEntry{List: o.list, Phone: n, Added: time.Now().UTC(), Source: "cli"})
			}
			added, err := db.AddDNC(entries)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d added to %q, %d already there\n", added, o.list, len(entries)-added)
			return nil
		})
}

func newDNCRemoveCmd(g *globalOptions) *cobra.Command {
	return newDNCNumbersCmd(g, "remove NUMBER...", "Take numbers off a do-not-call list", cobra.MinimumNArgs(1), false,
		func(cmd *cobra.Command, o *dncOptions, db *store.DB, nums []string) error {
			for _, n := range nums {
				ok, err := db.RemoveDNC(o.list, n)
				if err != nil {
					return err
				}
				if ok {
					fmt.Fprintf(cmd.OutOrStdout(), "%s removed from %q\n", n, o.list)
				} else {
					fmt.Fprintf(cmd.OutOrStdout(), "%s was not on %q\n", n, o.list)
				}
			}
			return nil
		})
}

func newDNCCheckCmd(g *globalOptions) *cobra.Command {
	return newDNCNumbersCmd(g, "check NUMBER", "Say whether a number is on the global list or --list (exit code 1 if it is)", cobra.ExactArgs(1), true,
		func(cmd *cobra.Command, o *dncOptions, db *store.DB, nums []string) error {
			list, blocked, err := db.Blocked(nums[0], o.list)
			if err != nil {
				return err
			}
			if !blocked {
				fmt.Fprintf(cmd.OutOrStdout(), "%s may be called\n", nums[0])
				return nil
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s is on do-not-call list %q\n", nums[0], list)
			return &exitError{code: exitFailure, err: fmt.Errorf("%s is not to be called", nums[0])}
		})
}

func newDNCImportCmd(g *globalOptions) *cobra.Command {
	o := &dncOptions{}
	var mapping []string
	cmd := &cobra.Command{
		Use:   "import FILE.csv",
		Short: "Put every number of a CSV file (a phone column) on a do-not-call list",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := parseMapping(mapping)
			if err != nil {
				return invalidArg(err)
			}
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			res, err := campaign.ImportCSV(f, campaign.ImportOptions{Campaign: o.list, Region: o.region, Map: m}, nil)
			if err != nil {
				return invalidArg(fmt.Errorf("%s: %w", args[0], err))
			}
			for _, e := range res.Errors {
				fmt.Fprintf(cmd.ErrOrStderr(), "%s: %v\n", args[0], e)
			}
			entries := make([]store.DNCEntry, len(res.Leads))
			for i, l := range res.Leads {
				entries[i] = store.DNCEntry{List: o.list, Phone: l.Phone, Added: time.Now().UTC(), Source: args[0]}
			}
			var added int
			if err := o.with(g, false, func(db *store.DB) (err error) { added, err = db.AddDNC(entries); return err }); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %d rows, %d numbers added to %q, %d already there, %d rows with errors\n",
				args[0], res.Rows, added, o.list, len(entries)-added+res.Duplicates, len(res.Errors))
			if len(res.Errors) > 0 {
				return &exitError{code: exitFailure, err: fmt.Errorf("%s: %d rows not imported", args[0], len(res.Errors))}
			}
			return nil
		},
	}
	o.addFlags(cmd)
	cmd.Flags().StringSliceVar(&mapping, "map", nil, "phone=COLUMN when the column is not named phone")
	return cmd
}

func newDNCExportCmd(g *globalOptions) *cobra.Command {
	o := &dncOptions{}
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write a do-not-call list as CSV (phone, added, source)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return o.with(g, true, func(db *store.DB) error { return writeDNC(cmd.OutOrStdout(), db, o.list) })
		},
	}
	o.addFlags(cmd)
	return cmd
}

func writeDNC(w io.Writer, db *store.DB, list string) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"phone", "added", "source"})
	if err := db.DNCList(list, func(e store.DNCEntry) bool {
		_ = cw.Write([]string{e.Phone, e.Added.Format(time.RFC3339), e.Source})
		return true
	}); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}
