package dialplan

import (
	"slices"
	"strconv"
	"strings"

	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/ari"
	"github.com/hotline-cc/hotline/dialplan/diag"
	"github.com/hotline-cc/hotline/dialplan/extconf"
)

// confObject is one section of an Asterisk .conf file with its templates
// applied: the settings it ends up with, the last one of a name winning.
type confObject struct {
	name     string
	at       diag.Pos
	settings map[string]extconf.Setting // by lower-case name
}

func (o *confObject) get(name string) (string, bool) {
	s, ok := o.settings[name]
	return strings.TrimSpace(s.Value), ok
}

// confObjects reads a parsed .conf file into its sections, templates
// applied ("[name](tmpl1,tmpl2)"; "(!)" marks a template, left out).
// Sections sharing a name (pjsip.conf's endpoint and aor of one name) stay
// apart.
func confObjects(f *extconf.File) []*confObject {
	templates := map[string]*confObject{}
	var out []*confObject
	var cur *confObject
	for _, st := range f.Stmts {
		switch s := st.(type) {
		case *extconf.Section:
			cur = &confObject{name: s.Name, at: s.At, settings: map[string]extconf.Setting{}}
			for _, t := range s.Inherit {
				if tmpl := templates[t]; tmpl != nil {
					for k, v := range tmpl.settings {
						cur.settings[k] = v
					}
				}
			}
			if s.Template {
				templates[s.Name] = cur
			} else {
				out = append(out, cur)
			}
		case *extconf.Setting:
			if cur != nil {
				cur.settings[strings.ToLower(s.Name)] = *s
			}
		}
	}
	return out
}

// LintARIConf checks ari.conf: channelvars in [general] must list every
// variable Hotline reads (ari.ChannelVars).
func LintARIConf(f *extconf.File) []diag.Finding {
	out := slices.Clone(f.Problems)
	for _, o := range confObjects(f) {
		if !strings.EqualFold(o.name, "general") {
			continue
		}
		v, ok := o.get("channelvars")
		at := o.at
		if ok {
			at = o.settings["channelvars"].At
		}
		listed := map[string]bool{}
		for _, name := range strings.Split(v, ",") {
			listed[strings.TrimSpace(name)] = true
		}
		var missing []string
		for _, name := range ari.ChannelVars {
			if !listed[name] {
				missing = append(missing, name)
			}
		}
		if len(missing) > 0 {
			out = append(out, diag.New(at, diag.Warning, "ari-channelvars",
				"channelvars lacks %s: a caller's HOTLINE_PRIORITY is ignored without it, and a restarted Hotline reads variables one request at a time; want channelvars = %s",
				strings.Join(missing, ","), strings.Join(ari.ChannelVars, ",")))
		}
		return out
	}
	return append(out, diag.New(diag.Pos{File: f.Path, Line: 1}, diag.Warning, "ari-channelvars",
		"no [general] section: ARI is not enabled, and channelvars should be %s", strings.Join(ari.ChannelVars, ",")))
}

// LintPJSIP checks pjsip.conf against what Hotline needs of SIP phones and
// trunks. Agent endpoints (cfg's agents dialed as PJSIP/<name>) warn with
// direct media on (PJSIP's default: after re-INVITEs the audio bypasses
// Asterisk, and with it Hotline's recording and spying) and without
// qualify_frequency on their AORs (an offline phone then rings out the whole
// ring timeout as a no-answer instead of being skipped as unreachable).
// Other endpoints are trunks: without rtp_timeout, a call that dies without
// a BYE stays up, and its agent on the call, for ever.
func LintPJSIP(f *extconf.File, cfg *config.Config) []diag.Finding {
	out := slices.Clone(f.Problems)
	agents := map[string]string{} // endpoint name → agent id
	if cfg != nil {
		for _, a := range cfg.Agents {
			if name, ok := strings.CutPrefix(a.Endpoint, "PJSIP/"); ok && !strings.ContainsAny(name, "/@") {
				agents[name] = a.ID
			}
		}
	}
	aors := map[string]*confObject{}
	var endpoints []*confObject
	for _, o := range confObjects(f) {
		switch typ, _ := o.get("type"); typ {
		case "aor":
			aors[o.name] = o
		case "endpoint":
			endpoints = append(endpoints, o)
		}
	}
	add := func(at diag.Pos, code, format string, args ...any) {
		out = append(out, diag.New(at, diag.Warning, code, format, args...))
	}
	for _, ep := range endpoints {
		agent, isAgent := agents[ep.name]
		if !isAgent {
			if v, _ := ep.get("rtp_timeout"); !positive(v) {
				add(ep.at, "pjsip-rtp-timeout", "trunk endpoint %s has no rtp_timeout: a call that dies without a BYE stays up, and its agent on it; set rtp_timeout = 30", ep.name)
			}
			continue
		}
		if v, ok := ep.get("direct_media"); !ok || !isNo(v) {
			add(ep.at, "pjsip-direct-media", "agent %s's endpoint %s has direct_media on (the default): after re-INVITEs the audio bypasses Asterisk, and Hotline's recording and spying with it; set direct_media = no", agent, ep.name)
		}
		names, _ := ep.get("aors")
		qualified := false
		for _, n := range strings.Split(names, ",") {
			if a := aors[strings.TrimSpace(n)]; a != nil {
				if v, _ := a.get("qualify_frequency"); positive(v) {
					qualified = true
				}
			}
		}
		if !qualified {
			add(ep.at, "pjsip-qualify", "agent %s's endpoint %s has no AOR with qualify_frequency: an offline phone rings out the ring timeout as a no-answer instead of being skipped as unreachable; set qualify_frequency = 30 on its AOR", agent, ep.name)
		}
	}
	return out
}

func positive(v string) bool {
	n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	return err == nil && n > 0
}

func isNo(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "no", "false", "0", "off", "n", "f":
		return true
	}
	return false
}
