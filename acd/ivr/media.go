package ivr

import (
	"maps"
	"regexp"
	"slices"
	"strings"
)

// Say is media that is a text to speak, in a language: "say:en:Hello".
// Hosts turn it into a rendered prompt file (hotline ivr prompts) or speak it
// on the console.
const sayPrefix = "say:"

// SayMedia is the media item that speaks text in lang.
func SayMedia(lang, text string) string { return sayPrefix + lang + ":" + text }

// ParseSay splits a media item made by SayMedia; ok is false for other media.
func ParseSay(media string) (lang, text string, ok bool) {
	rest, ok := strings.CutPrefix(media, sayPrefix)
	if !ok {
		return "", "", false
	}
	lang, text, ok = strings.Cut(rest, ":")
	return lang, text, ok
}

// media is what a node plays to a call in state st: its media files, then
// its text (say: language → text) in the call's language, else English,
// else the first language by name.
func media(files []string, say map[string]string, st State) []string {
	out := append([]string(nil), files...)
	if len(say) == 0 {
		return out
	}
	lang := st.Var(VarLanguage)
	text, ok := say[lang]
	if !ok {
		lang = "en"
		if text, ok = say[lang]; !ok {
			lang = slices.Min(slices.Collect(maps.Keys(say)))
			text = say[lang]
		}
	}
	return append(out, SayMedia(lang, Expand(text, st.Vars)))
}

var varRef = regexp.MustCompile(`\{([A-Za-z0-9_.]+)\}`)

// Expand replaces each {name} in text by the variable's value ("" if unset).
func Expand(text string, vars map[string]string) string {
	return expand(text, vars, func(s string) string { return s })
}

func expand(text string, vars map[string]string, escape func(string) string) string {
	return varRef.ReplaceAllStringFunc(text, func(ref string) string { return escape(vars[ref[1:len(ref)-1]]) })
}

// Sayer is implemented by nodes with texts to speak, so that prompts can be
// rendered ahead of calls: each map is one text, language → words.
type Sayer interface{ Says() []map[string]string }

var (
	_ Sayer = (*PlayNode)(nil)
	_ Sayer = (*Hangup)(nil)
	_ Sayer = (*CallbackNode)(nil)
	_ Sayer = (*Collect)(nil)
	_ Sayer = (*Language)(nil)
	_ Sayer = (*FAQ)(nil)
)

// Says implements Sayer.
func (p *PlayNode) Says() []map[string]string { return []map[string]string{p.Say} }

// Says implements Sayer.
func (h *Hangup) Says() []map[string]string { return []map[string]string{h.Say} }

// Says implements Sayer.
func (c *CallbackNode) Says() []map[string]string { return []map[string]string{c.Say} }

// Says implements Sayer.
func (c *Collect) Says() []map[string]string { return []map[string]string{c.Say} }

// Says implements Sayer.
func (l *Language) Says() []map[string]string { return []map[string]string{l.Say} }

// Says implements Sayer.
func (f *FAQ) Says() []map[string]string {
	out := []map[string]string{f.Say, f.After, f.Confirm}
	for _, e := range f.Entries {
		out = append(out, e.Say)
	}
	return out
}

// Dynamic reports whether a text names variables, so it differs per call
// and cannot be rendered ahead.
func Dynamic(text string) bool { return varRef.MatchString(text) }
