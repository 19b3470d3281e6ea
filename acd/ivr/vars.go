package ivr

import (
	"maps"
	"slices"
	"strings"
)

// builtinVars are the variables a flow has without any node setting them:
// what the host knows of the caller when the call enters (VarKnown and
// VarTags only for a caller with a contact, else unset).
var builtinVars = []string{VarCaller, VarKnown, VarTags}

// setsVars names the variables a node sets.
func setsVars(n Node) []string {
	switch n := n.(type) {
	case *Collect:
		return []string{n.Var}
	case *LookupNode:
		return slices.Collect(maps.Keys(n.Read))
	case *Set:
		return slices.Collect(maps.Keys(n.Vars))
	case *Language:
		return []string{VarLanguage}
	case *FAQ:
		return []string{VarServed, "guess"}
	}
	return nil
}

// usesVars is each text of node n in which {name} is replaced, by the
// setting it is in.
func usesVars(n Node) map[string][]string {
	out := map[string][]string{}
	if s, ok := n.(Sayer); ok {
		for _, say := range s.Says() {
			for _, lang := range slices.Sorted(maps.Keys(say)) {
				out["say."+lang] = append(out["say."+lang], say[lang])
			}
		}
	}
	switch n := n.(type) {
	case *LookupNode:
		out["url"] = []string{n.URL}
		for _, k := range slices.Sorted(maps.Keys(n.Body)) {
			out["body."+k] = []string{n.Body[k]}
		}
	case *Set:
		for _, k := range slices.Sorted(maps.Keys(n.Vars)) {
			out["vars."+k] = []string{n.Vars[k]}
		}
	case *TransferNode:
		out["number"] = []string{n.Number}
	case *CallbackNode:
		out["number"] = []string{n.Number}
	}
	return out
}

// unknownVars checks that each {name} a flow's texts use is a variable the
// host sets or a node of the flow sets: a misspelt one would be said, put
// in a URL or dialed as nothing.
func unknownVars(nodes map[string]Node) []Problem {
	known := map[string]bool{}
	for _, v := range builtinVars {
		known[v] = true
	}
	for _, n := range nodes {
		for _, v := range setsVars(n) {
			known[v] = true
		}
	}
	var out []Problem
	for _, name := range slices.Sorted(maps.Keys(nodes)) {
		uses := usesVars(nodes[name])
		for _, field := range slices.Sorted(maps.Keys(uses)) {
			seen := map[string]bool{}
			for _, text := range uses[field] {
				for _, m := range varRef.FindAllStringSubmatch(text, -1) {
					v := m[1]
					if known[v] || strings.HasPrefix(v, SkillPrefix) || seen[v] {
						continue
					}
					seen[v] = true
					out = append(out, Problem{name + "." + field, "{" + v + "} is a variable no node of the flow sets (" + setters(known) + ")"})
				}
			}
		}
	}
	return out
}

// setters lists the variables a flow has, for a problem's text.
func setters(known map[string]bool) string {
	return "known: " + strings.Join(slices.Sorted(maps.Keys(known)), ", ")
}
