package dialplan

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/dialplan/diag"
	"github.com/hotline-cc/hotline/dialplan/extconf"
	"github.com/hotline-cc/hotline/dialplan/fsxml"
)

// LintOptions adds Hotline's own checks to the syntax and reference ones.
type LintOptions struct {
	// Config, when set, makes the linter check that every entry number
	// reaches Hotline and that Stasis/socket targets are Hotline's.
	Config *config.Config
	// ConfigPath names the config file in findings about it.
	ConfigPath string
	// PJSIP, when set, is a pjsip.conf to check for what agent phones and
	// trunks need (LintPJSIP).
	PJSIP string
	// ARIConf, when set, is an ari.conf to check for channelvars
	// (LintARIConf). With a Config and no ARIConf, an ari.conf beside the
	// first Asterisk file is checked if there is one.
	ARIConf string
}

// OSSource reads files from the local file system.
type OSSource struct{}

// ReadFile implements extconf.Source and fsxml.Source.
func (OSSource) ReadFile(name string) ([]byte, error) { return os.ReadFile(name) }

// Glob implements extconf.Source and fsxml.Source.
func (OSSource) Glob(pattern string) ([]string, error) { return filepath.Glob(pattern) }

// Source reads dialplan files; OSSource and extconf.FS implement it.
type Source interface {
	extconf.Source
}

// Lint checks the named files: *.xml as FreeSWITCH dialplan, anything else
// as Asterisk extensions.conf (all Asterisk files together form one
// dialplan, as do all XML files). The error is for files that cannot be
// read at all.
func Lint(src Source, paths []string, opts LintOptions) ([]diag.Finding, error) {
	var ast, fs []string
	for _, p := range paths {
		if strings.EqualFold(filepath.Ext(p), ".xml") {
			fs = append(fs, p)
		} else {
			ast = append(ast, p)
		}
	}
	var out []diag.Finding
	if len(ast) > 0 {
		d, err := extconf.Load(src, ast...)
		if err != nil {
			return nil, err
		}
		out = append(out, LintAsterisk(d, opts)...)
		if opts.ARIConf == "" && opts.Config != nil {
			if beside := filepath.Join(filepath.Dir(ast[0]), "ari.conf"); fileExists(src, beside) {
				opts.ARIConf = beside
			}
		}
	}
	for _, c := range []struct {
		path string
		lint func(*extconf.File) []diag.Finding
	}{
		{opts.ARIConf, LintARIConf},
		{opts.PJSIP, func(f *extconf.File) []diag.Finding { return LintPJSIP(f, opts.Config) }},
	} {
		if c.path == "" {
			continue
		}
		data, err := src.ReadFile(c.path)
		if err != nil {
			return nil, err
		}
		out = append(out, c.lint(extconf.Parse(c.path, data))...)
	}
	if len(fs) > 0 {
		d, err := fsxml.Load(src, fs...)
		if err != nil {
			return nil, err
		}
		out = append(out, LintFreeSWITCH(d, opts)...)
	}
	return diag.Sort(out), nil
}

func fileExists(src Source, path string) bool {
	_, err := src.ReadFile(path)
	return err == nil
}

// LintAsterisk checks a loaded Asterisk dialplan.
func LintAsterisk(d *extconf.Dialplan, opts LintOptions) []diag.Finding {
	l := &astLinter{d: d, opts: opts}
	l.out = append(l.out, d.Problems...)
	for _, c := range d.Contexts {
		for _, inc := range c.Includes {
			if dynamic(inc.Context) {
				continue
			}
			if d.Context(inc.Context) == nil {
				l.add(inc.At, diag.Error, "include-context", "[%s] includes [%s], which does not exist", c.Name, inc.Context)
			}
		}
		for _, e := range c.Extensions {
			l.extension(c, e)
		}
	}
	if opts.Config != nil {
		l.entries()
	}
	return diag.Sort(l.out)
}

type astLinter struct {
	d    *extconf.Dialplan
	opts LintOptions
	out  []diag.Finding
}

func (l *astLinter) add(at diag.Pos, sev diag.Severity, code, format string, args ...any) {
	l.out = append(l.out, diag.New(at, sev, code, format, args...))
}

func (l *astLinter) extension(c *extconf.Context, e *extconf.Extension) {
	if e.IsPattern() {
		if strings.Count(e.Name, "[") != strings.Count(e.Name, "]") {
			l.add(e.At, diag.Error, "bad-pattern", "pattern %s has an unclosed '['", e.Name)
		}
		if e.Name == "_." || e.Name == "_!" {
			l.add(e.At, diag.Warning, "bad-pattern", "pattern %s also matches h, i, t and other special extensions; Asterisk advises _X%s", e.Name, e.Name[1:])
		}
	}
	if len(e.Priorities) == 0 {
		return // a hint alone
	}
	if first := e.Priorities[0]; first.N != 1 {
		l.add(first.At, diag.Error, "no-priority-1", "%s@%s has no priority 1 (starts at %d); calls cannot enter it", e, c.Name, first.N)
	}
	for i := 1; i < len(e.Priorities); i++ {
		prev, p := e.Priorities[i-1], e.Priorities[i]
		if p.N != prev.N+1 {
			l.add(p.At, diag.Warning, "priority-gap", "%s@%s jumps from priority %d to %d; the call stops after %d unless a jump reaches %d", e, c.Name, prev.N, p.N, prev.N, p.N)
		}
	}
	for _, p := range e.Priorities {
		l.priority(c, e, p)
	}
}

func (l *astLinter) priority(c *extconf.Context, e *extconf.Extension, p *extconf.Priority) {
	if j, ok := jumpOf(p.App, p.Data); ok {
		for _, tg := range j.Targets {
			l.target(c, e, p, tg)
		}
		return
	}
	if sc, ok := stasisOf(p.App, p.Data); ok && l.opts.Config != nil && !dynamic(sc.App) {
		if app := l.opts.Config.PBX.Asterisk.App; sc.App != app {
			// In the contexts Hotline writes a foreign app is a mistake; elsewhere
			// the PBX may well serve other ARI applications, so it is only
			// worth a look and must not block apply.
			sev := diag.Warning
			if c.Name == AsteriskEntryContext || c.Name == AsteriskAMDContext {
				sev = diag.Error
			}
			l.add(p.At, sev, "stasis-app", "Stasis(%s) sends calls to an application Hotline does not serve (it serves %q)", sc.App, app)
		} else {
			l.stasisTarget(p, sc)
		}
	}
}

// stasisTarget checks the entry, queue or menu a Stasis call into Hotline
// names in its arguments: one the config lacks is turned away at once
// (an unknown-entry warning, the caller hung up as unallocated).
func (l *astLinter) stasisTarget(p *extconf.Priority, sc stasisCall) {
	if len(sc.Args) < 2 || dynamic(sc.Args[1]) {
		return
	}
	cfg, name := l.opts.Config, strings.TrimSpace(sc.Args[1])
	var known []string
	switch strings.TrimSpace(sc.Args[0]) {
	case "entry":
		for _, e := range cfg.Entries {
			known = append(known, e.Number)
		}
	case "queue":
		for _, q := range cfg.Queues {
			known = append(known, q.Name)
		}
	case "menu":
		for _, m := range cfg.Menus {
			known = append(known, m.Name)
		}
	default:
		return
	}
	if slices.Contains(known, name) {
		return
	}
	what := strings.TrimSpace(sc.Args[0])
	list := "none"
	if len(known) > 0 {
		list = strings.Join(known, ", ")
	}
	l.add(p.At, diag.Error, "stasis-"+what, "Stasis(%s) sends calls to %s %s, which the config does not have (known: %s); Hotline turns them away", p.Data, what, name, list)
}

// target checks that a jump lands on something that exists.
func (l *astLinter) target(c *extconf.Context, e *extconf.Extension, p *extconf.Priority, tg target) {
	if tg.Empty {
		return
	}
	app := p.App
	ctxName := c.Name
	if tg.Context != "" {
		if dynamic(tg.Context) {
			return
		}
		ctxName = tg.Context
		if l.d.Context(ctxName) == nil {
			l.add(p.At, diag.Error, "goto-context", "%s(%s) jumps to context [%s], which does not exist", app, p.Data, ctxName)
			return
		}
	}
	if dynamic(tg.Exten) || dynamic(tg.Priority) {
		return
	}
	if tg.Exten == "" {
		// Same extension: look in the extension the jump is written in.
		if !hasPriority(e, tg.Priority) {
			l.add(p.At, diag.Error, "goto-label", "%s(%s): %s@%s has no priority or label %q", app, p.Data, e, c.Name, tg.Priority)
		}
		return
	}
	cands := l.d.Candidates(ctxName, tg.Exten, "")
	if len(cands) == 0 {
		l.add(p.At, diag.Error, "goto-exten", "%s(%s): no extension in [%s] matches %s", app, p.Data, ctxName, tg.Exten)
		return
	}
	for _, cand := range cands {
		if hasPriority(cand.Ext, tg.Priority) {
			return
		}
	}
	l.add(p.At, diag.Error, "goto-label", "%s(%s): %s in [%s] has no priority or label %q", app, p.Data, tg.Exten, ctxName, tg.Priority)
}

func hasPriority(e *extconf.Extension, prio string) bool {
	if n, err := strconv.Atoi(prio); err == nil {
		return e.Priority(n) != nil
	}
	return e.Label(prio) != nil
}

// entries checks that each entry number, dialed into some context, ends in
// Hotline's Stasis application with the entry convention.
func (l *astLinter) entries() {
	cfg := l.opts.Config
	at := diag.Pos{File: l.opts.ConfigPath}
	if at.File == "" {
		at.File = "config"
	}
	for _, entry := range cfg.Entries {
		reached := false
		for _, c := range l.d.Contexts {
			tr := TraceAsterisk(l.d, c.Name, entry.Number, "", cfg)
			for _, end := range tr.Ends() {
				if end.End != EndHotline {
					continue
				}
				reached = true
				if len(end.Args) >= 2 && end.Args[0] == "entry" && !dynamic(end.Args[1]) && end.Args[1] != entry.Number {
					l.add(end.Pos, diag.Warning, "entry-args", "entry %s reaches Stasis with entry %s; Hotline will route it as %s", entry.Number, end.Args[1], end.Args[1])
				}
			}
			if reached {
				break
			}
		}
		if reached {
			l.shadowed(entry)
		}
		if !reached {
			l.add(at, diag.Error, "entry-unreached", "entry number %s (%s) is not routed to Stasis(%s,...) by any context", entry.Number, entryTarget(entry), cfg.PBX.Asterisk.App)
		}
	}
}

// shadowed warns about contexts that include Hotline's entry context but
// send an entry number elsewhere: their own extensions are matched before
// any include, so a catch-all pattern there takes the call.
func (l *astLinter) shadowed(entry config.Entry) {
	for _, c := range l.d.Contexts {
		inc := includeOf(l.d, c, AsteriskEntryContext, map[string]bool{})
		if inc == nil || strings.EqualFold(c.Name, AsteriskEntryContext) {
			continue
		}
		tr := TraceAsterisk(l.d, c.Name, entry.Number, "", l.opts.Config)
		ends := tr.Ends()
		if len(ends) > 0 && ends[0].End == EndHotline {
			continue
		}
		winner := "another extension"
		if len(tr.Candidates) > 0 {
			w := tr.Candidates[0].Ext
			winner = fmt.Sprintf("%s at %s", w, w.At)
		}
		l.add(inc.At, diag.Warning, "entry-shadowed", "[%s] includes %s, but entry %s dialed there matches %s first (own extensions win over includes)",
			c.Name, AsteriskEntryContext, entry.Number, winner)
	}
}

// includeOf returns the include line in c through which target is reached,
// directly or through other includes, or nil.
func includeOf(d *extconf.Dialplan, c *extconf.Context, target string, seen map[string]bool) *extconf.Include {
	if seen[strings.ToLower(c.Name)] {
		return nil
	}
	seen[strings.ToLower(c.Name)] = true
	for _, inc := range c.Includes {
		if strings.EqualFold(inc.Context, target) {
			return inc
		}
		if next := d.Context(inc.Context); next != nil && includeOf(d, next, target, seen) != nil {
			return inc
		}
	}
	return nil
}

// LintFreeSWITCH checks a loaded FreeSWITCH dialplan.
func LintFreeSWITCH(d *fsxml.Dialplan, opts LintOptions) []diag.Finding {
	var out []diag.Finding
	add := func(at diag.Pos, sev diag.Severity, code, format string, args ...any) {
		out = append(out, diag.New(at, sev, code, format, args...))
	}
	out = append(out, d.Problems...)
	checkRegex := func(at diag.Pos, expr string) {
		if expr == "" || dynamic(expr) {
			return
		}
		unchecked, err := fsxml.CheckRegex(expr)
		switch {
		case err == nil:
		case unchecked:
			add(at, diag.Info, "regex-pcre", "expression %q uses PCRE features this linter cannot check", expr)
		default:
			add(at, diag.Error, "regex", "expression %q does not compile: %v", expr, err)
		}
	}
	for _, c := range d.Contexts {
		for _, e := range c.Extensions {
			for _, cd := range e.Conditions {
				checkRegex(cd.At, cd.Expression)
				for _, r := range cd.Regexes {
					checkRegex(r.At, r.Expression)
				}
				for _, a := range append(append([]*fsxml.Action{}, cd.Actions...), cd.Anti...) {
					out = append(out, lintFSAction(d, c, a, opts)...)
				}
			}
		}
	}
	if opts.Config != nil {
		out = append(out, lintFSEntries(d, opts)...)
	}
	return diag.Sort(out)
}

func lintFSAction(d *fsxml.Dialplan, c *fsxml.Context, a *fsxml.Action, opts LintOptions) []diag.Finding {
	var out []diag.Finding
	switch a.Application {
	case "transfer", "execute_extension":
		fields := strings.Fields(a.Data)
		if len(fields) == 0 || strings.Contains(a.Data, "$") {
			return nil // variables or regex captures ($1): not checked
		}
		if len(fields) > 1 && !strings.EqualFold(fields[1], "XML") {
			return nil // another dialplan module
		}
		ctx := c.Name
		if len(fields) > 2 {
			ctx = fields[2]
		}
		target := d.Context(ctx)
		if target == nil {
			return append(out, diag.New(a.At, diag.Error, "transfer-context", "%s %s: context %q does not exist", a.Application, a.Data, ctx))
		}
		if len(d.Route(ctx, fields[0])) == 0 {
			out = append(out, diag.New(a.At, diag.Error, "transfer-exten", "%s %s: no extension in context %q matches %s", a.Application, a.Data, ctx, fields[0]))
		}
	case "socket":
		fields := strings.Fields(a.Data)
		if len(fields) == 0 {
			return append(out, diag.New(a.At, diag.Error, "socket-address", "socket without an address"))
		}
		if !slices.Contains(fields[1:], "async") || !slices.Contains(fields[1:], "full") {
			out = append(out, diag.New(a.At, diag.Warning, "socket-mode", "socket %s: Hotline expects \"async full\"", a.Data))
		}
		if opts.Config != nil && !dynamic(fields[0]) && !sameAddr(fields[0], opts.Config.PBX.FreeSWITCH.OutboundListen) {
			listen := opts.Config.PBX.FreeSWITCH.OutboundListen
			if listen == "" {
				listen = "nothing (outbound_listen is empty)"
			}
			out = append(out, diag.New(a.At, diag.Error, "socket-address", "socket %s: Hotline listens on %s", fields[0], listen))
		}
	}
	return out
}

// sameAddr compares host:port addresses, treating 0.0.0.0/:: listeners as
// reachable on any host.
func sameAddr(dial, listen string) bool {
	if dial == listen {
		return true
	}
	dh, dp, err1 := net.SplitHostPort(dial)
	lh, lp, err2 := net.SplitHostPort(listen)
	if err1 != nil || err2 != nil || dp != lp {
		return false
	}
	return dh == lh || lh == "" || lh == "0.0.0.0" || lh == "::"
}

// lintFSEntries checks each entry number is routed by some context to
// Hotline: a socket to its listener, or park with hotline_args set.
func lintFSEntries(d *fsxml.Dialplan, opts LintOptions) []diag.Finding {
	cfg := opts.Config
	at := diag.Pos{File: opts.ConfigPath}
	if at.File == "" {
		at.File = "config"
	}
	var out []diag.Finding
	for _, entry := range cfg.Entries {
		if !fsReaches(d, entry.Number, cfg) {
			out = append(out, diag.New(at, diag.Error, "entry-unreached",
				"entry number %s (%s) is not routed to Hotline (socket to %s or park with %s) by any context",
				entry.Number, entryTarget(entry), cfg.PBX.FreeSWITCH.OutboundListen, FreeSWITCHEntryVar))
		}
	}
	return out
}

func fsReaches(d *fsxml.Dialplan, number string, cfg *config.Config) bool {
	for _, c := range d.Contexts {
		if fsRouteReaches(d, c.Name, number, cfg, 0) {
			return true
		}
	}
	return false
}

// fsRouteReaches follows the route of number in context, through
// transfers, to a hand-over to Hotline.
func fsRouteReaches(d *fsxml.Dialplan, context, number string, cfg *config.Config, depth int) bool {
	if depth > maxTraceDepth {
		return false
	}
	for _, h := range d.Route(context, number) {
		entrySet := false
		for _, a := range h.Actions {
			data := h.Expand(a.Data)
			switch a.Application {
			case "set":
				entrySet = entrySet || strings.HasPrefix(data, FreeSWITCHEntryVar+"=")
			case "socket":
				if f := strings.Fields(data); len(f) > 0 && sameAddr(f[0], cfg.PBX.FreeSWITCH.OutboundListen) {
					return true
				}
			case "park":
				if entrySet {
					return true
				}
			case "transfer":
				f := strings.Fields(data)
				if len(f) == 0 || strings.Contains(data, "$") || len(f) > 1 && !strings.EqualFold(f[1], "XML") {
					continue
				}
				ctx := context
				if len(f) > 2 {
					ctx = f[2]
				}
				if fsRouteReaches(d, ctx, f[0], cfg, depth+1) {
					return true
				}
			}
		}
	}
	return false
}

// WriteFindings prints findings as `file:line: severity: message [code]`
// and a summary line.
func WriteFindings(w interface{ Write([]byte) (int, error) }, fs []diag.Finding) {
	for _, f := range fs {
		fmt.Fprintln(w, f)
	}
	fmt.Fprintf(w, "%d error(s), %d warning(s), %d note(s)\n",
		diag.Count(fs, diag.Error), diag.Count(fs, diag.Warning), diag.Count(fs, diag.Info))
}
