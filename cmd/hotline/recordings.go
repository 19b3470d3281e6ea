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
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hotline-cc/hotline/acd/engine"
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
	cmd.AddCommand(newRecordingsListCmd(g), newRecordingsCheckCmd(g), newRecordingsGetCmd(g))
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
		Short: "List the recordings of the calls that entered between --from and --to, each of a call numbered (N)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			now := time.Now()
			from, to, err := timeWindow(o.from, o.to, now)
			if err != nil {
				return err
			}
			list, err := o.read(g, cmd.ErrOrStderr(), from, to, now)
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
// audit log (recording names and paths are personal data); a call record
// that cannot be read is named on warn.
func (o *recordingsOptions) read(g *globalOptions, warn io.Writer, from, to, now time.Time) ([]store.RecordingEntry, error) {
	keys, err := storeKeys(g) // nil without a key: sealed names are shown as such
	if err != nil {
		return nil, invalidArg(err)
	}
	db, err := openStoreFlag(g, o.store, false, false)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if keys != nil {
		db.SealCalls(keys, "")
	}
	list, err := db.Recordings(from, to)
	skipped, err := store.Skipped(err)
	if err != nil {
		return nil, err
	}
	for _, de := range skipped {
		fmt.Fprintf(warn, "warning: call record %q cannot be read, its recordings are left out: %v (hotline store check)\n", de.Key, de.Err)
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
	fmt.Fprintln(tw, "ENTERED\tCALL\tN\tQUEUE\tAGENT\tLEG\tSTART\tEND\tRECORDING\tPATH")
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
		leg := "-"
		if e.Leg > 0 {
			leg = strconv.Itoa(e.Leg)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Entered.Local().Format(time.RFC3339), e.Call, e.N,
			dash(e.Queue), dash(e.Agent), leg, clockOf(e.Start), clockOf(e.End), dash(e.Name), p)
	}
	return tw.Flush()
}

// clockOf is t's time of day, or "-" when zero.
func clockOf(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format(time.TimeOnly)
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
			list, err := o.read(g, cmd.ErrOrStderr(), time.Time{}, time.Time{}, time.Now())
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
		file, err := e.Recording().File(dir)
		if err != nil {
			noFile++
			continue
		}
		want[filepath.Clean(file)] = e.Call
		if e.N > 1 {
			want[filepath.Clean(file)] = fmt.Sprintf("%s recording %d", e.Call, e.N)
		}
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

// newRecordingsGetCmd is `hotline recordings get CALL [N]`: the file of a
// call's N-th recording, from the running daemon (roles and the audit log
// as for the API).
func newRecordingsGetCmd(g *globalOptions) *cobra.Command {
	o := &clientOptions{}
	var out string
	cmd := &cobra.Command{
		Use:   "get CALL [N]",
		Short: "Download the file of a call's N-th recording (default the first) from the running daemon",
		Long: `Download a recording through GET /api/v1/calls/CALL/recording?n=N into
--output (default: standard output). N is the recording's number in its call,
as recordings list shows it (a transferred call, or one whose recording was
stopped and started again, has several).`,
		Example: `  hotline recordings get c-123 -o c-123.wav
  hotline recordings get c-123 2 -o c-123-2.wav`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			n := 1
			if len(args) == 2 {
				var err error
				if n, err = strconv.Atoi(args[1]); err != nil || n < 1 {
					return invalidArg(fmt.Errorf("recording number %q: want 1 or more", args[1]))
				}
			}
			base, err := o.base(g)
			if err != nil {
				return err
			}
			u := base + "/api/v1/calls/" + url.PathEscape(args[0]) + "/recording?download=1&n=" + strconv.Itoa(n)
			w := cmd.OutOrStdout()
			if out != "" {
				f, err := os.Create(out)
				if err != nil {
					return err
				}
				defer f.Close()
				w = f
			}
			body, err := getStream(cmd.Context(), u)
			if err == nil {
				_, err = io.Copy(w, body)
				body.Close()
			}
			if err != nil {
				if out != "" {
					_ = os.Remove(out)
				}
				return fmt.Errorf("call %s recording %d: %w", args[0], n, err)
			}
			return nil
		},
	}
	o.AddFlags(cmd.Flags())
	cmd.Flags().StringVarP(&out, "output", "o", "", "file to write (default: standard output)")
	return cmd
}
