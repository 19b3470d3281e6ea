package fsxml

import (
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// Hit is an extension FreeSWITCH runs for a number, with the actions queued.
type Hit struct {
	Ext     *Extension
	Actions []*Action
	Assumed []string // fields whose conditions were assumed to hold
	// Captures are the groups of the last destination_number match, for
	// $1..$9 in action data.
	Captures []string
}

// Expand replaces $1..$9 in data with the hit's captures.
func (h Hit) Expand(data string) string {
	for i := len(h.Captures) - 1; i >= 1; i-- {
		data = strings.ReplaceAll(data, "$"+strconv.Itoa(i), h.Captures[i])
	}
	return data
}

// IsDestinationField reports whether a condition field is the dialed number.
func IsDestinationField(field string) bool {
	return field == "destination_number" || field == "${destination_number}"
}

// Route returns the extensions of context that may run for number, in
// order: every extension whose conditions hold, up to and including the
// first one without continue="true". An extension that matched only by
// assuming conditions on other fields (caller, variables) may not run, so
// the search goes on past it.
func (d *Dialplan) Route(context, number string) []Hit {
	c := d.Context(context)
	if c == nil {
		return nil
	}
	var hits []Hit
	for _, e := range c.Extensions {
		h, ok := e.match(number)
		if !ok {
			continue
		}
		hits = append(hits, h)
		if !e.Continue && len(h.Assumed) == 0 {
			break
		}
	}
	return hits
}

// match evaluates the conditions with the default break="on-false": the
// first false condition ends the extension.
func (e *Extension) match(number string) (Hit, bool) {
	h := Hit{Ext: e}
	for _, c := range e.Conditions {
		ok := true
		switch {
		case c.Field == "":
		case IsDestinationField(c.Field):
			re, err := regexp.Compile(c.Expression)
			var m []string
			if err == nil {
				m = re.FindStringSubmatch(number)
			}
			ok = m != nil
			if ok {
				h.Captures = m
			}
		default:
			h.Assumed = append(h.Assumed, c.Field)
		}
		if !ok {
			if c.Break == "never" {
				continue
			}
			return h, false
		}
		h.Actions = append(h.Actions, c.Actions...)
	}
	return h, len(e.Conditions) > 0
}

// Dump writes contexts, extensions, conditions and actions with their lines.
func (d *Dialplan) Dump(w io.Writer) {
	for _, c := range d.Contexts {
		fmt.Fprintf(w, "context %q %s\n", c.Name, c.At)
		for _, e := range c.Extensions {
			cont := ""
			if e.Continue {
				cont = " continue"
			}
			fmt.Fprintf(w, "  extension %q%s %s\n", e.Name, cont, e.At)
			for _, cd := range e.Conditions {
				fmt.Fprintf(w, "    condition field=%q expression=%q", cd.Field, cd.Expression)
				if cd.Break != "" {
					fmt.Fprintf(w, " break=%s", cd.Break)
				}
				fmt.Fprintf(w, " %s\n", cd.At)
				for _, r := range cd.Regexes {
					fmt.Fprintf(w, "      regex field=%q expression=%q %s\n", r.Field, r.Expression, r.At)
				}
				for _, a := range cd.Actions {
					fmt.Fprintf(w, "      action %s %q %s\n", a.Application, a.Data, a.At)
				}
				for _, a := range cd.Anti {
					fmt.Fprintf(w, "      anti-action %s %q %s\n", a.Application, a.Data, a.At)
				}
			}
		}
	}
}

// pcreOnly reports constructs RE2 does not support but PCRE does.
func pcreOnly(expr string) bool {
	for _, s := range []string{"(?=", "(?!", "(?<=", "(?<!", "(?>", `\1`, `\2`, `\3`, "*+", "++", "?+"} {
		if strings.Contains(expr, s) {
			return true
		}
	}
	return false
}

// CheckRegex compiles a condition expression: err is nil when it compiles,
// unchecked is true when it fails only for PCRE features RE2 lacks.
func CheckRegex(expr string) (unchecked bool, err error) {
	if _, err = regexp.Compile(expr); err == nil {
		return false, nil
	}
	return pcreOnly(expr), err
}
