package dialplan

import (
	"strings"
)

// splitArgs splits application data at sep the way Asterisk's argument
// parser does: not inside (), [], {} or double quotes, and not after '\'.
func splitArgs(s string, sep byte) []string {
	var out []string
	for {
		i := indexTop(s, sep)
		if i < 0 {
			return append(out, strings.TrimSpace(s))
		}
		out = append(out, strings.TrimSpace(s[:i]))
		s = s[i+1:]
	}
}

// cutTop cuts s at the first sep outside brackets and quotes.
func cutTop(s string, sep byte) (before, after string, found bool) {
	i := indexTop(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+1:], true
}

// indexTop finds sep outside brackets, quotes and backslash escapes.
func indexTop(s string, sep byte) int {
	depth, quoted := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '(' || c == '[' || c == '{':
			depth++
		case c == ')' || c == ']' || c == '}':
			if depth > 0 {
				depth--
			}
		case c == sep && depth == 0:
			return i
		}
	}
	return -1
}

// dynamic reports whether a dialplan value depends on variables or
// expressions, so it cannot be checked statically.
func dynamic(s string) bool { return strings.Contains(s, "${") || strings.Contains(s, "$[") }

// jumpKind is how an application moves the call.
type jumpKind int

const (
	jumpGoto  jumpKind = iota + 1 // continue there
	jumpGosub                     // call there, come back on Return
)

// target is "[[context,]exten,]priority" with the empty parts meaning
// "where the call is now".
type target struct {
	Context, Exten, Priority string
	Empty                    bool // an empty GotoIf branch: go on to the next priority
}

func (t target) dynamic() bool {
	return dynamic(t.Context) || dynamic(t.Exten) || dynamic(t.Priority)
}

func (t target) String() string {
	parts := []string{}
	if t.Context != "" {
		parts = append(parts, t.Context)
	}
	if t.Exten != "" || t.Context != "" {
		parts = append(parts, t.Exten)
	}
	return strings.Join(append(parts, t.Priority), ",")
}

func parseTarget(s string, gosub bool) target {
	s = strings.TrimSpace(s)
	if s == "" {
		return target{Empty: true}
	}
	parts := splitArgs(s, ',')
	if gosub {
		// Gosub(ctx,exten,prio(arg1,arg2)): arguments ride on the last part.
		last := parts[len(parts)-1]
		if i := strings.IndexByte(last, '('); i >= 0 && !dynamic(last[:i]) {
			parts[len(parts)-1] = strings.TrimSpace(last[:i])
		}
	}
	switch len(parts) {
	case 1:
		return target{Priority: parts[0]}
	case 2:
		return target{Exten: parts[0], Priority: parts[1]}
	default:
		return target{Context: parts[0], Exten: parts[1], Priority: parts[2]}
	}
}

// jump is the static effect of one application on the call's path.
type jump struct {
	Kind    jumpKind
	Cond    bool     // GotoIf and friends: Targets are the true and false branches
	Targets []target // one for Goto/Gosub, two for the conditional forms
}

// jumpOf returns how app moves the call; ok is false when it does not.
func jumpOf(app, data string) (jump, bool) {
	switch strings.ToLower(app) {
	case "goto":
		return jump{Kind: jumpGoto, Targets: []target{parseTarget(data, false)}}, true
	case "gosub":
		return jump{Kind: jumpGosub, Targets: []target{parseTarget(data, true)}}, true
	case "gotoif", "gotoiftime", "gosubif":
		kind := jumpGoto
		if strings.EqualFold(app, "gosubif") {
			kind = jumpGosub
		}
		_, branches, found := cutTop(data, '?')
		if !found {
			return jump{}, false
		}
		t, f, _ := cutTop(branches, ':')
		if strings.EqualFold(app, "gosubif") {
			// GosubIf(cond?labeliftrue(args):labeliffalse(args))
			return jump{Kind: kind, Cond: true, Targets: []target{parseTarget(t, true), parseTarget(f, true)}}, true
		}
		return jump{Kind: kind, Cond: true, Targets: []target{parseTarget(t, false), parseTarget(f, false)}}, true
	}
	return jump{}, false
}

// stasisCall is a Stasis(app,args...) application.
type stasisCall struct {
	App  string
	Args []string
}

func stasisOf(app, data string) (stasisCall, bool) {
	if !strings.EqualFold(app, "stasis") {
		return stasisCall{}, false
	}
	parts := splitArgs(data, ',')
	return stasisCall{App: parts[0], Args: parts[1:]}, true
}

// terminal reports applications after which the call does not go on in
// the dialplan.
func terminal(app string) bool {
	switch strings.ToLower(app) {
	case "hangup", "busy", "congestion", "stasis", "return", "stackpop":
		return true
	}
	return false
}
