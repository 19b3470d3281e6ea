package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/api"
	"github.com/hotline-cc/hotline/store"
)

func newLeadsCmd(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "leads",
		Short: "Import, export and show outbound campaigns' leads",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newLeadsImportCmd(g), newLeadsExportCmd(g), newLeadsShowCmd(g))
	return cmd
}

type leadsImportOptions struct {
	storeFlag
	campaign string
	mapping  []string
	region   string
	dryRun   bool
	maxRows  int
	api      string
}

func (o *leadsImportOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.campaign, "campaign", "", "campaign the leads belong to (required)")
	fs.StringSliceVar(&o.mapping, "map", nil, "lead field=CSV column, e.g. phone=Tel,name=Name,timezone=TZ (other columns become custom fields)")
	fs.StringVar(&o.region, "region", "US", "default country (ISO code) of numbers written without a country code")
	fs.BoolVar(&o.dryRun, "dry-run", false, "check the file and report, store nothing")
	fs.IntVar(&o.maxRows, "max-rows", 0, "refuse files with more rows (default 1,000,000)")
	fs.StringVar(&o.api, "api", "", "with --dry-run while hotline serve holds the store: its API address, which checks the file against the campaign (default: server.listen from the config)")
}

func newLeadsImportCmd(g *globalOptions) *cobra.Command {
	o := &leadsImportOptions{}
	cmd := &cobra.Command{
		Use:   "import FILE.csv",
		Short: "Import a lead list into a campaign (numbers normalized to E.164)",
		Long: `Reads a CSV lead list with a header row. Numbers are normalized to E.164 with
--region as the default country; a lead's time zone comes from its column or,
when the number's area has one zone, from the number. A bad row is reported
with its row number and skipped; a number already in the campaign (or twice in
the file) is skipped and counted. A file that cannot be read is refused whole:
nothing is stored. A cell hotline leads export wrote behind an apostrophe (a
formula character after it, as in '+33612345678) is read without it.`,
		Example: `  hotline leads import spring.csv --campaign spring --map phone=Tel,name="Full Name" --region GB`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLeadsImport(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), g, args[0], o)
		},
	}
	o.AddFlags(cmd.Flags())
	o.storeFlag.add(cmd)
	o.storeFlag.addCreate(cmd)
	return cmd
}

// checkCampaignName refuses a name no campaign can have and, when a config
// is given, a campaign it does not have (with global, the global
// do-not-call list is allowed too): leads or numbers filed under a typo
// would never be dialed or read.
func checkCampaignName(g *globalOptions, name string, global bool) error {
	if !config.ValidName(name) && !(global && name == store.GlobalDNC) {
		flag := "--campaign"
		if global {
			flag = "--list"
		}
		return invalidArg(fmt.Errorf("%s %q: no campaign can have that name (letters, digits, '-', '_' and '.', starting with a letter or digit)", flag, name))
	}
	if strings.EqualFold(name, store.GlobalDNC) && !(global && name == store.GlobalDNC) {
		// No campaign may be called so (its own list would be the global
		// one), and Global would be a list no campaign reads.
		flag, what := "--campaign", "no campaign can have that name: it is the global do-not-call list's"
		if global {
			flag, what = "--list", "the global list is written "+store.GlobalDNC
		}
		return invalidArg(fmt.Errorf("%s %q: %s", flag, name, what))
	}
	path := g.configPath()
	if path == "" || (global && name == store.GlobalDNC) {
		return nil
	}
	cfg, err := g.loadConfig()
	if err != nil {
		return err
	}
	var known []string
	if global {
		known = append(known, store.GlobalDNC)
	}
	for _, k := range cfg.Campaigns {
		if k.Name == name {
			return nil
		}
		known = append(known, k.Name)
	}
	what := fmt.Sprintf("campaign %q is not in %s", name, path)
	if global {
		what = fmt.Sprintf("do-not-call list %q is neither global nor a campaign in %s", name, path)
	}
	return invalidArg(fmt.Errorf("%s; known: %s", what, strings.Join(known, ", ")))
}

// checkRegionFlag refuses a --region that is no country, naming the flag
// (read on, every number without its country code would be refused).
func checkRegionFlag(region string) error {
	if err := campaign.CheckRegion(region); err != nil {
		return invalidArg(fmt.Errorf("--region: %w", err))
	}
	return nil
}

// parseMapping reads --map.
func parseMapping(pairs []string) (map[string]string, error) {
	m, err := campaign.ParseMap(pairs)
	if err != nil {
		return nil, fmt.Errorf("--map: %w", err)
	}
	return m, nil
}

func runLeadsImport(ctx context.Context, w, errw io.Writer, g *globalOptions, file string, o *leadsImportOptions) error {
	if o.campaign == "" {
		return invalidArg(fmt.Errorf("--campaign is required"))
	}
	if o.maxRows < 0 {
		return invalidArg(fmt.Errorf("--max-rows %d: want a count of rows (0 for the default, 1,000,000)", o.maxRows))
	}
	mapping, err := parseMapping(o.mapping)
	if err != nil {
		return invalidArg(err)
	}
	if err := checkRegionFlag(o.region); err != nil {
		return err
	}
	if err := checkCampaignName(g, o.campaign, false); err != nil {
		return err
	}
	f, err := openInput(file)
	if err != nil {
		return err
	}
	defer f.Close()
	tty := isTerminal(errw)
	start := time.Now()
	opts := campaign.ImportOptions{Campaign: o.campaign, Region: o.region, Map: mapping, MaxRows: o.maxRows}
	progress := func(rows int) {
		if tty {
			fmt.Fprintf(errw, "\r%s: %d rows read", file, rows)
		}
	}
	bad := 0
	badRow := func(e campaign.RowError) {
		if tty {
			fmt.Fprint(errw, "\r\x1b[K")
		}
		fmt.Fprintf(errw, "%s: %v\n", file, e)
		bad++
	}
	var rows int
	var res store.ImportResult
	if o.dryRun {
		var dr campaign.DryRunResult
		var unlisted int
		dr, unlisted, err = dryRunLeads(ctx, g, o, f, file, errw, opts, badRow, progress)
		bad += unlisted
		rows, res = dr.Rows, store.ImportResult{Added: dr.Added, Duplicate: dr.InFile + dr.InCampaign, InList: dr.InFile}
	} else {
		rows, res, err = importLeads(g, &o.storeFlag, f, opts, badRow, progress)
	}
	if tty {
		fmt.Fprint(errw, "\r\x1b[K")
	}
	if err != nil {
		if errors.Is(err, campaign.ErrBadFile) {
			return invalidArg(fmt.Errorf("%s: %w", file, err))
		}
		if errors.Is(err, store.ErrLocked) {
			return fmt.Errorf("%s: %w; nothing imported. While Hotline runs, import through its API: POST /api/v1/campaigns/%s/leads with the file as the body", file, err, url.PathEscape(o.campaign))
		}
		return fmt.Errorf("%s: %w; nothing imported", file, err)
	}
	verb := "imported"
	if o.dryRun {
		verb = "would import"
	}
	fmt.Fprintf(w, "%s: %s, %s %s into %q; %s skipped (%d in the file, %d already in the campaign), %s with errors (%.1fs)\n",
		file, count(rows, "row"), verb, count(res.Added, "lead"), o.campaign, count(res.Duplicate, "duplicate"), res.InList, res.Duplicate-res.InList, count(bad, "row"), time.Since(start).Seconds())
	if bad > 0 {
		return &exitError{code: exitFailure, err: fmt.Errorf("%s: %s not imported", file, count(bad, "row"))}
	}
	return nil
}

// importLeads streams a lead list into the store: memory stays that of one
// batch however long the file, and a file that turns out bad midway leaves
// nothing behind. The store is opened at the first good row, so a file
// refused at its header leaves no store behind either.
func importLeads(g *globalOptions, sf *storeFlag, r io.Reader, o campaign.ImportOptions, bad func(campaign.RowError), progress func(int)) (rows int, res store.ImportResult, err error) {
	var db *store.DB
	var im *store.LeadImport
	defer func() {
		if db == nil {
			return
		}
		if err != nil && im != nil {
			if aerr := im.Abort(); aerr != nil {
				err = errors.Join(err, aerr)
			}
			res = store.ImportResult{}
		}
		if cerr := db.Close(); err == nil {
			err = cerr
		}
	}()
	add := func(l campaign.Lead) error {
		if im == nil {
			if db, err = sf.open(g, false); err != nil {
				return err
			}
			if im, err = db.BeginLeadImport(o.Campaign); err != nil {
				return err
			}
		}
		return im.Add(l)
	}
	rows, err = campaign.ScanCSV(r, o, add, bad, progress)
	if err == nil && im != nil {
		res, err = im.Commit()
	}
	return rows, res, err
}

// dryRunLeads checks a lead list as importLeads would import it, storing
// nothing, and counts the numbers the campaign has as the import would
// skip them: from the store or, while hotline serve holds it, through its
// API (POST .../leads?dry_run=1). unlisted counts the bad rows the API
// counted beyond those it listed.
func dryRunLeads(ctx context.Context, g *globalOptions, o *leadsImportOptions, f *os.File, file string, errw io.Writer,
	opts campaign.ImportOptions, bad func(campaign.RowError), progress func(int)) (res campaign.DryRunResult, unlisted int, err error) {
	db, err := o.storeFlag.open(g, true)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// No store yet: no lead is in the campaign.
		fmt.Fprintf(errw, "%s: no store yet: no number counted as already in the campaign\n", file)
		res, err = campaign.DryRun(f, opts, nil, bad, progress)
		return res, 0, err
	case errors.Is(err, store.ErrLocked):
		res, unlisted, err = dryRunThroughAPI(ctx, g, o, struct{ io.Reader }{f}, bad) // not closed by the request: read again below if need be
		if err == nil {
			return res, unlisted, nil
		}
		var ae *apiError
		if errors.As(err, &ae) {
			return res, 0, err // the daemon read the file and refused it
		}
		// The daemon's API does not answer: the file is still checked.
		fmt.Fprintf(errw, "%s: the store is in use (hotline serve runs) and its API did not answer (%v): numbers already in the campaign not counted\n", file, err)
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return res, 0, err
		}
		res, err = campaign.DryRun(f, opts, nil, bad, progress)
		return res, 0, err
	case err != nil:
		return res, 0, err
	}
	res, err = campaign.DryRun(f, opts, func(phones []string) ([]bool, error) { return db.LeadPhones(opts.Campaign, phones) }, bad, progress)
	return res, 0, errors.Join(err, db.Close())
}

// dryRunThroughAPI sends the lead list to the running daemon, which checks
// it against the campaign and stores nothing.
func dryRunThroughAPI(ctx context.Context, g *globalOptions, o *leadsImportOptions, body io.Reader, bad func(campaign.RowError)) (campaign.DryRunResult, int, error) {
	var res campaign.DryRunResult
	base, err := (&clientOptions{api: o.api}).base(g)
	if err != nil {
		return res, 0, err
	}
	v := url.Values{"region": {o.region}, "dry_run": {"1"}}
	if len(o.mapping) > 0 {
		v.Set("map", strings.Join(o.mapping, ","))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/campaigns/"+url.PathEscape(o.campaign)+"/leads?"+v.Encode(), body)
	if err != nil {
		return res, 0, err
	}
	req.Header.Set("Content-Type", "text/csv")
	withToken(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return res, 0, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return res, 0, err
	}
	if resp.StatusCode != http.StatusOK {
		var e api.Error
		if json.Unmarshal(raw, &e) != nil || e.Error == "" {
			e.Error = resp.Status
		}
		return res, 0, &apiError{status: resp.StatusCode, msg: "hotline serve: " + e.Error}
	}
	var out api.LeadImport
	if err := json.Unmarshal(raw, &out); err != nil || !out.DryRun {
		return res, 0, fmt.Errorf("the daemon's answer is not a dry run's (an older hotline serve?): %s", strings.TrimSpace(string(raw)))
	}
	for _, e := range out.Errors {
		bad(campaign.RowError{Row: e.Row, Column: e.Column, Err: errors.New(e.Error)})
	}
	res = campaign.DryRunResult{Rows: out.Rows, Added: out.Imported, InFile: out.DuplicatesInFile, InCampaign: out.AlreadyThere}
	return res, max(0, out.ErrorsTotal-len(out.Errors)), nil
}

func newLeadsExportCmd(g *globalOptions) *cobra.Command {
	var camp string
	var sf storeFlag
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write a campaign's leads with their state and results as CSV",
		Long: `Writes a campaign's leads as CSV, in the order they were imported: id, phone,
name, time zone, state, attempts, next attempt, last outcome, disposition, the
imported columns, then the survey answers (answer:NAME).

A cell a spreadsheet would run as a formula (one starting with =, +, -, @, a
tab or a carriage return, such as +33... numbers or a name typed =SUM(1)) is
written behind an apostrophe: '+33612345678. hotline leads import takes that
apostrophe off again, so an exported file imports as the same values; a cell
that already was apostrophes then one of those characters gets one more.`,
		Example: `  hotline leads export --campaign spring > spring-results.csv`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if camp == "" {
				return invalidArg(fmt.Errorf("--campaign is required"))
			}
			db, err := sf.open(g, true)
			if errors.Is(err, store.ErrLocked) {
				return fmt.Errorf("%w; while Hotline runs, ask it: GET /api/v1/campaigns/%s/leads.csv", err, url.PathEscape(camp))
			}
			if err != nil {
				return err
			}
			defer db.Close()
			if err := checkExportable(g, db, camp); err != nil {
				return err
			}
			skipped, err := writeLeadsCSV(cmd.OutOrStdout(), db, camp)
			if err != nil {
				return err
			}
			for _, de := range skipped {
				fmt.Fprintf(cmd.ErrOrStderr(), "left out, unreadable: %v\n", de)
			}
			if len(skipped) > 0 {
				return &exitError{code: exitFailure, err: fmt.Errorf("%d unreadable leads left out of the export; hotline store repair copies what is readable", len(skipped))}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&camp, "campaign", "", "campaign to export (required)")
	sf.add(cmd)
	return cmd
}

// checkExportable refuses to export a campaign the store holds no leads
// of unless the config names it (an empty campaign exports its header):
// a mistyped name printed a header and exited 0, as if the campaign had no
// leads. A campaign the config no longer has exports the leads it left.
func checkExportable(g *globalOptions, db *store.DB, camp string) error {
	found := false
	skipped, err := store.Skipped(db.CampaignLeads(camp, func(campaign.Lead) bool { found = true; return false }))
	if err != nil {
		return err
	}
	found = found || len(skipped) > 0
	if found {
		return nil
	}
	if err := checkCampaignName(g, camp, false); err != nil || g.configPath() != "" {
		return err
	}
	return invalidArg(fmt.Errorf("campaign %q: the store has no leads of it; check the name (with --config naming the campaign, one with no leads exports the header alone)", camp))
}

// writeLeadsCSV writes a campaign's leads as CSV, leaving out those that
// cannot be decoded, which it returns.
func writeLeadsCSV(w io.Writer, db *store.DB, camp string) (skipped []*store.DecodeError, err error) {
	err = campaign.WriteCSV(w, func(fn func(campaign.Lead) bool) (err error) {
		skipped, err = store.Skipped(db.LeadsInOrder(camp, fn))
		return err
	})
	return skipped, err
}
