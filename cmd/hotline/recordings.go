package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/internal/seal"
	"github.com/hotline-cc/hotline/store"
)

func newRecordingsCmd(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "recordings",
		Short: "Call recordings: list them, check the records against the files",
		Long: `Read the recordings index of the store file, with Hotline stopped (a running
daemon serves GET /api/v1/recordings and GET /api/v1/calls/ID/recording).
Records sealed under a key need it: HOTLINE_KEY_FILE or HOTLINE_KEY.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newRecordingsListCmd(g), newRecordingsCheckCmd(g))
	for _, a := range []engine.RecordingAction{engine.RecordingStart, engine.RecordingPause, engine.RecordingResume, engine.RecordingStop} {
		cmd.AddCommand(newRecordingControlCmd(g, a))
	}
	return cmd
}

// newRecordingControlCmd is `hotline recordings start|pause|resume|stop
// AGENT`, asked of the running daemon.
func newRecordingControlCmd(g *globalOptions, action engine.RecordingAction) *cobra.Command {
	o := &clientOptions{}
	cmd := &cobra.Command{
		Use: string(action) + " AGENT",
		Short: map[engine.RecordingAction]string{
			engine.RecordingStart:  "Start recording the call the agent is on (queues and campaigns with recording: on_demand)",
			engine.RecordingPause:  "Pause the recording of the agent's call (a card number read out)",
			engine.RecordingResume: "Record the agent's call again after a pause",
			engine.RecordingStop:   "Stop the recording of the agent's call (not under recording: always)",
		}[action],
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			base, err := o.base(g)
			if err != nil {
				return err
			}
			var cs engine.CallStatus
			raw, err := call(cmd.Context(), http.MethodPost, base+"/api/v1/agents/"+url.PathEscape(args[0])+"/recording/"+string(action), struct{}{}, &cs)
			if err != nil {
				return err
			}
			if o.json {
				_, err = cmd.OutOrStdout().Write(raw)
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "call %s: recording %s\n", cs.ID, dash(cs.Recording))
			return err
		},
	}
	o.AddFlags(cmd.Flags())
	return cmd
}

type recordingsOptions struct {
	store    string
	from, to string
	json     bool
	dir      string
}

func (o *recordingsOptions) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.store, "store", "", "store file (default: the config's store.path); Hotline must be stopped")
}

func newRecordingsListCmd(g *globalOptions) *cobra.Command {
	var o recordingsOptions
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the recordings of the calls that entered between --from and --to",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			now := time.Now()
			from, to, err := timeWindow(o.from, o.to, now)
			if err != nil {
				return err
			}
			list, err := o.read(g, from, to, now)
			if err != nil {
				return err
			}
			return writeRecordings(cmd.OutOrStdout(), list, o.json)
		},
	}
	cmd.Flags().StringVar(&o.from, "from", "24h", "first time: RFC 3339, a date, or a duration back from now")
	cmd.Flags().StringVar(&o.to, "to", "", "end (not included); default: now")
	cmd.Flags().BoolVar(&o.json, "json", false, "one JSON object per line")
	o.addFlags(cmd)
	return cmd
}

// read lists the recordings of [from, to) and notes the read in the
// audit log (recording names and paths are personal data).
func (o *recordingsOptions) read(g *globalOptions, from, to, now time.Time) ([]store.RecordingEntry, error) {
	keys, err := seal.FromEnv(os.Getenv)
	if err != nil && !errors.Is(err, seal.ErrNoKey) {
		return nil, invalidArg(err)
	}
	db, err := openStoreFlag(g, o.store, false)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if keys != nil {
		db.SealCalls(keys, "")
	}
	list, err := db.Recordings(from, to)
	if err != nil {
		return nil, err
	}
	err = db.Audit(store.AuditEntry{At: now.UTC(), Who: cliUser(), Action: "list-recordings",
		Subject: "recordings from " + from.UTC().Format(time.RFC3339), Count: len(list)})
	return list, err
}

func writeRecordings(w io.Writer, list []store.RecordingEntry, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		for _, e := range list {
			if err := enc.Encode(e); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ENTERED\tCALL\tQUEUE\tAGENT\tRECORDING\tPATH")
	for _, e := range list {
		p := e.Path
		switch {
		case e.Sealed:
			p = "(sealed: no key)"
		case e.Failed:
			p = "(failed)"
		case p == "":
			p = "(not finished)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.Entered.Local().Format(time.RFC3339), e.Call, dash(e.Queue), dash(e.Agent), dash(e.Name), p)
	}
	return tw.Flush()
}

func newRecordingsCheckCmd(g *globalOptions) *cobra.Command {
	var o recordingsOptions
	cmd := &cobra.Command{
		Use:   "check",
		Short: "List records whose file is missing and files no record points to (exit code 1 if any)",
		Long: `Compare every recording on record with the files in the recording directory
(--dir, default the config's recordings.dir): a record whose file is not
there is MISSING, a file below the directory that no record names is ORPHAN.
Failed and unfinished recordings have no file and are counted apart.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.dir == "" {
				cfg, err := g.loadConfig()
				if err != nil {
					return err
				}
				if o.dir = cfg.Recordings.Dir; o.dir == "" {
					return invalidArg(errors.New("no recording directory: set recordings.dir in the config or give --dir"))
				}
			}
			list, err := o.read(g, time.Time{}, time.Time{}, time.Now())
			if err != nil {
				return err
			}
			return checkRecordings(cmd.OutOrStdout(), o.dir, list)
		},
	}
	cmd.Flags().StringVar(&o.dir, "dir", "", "the recording directory (default: the config's recordings.dir)")
	o.addFlags(cmd)
	return cmd
}

// errRecordingsMismatch makes `recordings check` exit 1 after its report.
var errRecordingsMismatch = errors.New("recordings and records disagree")

// checkRecordings reports records without a file and files without a
// record below dir.
func checkRecordings(w io.Writer, dir string, list []store.RecordingEntry) error {
	want := map[string]string{} // file → call
	var missing, noFile int
	for _, e := range list {
		if e.Sealed {
			return invalidArg(fmt.Errorf("call %s: its record is sealed; give the key (HOTLINE_KEY_FILE or HOTLINE_KEY)", e.Call))
		}
		file, err := store.Recording{Name: e.Name, Path: e.Path, Failed: e.Failed}.File(dir)
		if err != nil {
			noFile++
			continue
		}
		want[filepath.Clean(file)] = e.Call
	}
	for _, file := range slices.Sorted(maps.Keys(want)) {
		if fi, err := os.Stat(file); err != nil || !fi.Mode().IsRegular() {
			fmt.Fprintf(w, "MISSING  call %s: %s\n", want[file], file)
			missing++
		}
	}
	orphans := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			if _, ok := want[filepath.Clean(p)]; !ok {
				fmt.Fprintf(w, "ORPHAN   %s\n", p)
				orphans++
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("recording directory: %w", err)
	}
	fmt.Fprintf(w, "%d recordings on record, %d without a file (failed or unfinished), %d missing, %d files no record names\n",
		len(list), noFile, missing, orphans)
	if missing+orphans > 0 {
		return &exitError{code: exitFailure, err: errRecordingsMismatch}
	}
	return nil
}
