package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/dialplan"
	"github.com/hotline-cc/hotline/dialplan/diag"
	"github.com/hotline-cc/hotline/dialplan/extconf"
	"github.com/hotline-cc/hotline/dialplan/fsxml"
)

// dialplanOptions are the flags the dialplan subcommands share.
type dialplanOptions struct {
	pbx            string
	asteriskDir    string
	freeswitchDir  string
	freeswitchMode string
}

func (o *dialplanOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.pbx, "pbx", "", "asterisk | freeswitch (default: the config's pbx.type)")
	fs.StringVar(&o.asteriskDir, "asterisk-dir", "/etc/asterisk", "Asterisk's configuration directory")
	fs.StringVar(&o.freeswitchDir, "freeswitch-dir", "/etc/freeswitch", "FreeSWITCH's configuration directory")
	fs.StringVar(&o.freeswitchMode, "freeswitch-mode", string(dialplan.ModePark), "how FreeSWITCH hands calls over: park (calls live through a restart) | socket")
}

// pbxType is --pbx, else the config's pbx.type when it names a real PBX.
// load reads the config and settles which PBX the command is about.
func (o *dialplanOptions) load(g *globalOptions) (config.Config, string, error) {
	cfg, err := g.loadConfig()
	if err != nil {
		return cfg, "", err
	}
	t, err := o.pbxType(cfg)
	return cfg, t, err
}

func (o *dialplanOptions) pbxType(cfg config.Config) (string, error) {
	t := o.pbx
	if t == "" {
		t = cfg.PBX.Type
	}
	if t != "asterisk" && t != "freeswitch" {
		return "", &exitError{code: exitInvalid, err: fmt.Errorf("--pbx asterisk|freeswitch is needed (pbx.type is %q)", cfg.PBX.Type)}
	}
	return t, nil
}

func newDialplanCmd(g *globalOptions) *cobra.Command {
	o := &dialplanOptions{}
	cmd := &cobra.Command{
		Use:   "dialplan",
		Short: "Write, check and apply the PBX dialplan that sends calls to Hotline",
	}
	o.AddFlags(cmd.PersistentFlags())
	cmd.AddCommand(
		newDialplanRenderCmd(g, o),
		newDialplanLintCmd(g),
		newDialplanShowCmd(g, o),
		newDialplanApplyCmd(g, o),
	)
	return cmd
}

func newDialplanRenderCmd(g *globalOptions, o *dialplanOptions) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "render",
		Short: "Print the dialplan and PBX settings Hotline needs, from the config",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, t, err := o.load(g)
			if err != nil {
				return err
			}
			files, err := dialplan.Render(cfg, t, dialplan.FreeSWITCHMode(o.freeswitchMode))
			if err != nil {
				return err
			}
			return writeRendered(cmd.OutOrStdout(), files, out)
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "write the files under this directory instead of printing them")
	return cmd
}

// writeRendered prints files one after the other, each under a comment
// naming it, or writes them under dir.
func writeRendered(w io.Writer, files dialplan.Files, dir string) error {
	for _, f := range files {
		if dir == "" {
			if filepath.Ext(f.Name) == ".xml" {
				fmt.Fprintf(w, "<!-- ===== %s (%s) ===== -->\n", f.Name, f.Note)
			} else {
				fmt.Fprintf(w, "; ===== %s (%s) =====\n", f.Name, f.Note)
			}
			if _, err := w.Write(f.Data); err != nil {
				return err
			}
			fmt.Fprintln(w)
			continue
		}
		name := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(name, f.Data, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(w, "wrote %s (%s)\n", name, f.Note)
	}
	return nil
}

func newDialplanLintCmd(g *globalOptions) *cobra.Command {
	var format, pjsip, ariConf string
	cmd := &cobra.Command{
		Use:   "lint [FILE...]",
		Short: "Check Asterisk extensions.conf files and FreeSWITCH dialplan XML",
		Long: `Check dialplan files: *.xml as FreeSWITCH dialplan, anything else as Asterisk
extensions.conf (with its #include files). With --config, also check that every
entry number reaches Hotline and that Stasis/socket targets are Hotline's, and
ari.conf's channelvars (--ari, or an ari.conf beside extensions.conf).
--pjsip checks pjsip.conf: agent endpoints (the config's PJSIP/<name> agents)
with direct media or without qualify, trunks without rtp_timeout.
Exits 1 when there are errors; warnings alone exit 0.`,
		Example: `  hotline dialplan lint /etc/asterisk/extensions.conf --config hotline.yaml
  hotline dialplan lint --pjsip /etc/asterisk/pjsip.conf --config hotline.yaml`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return &exitError{code: exitInvalid, err: fmt.Errorf("--format %q: want text or json", format)}
			}
			if len(args) == 0 && pjsip == "" && ariConf == "" {
				return &exitError{code: exitInvalid, err: fmt.Errorf("nothing to lint: give dialplan files, --pjsip or --ari")}
			}
			opts := dialplan.LintOptions{PJSIP: pjsip, ARIConf: ariConf}
			if path := g.configPath(); path != "" {
				cfg, err := g.loadConfig()
				if err != nil {
					return err
				}
				opts.Config, opts.ConfigPath = &cfg, path
			}
			findings, err := dialplan.Lint(dialplan.OSSource{}, args, opts)
			if err != nil {
				return err
			}
			return reportFindings(cmd.OutOrStdout(), findings, format)
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "text | json")
	cmd.Flags().StringVar(&pjsip, "pjsip", "", "also check this pjsip.conf (agent endpoints need --config)")
	cmd.Flags().StringVar(&ariConf, "ari", "", "also check this ari.conf's channelvars")
	return cmd
}

// reportFindings prints findings and fails (exit 1) when one is an error.
func reportFindings(w io.Writer, findings []diag.Finding, format string) error {
	if format == "json" {
		if findings == nil {
			findings = []diag.Finding{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(findings); err != nil {
			return err
		}
	} else {
		dialplan.WriteFindings(w, findings)
	}
	if diag.HasErrors(findings) {
		return &exitError{code: exitFailure, err: fmt.Errorf("%w: %d error(s)", dialplan.ErrLintFailed, diag.Count(findings, diag.Error))}
	}
	return nil
}

func newDialplanShowCmd(g *globalOptions, o *dialplanOptions) *cobra.Command {
	var context, caller string
	var files []string
	cmd := &cobra.Command{
		Use:   "show NUMBER",
		Short: "Show which extension a number matches and where the call ends up",
		Long: `Show which context and extension NUMBER matches, in the order the PBX tries
them (Asterisk: exact extensions first, then patterns from the most specific,
then includes in order), and follow the call statically to where it ends.
Without --context, every context where NUMBER matches is shown.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, t, err := o.load(g)
			if err != nil {
				return err
			}
			if t == "freeswitch" {
				if len(files) == 0 {
					files, _ = filepath.Glob(filepath.Join(o.freeswitchDir, "dialplan", "*.xml"))
				}
				d, err := fsxml.Load(dialplan.OSSource{}, files...)
				if err != nil {
					return err
				}
				return showFreeSWITCH(cmd.OutOrStdout(), d, files, context, args[0])
			}
			if len(files) == 0 {
				files = []string{filepath.Join(o.asteriskDir, dialplan.AsteriskMainFile)}
			}
			d, err := extconf.Load(dialplan.OSSource{}, files...)
			if err != nil {
				return err
			}
			return showAsterisk(cmd.OutOrStdout(), d, files, &cfg, context, args[0], caller)
		},
	}
	cmd.Flags().StringVar(&context, "context", "", "context the call enters (default: every context where it matches)")
	cmd.Flags().StringVar(&caller, "caller", "", "caller ID, for extensions that match on it")
	cmd.Flags().StringSliceVar(&files, "file", nil, "dialplan files (default: extensions.conf in --asterisk-dir, dialplan/*.xml in --freeswitch-dir)")
	return cmd
}

var errNoMatch = errors.New("no extension matches")

// unknownContext is the error for a --context the loaded dialplan lacks.
func unknownContext(context string, files []string, names []string) error {
	return fmt.Errorf("context %q is not in %s; contexts: %s", context, strings.Join(files, ", "), strings.Join(names, ", "))
}

func showAsterisk(w io.Writer, d *extconf.Dialplan, files []string, cfg *config.Config, context, number, caller string) error {
	if context != "" && d.Context(context) == nil {
		var names []string
		for _, c := range d.Contexts {
			names = append(names, c.Name)
		}
		return unknownContext(context, files, names)
	}
	contexts := []string{context}
	if context == "" {
		contexts = nil
		for _, c := range d.Contexts {
			if len(d.Candidates(c.Name, number, caller)) > 0 {
				contexts = append(contexts, c.Name)
			}
		}
	}
	if len(contexts) == 0 {
		return fmt.Errorf("%s: %w in any context", number, errNoMatch)
	}
	for i, c := range contexts {
		if i > 0 {
			fmt.Fprintln(w)
		}
		dialplan.WriteTrace(w, dialplan.TraceAsterisk(d, c, number, caller, cfg))
	}
	return nil
}

func showFreeSWITCH(w io.Writer, d *fsxml.Dialplan, files []string, context, number string) error {
	if context != "" && d.Context(context) == nil {
		var names []string
		for _, c := range d.Contexts {
			names = append(names, c.Name)
		}
		return unknownContext(context, files, names)
	}
	shown := 0
	for _, c := range d.Contexts {
		if context != "" && c.Name != context {
			continue
		}
		hits := d.Route(c.Name, number)
		if len(hits) == 0 && context == "" {
			continue
		}
		shown++
		fmt.Fprintf(w, "%s in context %q\n", number, c.Name)
		if len(hits) == 0 {
			fmt.Fprintf(w, "  no extension matches\n")
		}
		for _, h := range hits {
			fmt.Fprintf(w, "  extension %q  %s\n", h.Ext.Name, h.Ext.At)
			for _, f := range h.Assumed {
				fmt.Fprintf(w, "    (assuming the condition on %s holds)\n", f)
			}
			for _, a := range h.Actions {
				fmt.Fprintf(w, "    %s %s  %s\n", a.Application, h.Expand(a.Data), a.At)
			}
		}
	}
	if shown == 0 {
		return fmt.Errorf("%s: %w", number, errNoMatch)
	}
	return nil
}

func newDialplanApplyCmd(g *globalOptions, o *dialplanOptions) *cobra.Command {
	var dryRun, noReload bool
	cmd := &cobra.Command{
		Use:   "apply",
		Short: "Write Hotline's part of the dialplan, with a backup and a diff, then reload the PBX",
		Long: `Write the rendered dialplan to its own managed file (Asterisk:
extensions_hotline.conf, #included once from extensions.conf; FreeSWITCH:
dialplan/hotline.xml), keeping a timestamped backup of what it replaces, after
printing a unified diff. The PBX's dialplan as it would be is linted first; any
error stops apply before anything is written. Then the dialplan is reloaded
through the connected PBX (ARI module reload or ESL reloadxml).
Running apply again with the same config changes nothing.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, t, err := o.load(g)
			if err != nil {
				return err
			}
			opts := dialplan.ApplyOptions{
				PBX: t, Dir: o.asteriskDir, FreeSWITCHMode: dialplan.FreeSWITCHMode(o.freeswitchMode),
				DryRun: dryRun, Now: time.Now(), ConfigPath: g.configPath(),
			}
			if t == "freeswitch" {
				opts.Dir = o.freeswitchDir
			}
			if !dryRun && !noReload {
				opts.Reloader = reloaderFor(t, cfg, g.logger(cmd.ErrOrStderr()))
			}
			res, err := dialplan.Apply(cmd.Context(), cfg, opts)
			return reportApply(cmd.OutOrStdout(), res, dryRun, err)
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the diff, write nothing, reload nothing")
	cmd.Flags().BoolVar(&noReload, "no-reload", false, "write the files but do not reload the PBX")
	return cmd
}

func reloaderFor(pbxType string, cfg config.Config, logger zerolog.Logger) dialplan.Reloader {
	if pbxType == "freeswitch" {
		return dialplan.NewESLReloader(dialplan.ESLReloaderOptions{
			Address: cfg.PBX.FreeSWITCH.Address, Password: cfg.PBX.FreeSWITCH.Password,
			Timeout: cfg.PBX.FreeSWITCH.CommandTimeout, Logger: logger,
		})
	}
	return dialplan.NewARIReloader(dialplan.ARIReloaderOptions{
		URL: cfg.PBX.Asterisk.URL, Username: cfg.PBX.Asterisk.Username, Password: cfg.PBX.Asterisk.Password, Logger: logger,
	})
}

func reportApply(w io.Writer, res dialplan.ApplyResult, dryRun bool, err error) error {
	if errors.Is(err, dialplan.ErrLintFailed) {
		dialplan.WriteFindings(w, res.Findings)
		return err
	}
	if res.Diff != "" {
		fmt.Fprint(w, res.Diff)
	}
	if err != nil {
		return err
	}
	for _, f := range res.Findings {
		fmt.Fprintln(w, f)
	}
	switch {
	case !res.Changed:
		fmt.Fprintln(w, "dialplan is up to date; nothing written")
	case dryRun:
		fmt.Fprintln(w, "dry run: nothing written")
	default:
		for _, b := range res.Backups {
			fmt.Fprintf(w, "backup %s\n", b)
		}
		for _, f := range res.Written {
			fmt.Fprintf(w, "wrote %s\n", f)
		}
		if res.Reloaded {
			fmt.Fprintln(w, "dialplan reloaded")
		} else {
			fmt.Fprintln(w, "not reloaded (--no-reload)")
		}
	}
	return nil
}
