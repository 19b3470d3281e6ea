package main

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/internal/seal"
	"github.com/hotline-cc/hotline/store"
)

func newStoreCmd(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "store",
		Short: "Check, repair, compact and back up the records store",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newStoreCheckCmd(g), newStoreRepairCmd(g), newStoreCompactCmd(g), newStoreBackupCmd(g))
	return cmd
}

// storeFile is FILE when given, else the config's store.path.
func storeFile(g *globalOptions, args []string) (string, error) {
	if len(args) == 1 {
		return args[0], nil
	}
	cfg, err := g.loadConfig()
	if err != nil {
		return "", err
	}
	if cfg.Store.Path == "" {
		return "", errors.New("name the store file (store.path is empty)")
	}
	return cfg.Store.Path, nil
}

// storeKeys is the keyring contacts are sealed with, for the store
// commands that open them to check them: from HOTLINE_KEY_FILE or
// HOTLINE_KEY, else the config's privacy.key_file; nil when there is none.
func storeKeys(g *globalOptions) (*seal.Keyring, error) {
	keys, err := seal.FromEnv(os.Getenv)
	if !errors.Is(err, seal.ErrNoKey) {
		return keys, err
	}
	cfg, err := g.loadConfig()
	if err != nil || cfg.Privacy.KeyFile == "" {
		return nil, nil // no config: no key to find there
	}
	return seal.FromFile(cfg.Privacy.KeyFile)
}

func newStoreCheckCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "check [FILE]",
		Short: "Check a store file's pages (exit code 1 if damaged)",
		Long: `Reads every page of the store file (default: the config's store.path) once and
reports damage: pages of the wrong type, pages outside the file, pages reached
twice, keys out of order. When the pages are sound, it compares each campaign's
lead counts (kept as leads change, read by the campaigns page) with the leads
themselves, and names every record that cannot be decoded (Hotline leaves
such a record out); hotline store repair rebuilds counts that differ and
copies what can be read. The file is only
read. A running Hotline holds the file: check a backup instead (hotline store
backup).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := storeFile(g, args)
			if err != nil {
				return err
			}
			rep, err := store.Check(path)
			if err != nil {
				return err
			}
			if len(rep.Problems) > 0 {
				return writeCheck(cmd.OutOrStdout(), rep)
			}
			// The pages are sound: open the file once for the checks that
			// read what it holds. One that will not open (a newer schema,
			// a version that is no number) is not called ok first.
			db, err := store.Open(path, store.Options{ReadOnly: true})
			if err != nil {
				return err
			}
			defer db.Close()
			if err := writeCheck(cmd.OutOrStdout(), rep); err != nil {
				return err
			}
			if missing := db.Unbuilt(); len(missing) > 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "%s: written by an older Hotline: no %s yet; reads scan the leads instead, and the next read-write open (hotline serve) builds them\n",
					path, strings.Join(missing, ", no "))
			}
			cut, err := db.CutImports()
			if err != nil {
				return err
			}
			for _, camp := range slices.Sorted(maps.Keys(cut)) {
				fmt.Fprintf(cmd.OutOrStdout(), "%s: campaign %q: a lead import was cut short (up to %d leads written, hidden from the campaign); its next import rolls them back: import the file again\n", path, camp, cut[camp])
			}
			keys, err := storeKeys(g)
			if err != nil {
				return err
			}
			return errors.Join(checkLeadCounts(cmd.OutOrStdout(), path, db), checkRecords(cmd.OutOrStdout(), path, db, keys))
		},
	}
}

// checkLeadCounts compares the lead counts, the index of leads read at a restart
// and the index of due leads kept in a file whose pages are sound with its leads.
func checkLeadCounts(w io.Writer, path string, db *store.DB) error {
	counts, err := db.CheckLeadCounts()
	if err != nil {
		return err
	}
	index, err := db.CheckLeadsAtRestart()
	if err != nil {
		return err
	}
	due, err := db.CheckLeadsDue()
	if err != nil {
		return err
	}
	phones, err := db.CheckLeadPhones()
	if err != nil {
		return err
	}
	return errors.Join(reportDerived(w, path, "lead counts", counts), reportDerived(w, path, "index of leads read at a restart", index),
		reportDerived(w, path, "index of due leads", due), reportDerived(w, path, "index of leads by phone", phones))
}

// reportDerived lists the problems of what the store keeps from its leads
// (what), and how to rebuild it.
func reportDerived(w io.Writer, path, what string, problems []string) error {
	if len(problems) == 0 {
		return nil
	}
	fmt.Fprintf(w, "%s: the %s differ from the leads\n", path, what)
	for _, p := range problems {
		fmt.Fprintf(w, "  %s\n", p)
	}
	fmt.Fprintf(w, "Rebuild from the leads: hotline store repair %s -o NEW\n", path)
	return fmt.Errorf("store check: %s: %s of the %s", path, count(len(problems), "problem"), what)
}

// checkRecords reads, in a file whose pages are sound, what serve reads at
// start and every call record, and names the records that cannot be
// decoded: serve leaves them out (and its log sends the admin here).
func checkRecords(w io.Writer, path string, db *store.DB, keys *seal.Keyring) error {
	_, err := engine.LoadSaved(db)
	bad, err := store.Skipped(err)
	if err != nil {
		return err
	}
	named := map[string]bool{}
	for _, de := range bad {
		named[de.Bucket+"\x00"+de.Key] = true
	}
	for _, err := range db.Calls(store.Filter{}) {
		var de *store.DecodeError
		switch {
		case errors.As(err, &de):
			if !named[de.Bucket+"\x00"+de.Key] {
				named[de.Bucket+"\x00"+de.Key] = true
				bad = append(bad, de)
			}
		case err != nil:
			return err
		}
	}
	for _, unreadable := range []func() ([]*store.DecodeError, error){db.UnreadableLeads, db.UnreadableDNC} {
		more, err := unreadable()
		if err != nil {
			return err
		}
		bad = append(bad, more...)
	}
	if keys != nil {
		more, err := db.UnreadableContacts(keys)
		if err != nil {
			return err
		}
		bad = append(bad, more...)
	} else if db.HasContacts() {
		fmt.Fprintf(w, "%s: contacts not checked: no key to open them (HOTLINE_KEY_FILE, HOTLINE_KEY or privacy.key_file)\n", path)
	}
	if len(bad) == 0 {
		return nil
	}
	fmt.Fprintf(w, "%s: unreadable records (Hotline leaves them out)\n", path)
	for _, de := range bad {
		fmt.Fprintf(w, "  %v\n", de)
	}
	fmt.Fprintf(w, "Copy what is readable into a new file: hotline store repair %s -o NEW\n", path)
	return fmt.Errorf("store check: %s: %s", path, count(len(bad), "unreadable record"))
}

// writeCheck prints a check's findings and returns an error when the file
// is damaged.
func writeCheck(w io.Writer, rep *store.Report) error {
	summary := fmt.Sprintf("%d bytes, %d pages of %d bytes; %s", rep.Size, rep.Pages, rep.PageSize, keyCounts(rep.Keys))
	if rep.Leaked > 0 {
		summary += fmt.Sprintf("; %d pages unused (harmless)", rep.Leaked)
	}
	if rep.BadMeta != "" {
		fmt.Fprintf(w, "%s: %s; the file is read from its other meta page, as of the write before: the last write may be lost (a crash as it ended leaves this too; a damaged disk does as well)\n", rep.Path, rep.BadMeta)
	}
	if len(rep.Problems) == 0 {
		fmt.Fprintf(w, "%s: ok (%s)\n", rep.Path, summary)
		return nil
	}
	if rep.PageSize == 0 {
		// No meta page: not a bbolt file at all (a path to another file), or
		// one whose first pages are gone. Repair can read nothing of it.
		fmt.Fprintf(w, "%s: not a Hotline store, or one damaged beyond reading (%d bytes)\n", rep.Path, rep.Size)
		for _, p := range rep.Problems {
			fmt.Fprintf(w, "  %s\n", p)
		}
		fmt.Fprintf(w, "Nothing can be read without a meta page: check that this is the store (store.path); if it is, restore a backup (hotline store backup makes them)\n")
		return fmt.Errorf("store check: %s is not a readable store", rep.Path)
	}
	fmt.Fprintf(w, "%s: damaged (%s readable)\n", rep.Path, summary)
	for _, p := range rep.Problems {
		fmt.Fprintf(w, "  %s\n", p)
	}
	if rep.More > 0 {
		fmt.Fprintf(w, "  and %d more\n", rep.More)
	}
	fmt.Fprintf(w, "Copy what is readable into a new file: hotline store repair %s -o NEW\n", rep.Path)
	return fmt.Errorf("store check: %s is damaged (%s)", rep.Path, count(len(rep.Problems)+rep.More, "problem"))
}

func keyCounts(keys map[string]int) string {
	names := make([]string, 0, len(keys))
	for name := range keys {
		names = append(names, name)
	}
	sort.Strings(names)
	parts := make([]string, 0, len(names))
	for _, name := range names {
		// A name read from a damaged page may be any bytes: quoted then,
		// so the terminal gets no control or NUL byte.
		shown := name
		if q := strconv.Quote(name); q[1:len(q)-1] != name {
			shown = q
		}
		parts = append(parts, fmt.Sprintf("%s %d", shown, keys[name]))
	}
	if len(parts) == 0 {
		return "no buckets"
	}
	return strings.Join(parts, ", ")
}

func newStoreRepairCmd(g *globalOptions) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "repair [FILE] -o NEW",
		Short: "Copy what is readable of a damaged store file into a new file",
		Long: `Copies every record that can be read from FILE (default: the config's
store.path) into NEW, rebuilds the call index, and reports what was lost.
FILE is only read; NEW must not exist. Stop Hotline first, then point
store.path at NEW (or move NEW into place) and start it again.

Exits 0 when nothing was lost; 3 when NEW was written but records were
lost (each bucket that may have lost records is named, and do-not-call
lists loudly: import them again before any campaign dials); 1 when
nothing could be read (no NEW is written: restore a backup).`,
		Example: `  hotline store repair /var/lib/hotline/hotline.db -o /var/lib/hotline/hotline.repaired.db`,
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return errors.New("store repair: name the new file with -o NEW")
			}
			path, err := storeFile(g, args)
			if err != nil {
				return err
			}
			keys, err := storeKeys(g)
			if err != nil {
				return err
			}
			rep, err := store.Repair(path, out, keys)
			if err != nil {
				return err
			}
			lost := writeRepair(cmd.OutOrStdout(), path, out, rep)
			copied := 0
			for _, n := range rep.Copied {
				copied += n
			}
			if copied == 0 && rep.Check.Err() != nil {
				// An empty store in place of the damaged one would lose
				// every record without a word.
				_ = os.Remove(out)
				return fmt.Errorf("store repair: nothing could be read from %s; %s not written: restore a backup (hotline store backup) instead", path, out)
			}
			if lost {
				// NEW is written, but a script that moves it into place
				// must not take it for a whole copy.
				return &exitError{code: exitRepairLost, err: fmt.Errorf("store repair: %s written, but records were lost (named above): read the report, or restore a backup (hotline store backup)", out)}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "the new store file to write (must not exist)")
	return cmd
}

func newStoreCompactCmd(g *globalOptions) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "compact [FILE] -o NEW",
		Short: "Copy the live records of the store into a new file, without its free pages",
		Long: `Copies the records of FILE (default: the config's store.path) into NEW,
leaving out the file's free pages: the space the store no longer uses,
and the old versions of what was erased, purged or re-sealed since (a
number or a note written in clear before the key), which stay in those
pages until they are reused. FILE is only read; NEW must not exist; a
damaged FILE is refused (use hotline store repair). Stop Hotline first,
move NEW over FILE, start it again, and delete the old file for good.`,
		Example: `  hotline store compact /var/lib/hotline/hotline.db -o /var/lib/hotline/hotline.compact.db`,
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return errors.New("store compact: name the new file with -o NEW")
			}
			path, err := storeFile(g, args)
			if err != nil {
				return err
			}
			rep, err := store.Compact(path, out)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s (%d bytes) -> %s (%d bytes): every record copied, free pages left out\n", path, rep.Before, out, rep.After)
			return err
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "the new store file to write (must not exist)")
	return cmd
}

// exitRepairLost is store repair's exit code when NEW was written but
// records were lost.
const exitRepairLost = 3

// bucketWhat says what each bucket repair may name as incomplete holds.
var bucketWhat = map[string]string{
	"calls": "call records", "agents": "agents' states", "callbacks": "callbacks", "active": "calls in progress",
	"agent_changes": "agents' logged changes", "leads": "leads", "lead_seq": "lead id counters",
	"lead_imports": "lead imports under way", "dnc": "do-not-call lists", "users": "users", "tokens": "API tokens",
	"contacts": "contacts", "contacts_by_phone": "the contacts' index by number", "contact_calls": "contacts' call history",
	"audit": "the personal-data audit log", "access_log": "the access log", "campaigns": "campaigns' progress",
	"campaign_hours": "abandonment hours", "campaign_learned": "learned pacing", "calls_by_number": "the calls' index by number",
	"tasks": "callback tasks", "recordings_by_entered": "the recordings' index",
}

// writeRepair prints rep and tells whether records were lost.
func writeRepair(w io.Writer, from, to string, rep *store.RepairReport) (lost bool) {
	fmt.Fprintf(w, "%s -> %s: copied %s\n", from, to, keyCounts(rep.Copied))
	for _, p := range rep.Check.Problems {
		fmt.Fprintf(w, "  lost with damaged pages: %s\n", p)
	}
	if rep.Check.More > 0 {
		fmt.Fprintf(w, "  and %d more damaged places\n", rep.Check.More)
	}
	if n := len(rep.LostCalls); n > 0 {
		fmt.Fprintf(w, "  %d call records lost (their index entries survive): %s\n", n, firstFew(rep.LostCalls, 20))
	}
	for _, u := range rep.Unreadable {
		fmt.Fprintf(w, "  left out, unreadable: %s\n", u)
	}
	if n := len(rep.RecoveredLeads); n > 0 && rep.Check.FreeListed {
		fmt.Fprintf(w, "  %d leads recovered from pages the damaged tree no longer reached (the freelist was read whole, so each is its last version): %s\n", n, firstFew(rep.RecoveredLeads, 20))
	} else if n > 0 {
		fmt.Fprintf(w, "  %d leads recovered from pages the damaged tree no longer reached (their newest version there; the freelist was lost, so it may be older than their last: check them before the campaign runs): %s\n", n, firstFew(rep.RecoveredLeads, 20))
	}
	if n := len(rep.RecoveredCalls); n > 0 {
		fmt.Fprintf(w, "  %d call records recovered from pages the damaged tree no longer reached: %s\n", n, firstFew(rep.RecoveredCalls, 20))
	}
	if n := len(rep.Recovered); n > 0 {
		fmt.Fprintf(w, "  %d other records recovered from those pages: %s\n", n, firstFew(rep.Recovered, 20))
	}
	if n := len(rep.LostLeads); n > 0 {
		fmt.Fprintf(w, "  %d leads lost (their numbers, as imported, survive in the index by phone; import them again): %s\n", n, firstFew(rep.LostLeads, 20))
	}
	if rep.ContactsUnverified {
		fmt.Fprintf(w, "  contacts copied without being opened: no key (HOTLINE_KEY_FILE, HOTLINE_KEY or privacy.key_file), so a damaged one was copied too\n")
	}
	if rep.Unindexed > 0 {
		fmt.Fprintf(w, "  %d contact numbers unindexed: their contacts were lost (the numbers can be given to contacts again)\n", rep.Unindexed)
	}
	for _, a := range rep.RebuiltAgents {
		fmt.Fprintf(w, "  agent state rebuilt from its last logged change: %s\n", a)
	}
	if rep.SchemaGuessed {
		fmt.Fprintf(w, "  the schema version was lost; wrote %d, this Hotline's\n", rep.Schema)
	}
	if len(rep.Incomplete) > 0 {
		named := make([]string, len(rep.Incomplete))
		for i, b := range rep.Incomplete {
			what := bucketWhat[b]
			if what == "" {
				what = "records"
			}
			named[i] = fmt.Sprintf("%s (%s)", b, what)
		}
		fmt.Fprintf(w, "  may have lost records, but for those named recovered above: %s\n", strings.Join(named, ", "))
	}
	if rep.MayHaveLost("dnc") {
		fmt.Fprintf(w, "  WARNING: numbers on do-not-call lists may be lost: import the lists again (hotline dnc import) before any campaign dials\n")
	}
	if rep.MayHaveLost("tokens") {
		fmt.Fprintf(w, "  API tokens may be lost: a program whose token is refused needs a new one (hotline tokens create)\n")
	}
	lost = len(rep.Incomplete) > 0 || len(rep.Unreadable) > 0 || len(rep.LostCalls) > 0 || len(rep.LostLeads) > 0 || rep.Check.More > 0
	if !lost && len(rep.Check.Problems) == 0 {
		fmt.Fprintln(w, "  nothing was lost")
	}
	return lost
}

func firstFew(s []string, n int) string {
	if len(s) <= n {
		return strings.Join(s, ", ")
	}
	return strings.Join(s[:n], ", ") + fmt.Sprintf(" and %d more", len(s)-n)
}
