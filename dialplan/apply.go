package dialplan

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/dialplan/diag"
	"github.com/hotline-cc/hotline/dialplan/extconf"
	"github.com/hotline-cc/hotline/dialplan/fsxml"
)

// ApplyOptions says where and how to apply the rendered dialplan.
type ApplyOptions struct {
	PBX            string // asterisk | freeswitch
	Dir            string // the PBX's config directory: /etc/asterisk, /etc/freeswitch
	FreeSWITCHMode FreeSWITCHMode
	DryRun         bool     // show the diff, write nothing
	Reloader       Reloader // nil = do not reload
	Now            time.Time
	ConfigPath     string // named in findings about the config
}

// ApplyResult is what Apply did (or, on a dry run, would do).
type ApplyResult struct {
	Diff         string // unified diff of every file that changes
	Changed      bool
	IncludeAdded bool     // Asterisk: the #include line was added to extensions.conf
	Written      []string // files written
	Backups      []string // backups made
	Reloaded     bool
	Findings     []diag.Finding // lint of the dialplan as it would be
}

// includeComment precedes the #include line apply adds.
const includeComment = "; Hotline's managed dialplan, added by `hotline dialplan apply`"

// Apply renders the dialplan, lints the PBX's dialplan as it would be,
// shows the difference, and unless DryRun writes the managed file (and, for
// Asterisk, the #include in extensions.conf, added once), keeping backups,
// then reloads. Lint errors stop it with ErrLintFailed before anything is
// written. Running it again with the same config changes nothing.
func Apply(ctx context.Context, cfg config.Config, opts ApplyOptions) (ApplyResult, error) {
	var res ApplyResult
	files, err := Render(cfg, opts.PBX, opts.FreeSWITCHMode)
	if err != nil {
		return res, err
	}
	managed, _ := files.Managed()
	managedPath := filepath.Join(opts.Dir, filepath.FromSlash(managed.Name))
	changes := map[string][]byte{managedPath: managed.Data}
	lintOpts := LintOptions{Config: &cfg, ConfigPath: opts.ConfigPath}
	var lint func(Source) ([]diag.Finding, error)

	switch opts.PBX {
	case "asterisk":
		mainPath := filepath.Join(opts.Dir, AsteriskMainFile)
		main, err := os.ReadFile(mainPath)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return res, fmt.Errorf("%s: %w", mainPath, ErrNoMainDialplan)
			}
			return res, err
		}
		if newMain, added := ensureInclude(mainPath, main); added {
			changes[mainPath] = newMain
			res.IncludeAdded = true
		}
		lint = func(src Source) ([]diag.Finding, error) {
			d, err := extconf.Load(src, filepath.ToSlash(mainPath))
			if err != nil {
				return nil, err
			}
			return LintAsterisk(d, lintOpts), nil
		}
	case "freeswitch":
		lint = func(src Source) ([]diag.Finding, error) {
			roots, _ := src.Glob(filepath.ToSlash(filepath.Join(opts.Dir, "dialplan", "*.xml")))
			d, err := fsxml.Load(src, roots...)
			if err != nil {
				return nil, err
			}
			return LintFreeSWITCH(d, lintOpts), nil
		}
	default:
		return res, fmt.Errorf("%q: %w", opts.PBX, ErrUnknownPBX)
	}

	res.Findings, err = lint(overlay{files: changes, base: OSSource{}})
	if err != nil {
		return res, err
	}
	if diag.HasErrors(res.Findings) {
		return res, fmt.Errorf("%w: %d error(s); nothing written", ErrLintFailed, diag.Count(res.Findings, diag.Error))
	}

	names := slices.Sorted(maps.Keys(changes))
	var diffs strings.Builder
	for _, name := range names {
		old, err := os.ReadFile(name)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return res, err
		}
		if string(old) == string(changes[name]) {
			delete(changes, name)
			continue
		}
		oldName := name
		if old == nil {
			oldName = "/dev/null"
		}
		diffs.WriteString(UnifiedDiff(oldName, name, string(old), string(changes[name])))
	}
	res.Diff = diffs.String()
	res.Changed = len(changes) > 0
	if !res.Changed || opts.DryRun {
		return res, nil
	}

	stamp := opts.Now.UTC().Format("20060102T150405Z")
	for _, name := range slices.Sorted(maps.Keys(changes)) {
		backup, err := backupFile(name, stamp)
		if err != nil {
			return res, err
		}
		if backup != "" {
			res.Backups = append(res.Backups, backup)
		}
		if err := writeFileAtomic(name, changes[name]); err != nil {
			return res, err
		}
		res.Written = append(res.Written, name)
	}
	if opts.Reloader != nil {
		if err := opts.Reloader.Reload(ctx); err != nil {
			return res, err
		}
		res.Reloaded = true
	}
	return res, nil
}

// ensureInclude returns extensions.conf with an #include of the managed
// file, unless one (or a #tryinclude) is already there.
func ensureInclude(name string, main []byte) ([]byte, bool) {
	f := extconf.Parse(name, main)
	for _, s := range f.Stmts {
		if d, ok := s.(*extconf.Directive); ok && (d.Name == "include" || d.Name == "tryinclude") &&
			path.Base(filepath.ToSlash(d.Arg)) == AsteriskManagedFile {
			return main, false
		}
	}
	out := slices.Clone(main)
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	out = append(out, fmt.Sprintf("\n%s\n#include \"%s\"\n", includeComment, AsteriskManagedFile)...)
	return out, true
}

// backupFile copies name to name.bak.<stamp> if it exists.
func backupFile(name, stamp string) (string, error) {
	data, err := os.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	backup := name + ".bak." + stamp
	if err := os.WriteFile(backup, data, 0o644); err != nil {
		return "", fmt.Errorf("backup of %s: %w", name, err)
	}
	return backup, nil
}

// writeFileAtomic replaces name through a temporary file in the same
// directory, keeping the old file's mode.
func writeFileAtomic(name string, data []byte) error {
	mode := fs.FileMode(0o644)
	if st, err := os.Stat(name); err == nil {
		mode = st.Mode().Perm()
	}
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}

// overlay serves files about to be written in place of what is on disk.
type overlay struct {
	files map[string][]byte // by OS path
	base  Source
}

func (o overlay) ReadFile(name string) ([]byte, error) {
	if b, ok := o.files[filepath.FromSlash(name)]; ok {
		return b, nil
	}
	return o.base.ReadFile(name)
}

func (o overlay) Glob(pattern string) ([]string, error) {
	names, err := o.base.Glob(pattern)
	if err != nil {
		return nil, err
	}
	for name := range o.files {
		if ok, _ := filepath.Match(filepath.FromSlash(pattern), name); ok && !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names, nil
}
