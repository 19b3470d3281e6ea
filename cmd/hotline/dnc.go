package main

import (
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/internal/csvcell"
	"github.com/hotline-cc/hotline/internal/rfc3339"
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
	if err := checkRegionFlag(region); err != nil {
		return nil, err
	}
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
			if !config.ValidName(o.list) && o.list != store.GlobalDNC {
				// Named before the store is opened (a serving daemon holds it).
				return invalidArg(fmt.Errorf("--list %q: no campaign can have that name (letters, digits, '-', '_' and '.', starting with a letter or digit)", o.list))
			}
			nums, err := normalizeAll(args, o.region)
			if err != nil {
				return err
			}
			return o.with(g, readOnly, func(db *store.DB) error { return run(cmd, o, db, nums) })
		},
	}
	o.addFlags(cmd)
	if !readOnly {
		o.addCreate(cmd)
	}
	return cmd
}

func newDNCAddCmd(g *globalOptions) *cobra.Command {
	return newDNCNumbersCmd(g, "add NUMBER...", "Put numbers on a do-not-call list", cobra.MinimumNArgs(1), false,
		func(cmd *cobra.Command, o *dncOptions, db *store.DB, nums []string) error {
			if err := checkCampaignName(g, o.list, true); err != nil {
				return err
			}
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
			if err := checkListRead(g, db, o.list); err != nil {
				return err
			}
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

// checkListRead refuses to read or take numbers off a list that holds none
// and that no campaign of the config has (checkCampaignName): a typo's
// check would say the number is on no list. A removed campaign's list that still
// holds numbers is read.
func checkListRead(g *globalOptions, db *store.DB, list string) error {
	err := checkCampaignName(g, list, true)
	if err == nil || !config.ValidName(list) {
		return err
	}
	empty := true
	if lerr := db.DNCList(list, func(store.DNCEntry) bool { empty = false; return false }); lerr != nil {
		return lerr
	}
	if empty {
		return err
	}
	return nil
}

// exitUnchecked is dnc check's exit code when it could not look: 1 says
// the number is listed.
const exitUnchecked = 3

func newDNCCheckCmd(g *globalOptions) *cobra.Command {
	cmd := newDNCNumbersCmd(g, "check NUMBER", "Say whether a number is on the global list or --list (exit code 1 if it is, 3 if it could not be checked)", nil, true,
		func(cmd *cobra.Command, o *dncOptions, db *store.DB, nums []string) error {
			if err := checkListRead(g, db, o.list); err != nil {
				return err
			}
			list, blocked, err := db.Blocked(nums[0], o.list)
			if err != nil {
				return err
			}
			if !blocked {
				// Say which lists were looked at: a number a campaign's
				// own list holds is not on the global one.
				if o.list == store.GlobalDNC {
					fmt.Fprintf(cmd.OutOrStdout(), "%s is not on do-not-call list %q (a campaign's own list is checked with --list CAMPAIGN)\n", nums[0], store.GlobalDNC)
				} else {
					fmt.Fprintf(cmd.OutOrStdout(), "%s is on neither do-not-call list %q nor %q\n", nums[0], store.GlobalDNC, o.list)
				}
				return nil
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s is on do-not-call list %q\n", nums[0], list)
			return &exitError{code: exitFailure, err: fmt.Errorf("%s is not to be called", nums[0])}
		})
	// Exit code 1 says the number is listed: a command line the check
	// cannot read is exit code 2, as a number it cannot read is.
	cmd.Args = func(cmd *cobra.Command, args []string) error {
		if err := cobra.ExactArgs(1)(cmd, args); err != nil {
			return invalidArg(err)
		}
		return nil
	}
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return invalidArg(err) })
	runE := cmd.RunE
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		err := runE(cmd, args)
		if err == nil || exitCode(err) != exitFailure || errors.As(err, new(*exitError)) {
			return err
		}
		return &exitError{code: exitUnchecked, err: err}
	}
	return cmd
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
			if err := checkRegionFlag(o.region); err != nil {
				return err
			}
			if err := checkCampaignName(g, o.list, true); err != nil {
				return err
			}
			f, err := openInput(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			entries, rows, dups, bad, err := readDNCFile(f, args[0], o, m, cmd.ErrOrStderr())
			if err != nil {
				return invalidArg(fmt.Errorf("%s: %w", args[0], err))
			}
			var added int
			if err := o.with(g, false, func(db *store.DB) (err error) { added, err = db.AddDNC(entries); return err }); err != nil {
				return err
			}
			// As the API says them: a number listed already apart from
			// one the file gives again.
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %s, %s added to %q, %d already there, %d given again in the file, %s with errors\n",
				args[0], count(rows, "row"), count(added, "number"), o.list, len(entries)-added, dups, count(bad, "row"))
			if bad > 0 {
				return &exitError{code: exitFailure, err: fmt.Errorf("%s: %s not imported", args[0], count(bad, "row"))}
			}
			return nil
		},
	}
	o.addFlags(cmd)
	o.addCreate(cmd)
	cmd.Flags().StringSliceVar(&mapping, "map", nil, "phone=COLUMN when the column is not named phone")
	return cmd
}

// readDNCFile reads a do-not-call file: its phone column and, as the
// export writes them, when each number was added and by what (so a list
// exported and imported again keeps them); other columns (a name, a time
// zone) are not read. Bad rows are written to errw by number.
func readDNCFile(r io.Reader, name string, o *dncOptions, m map[string]string, errw io.Writer) (entries []store.DNCEntry, rows, dups, bad int, err error) {
	now := time.Now().UTC()
	seen := map[string]bool{}
	rowErr := func(e campaign.RowError) {
		fmt.Fprintf(errw, "%s: %v\n", name, e)
		bad++
	}
	rows, err = campaign.ScanNumbers(r, o.region, m, []string{"added", "source"}, func(n campaign.NumberRow) error {
		e := store.DNCEntry{List: o.list, Phone: n.Phone, Added: now, Source: cmp.Or(n.Cells["source"], name)}
		if v := n.Cells["added"]; v != "" {
			// A date the file writes its own way keeps no number off the
			// list: it is listed as added now, with a warning.
			if t, err := parseAdded(v); err == nil && (t.Year() < 1900 || t.After(now.Add(24*time.Hour))) {
				fmt.Fprintf(errw, "%s: warning: %v; listed as added now\n", name, campaign.RowError{Row: n.Row, Column: "added",
					Err: fmt.Errorf("%q: not a date a number was listed on (before 1900, or in the future)", v)})
			} else if err != nil {
				fmt.Fprintf(errw, "%s: warning: %v; listed as added now\n", name, campaign.RowError{Row: n.Row, Column: "added", Err: err})
			} else {
				e.Added = t
			}
		}
		if seen[e.Phone] {
			dups++
			return nil
		}
		seen[e.Phone] = true
		entries = append(entries, e)
		return nil
	}, rowErr)
	return entries, rows, dups, bad, err
}

// parseAdded reads an added column: the export's RFC 3339, or a date
// alone (taken as its start in UTC), as other lists write it.
func parseAdded(v string) (time.Time, error) {
	if t, err := rfc3339.Parse(v); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q: not a time like 2006-01-02T15:04:05Z or a date like 2006-01-02", v)
}

func newDNCExportCmd(g *globalOptions) *cobra.Command {
	o := &dncOptions{}
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write a do-not-call list as CSV (phone, added, source)",
		Long: `Writes a do-not-call list as CSV: phone, added, source. A cell a spreadsheet
would run as a formula (one starting with =, +, -, @, a tab or a carriage
return, such as every +1... number) is written behind an apostrophe;
hotline dnc import takes it off again.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return o.with(g, true, func(db *store.DB) error {
				if err := checkListRead(g, db, o.list); err != nil {
					return err
				}
				return writeDNC(cmd.OutOrStdout(), db, o.list)
			})
		},
	}
	o.addFlags(cmd)
	return cmd
}

func writeDNC(w io.Writer, db *store.DB, list string) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"phone", "added", "source"})
	if err := db.DNCList(list, func(e store.DNCEntry) bool {
		// Escaped as lead exports are (+1… would run as a formula); the
		// import reads the cells back.
		_ = cw.Write(csvcell.EscapeRow([]string{e.Phone, e.Added.Format(time.RFC3339), e.Source}))
		return true
	}); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}
