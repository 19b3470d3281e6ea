package esltest

import (
	"regexp"
	"strconv"
	"strings"
)

// SoundPrefix is the fake's sound_prefix global variable.
const SoundPrefix = "/usr/share/freeswitch/sounds/en/us/callie"

// sayString is the say engine called in a playback's argument, as
// FreeSWITCH expands it when the application starts.
var sayString = regexp.MustCompile(`\$\{say_string\(([^)]*)\)\}`)

// expandSay replaces each ${say_string(en.wav en number pronounced ~N)}
// with the files mod_say_en would give, or, without the module, with the
// usage error say_string answers then (which no file is named).
func (s *Server) expandSay(arg string) string {
	return sayString.ReplaceAllStringFunc(arg, func(m string) string {
		f := strings.Fields(sayString.FindStringSubmatch(m)[1])
		if !s.opts.SayModule || len(f) != 5 || f[0] != "en.wav" || f[1] != "en" || !strings.EqualFold(f[2], "number") || !strings.EqualFold(f[3], "pronounced") {
			return "-ERR Usage: <module_name>[.<ext>] <lang>[.<ext>] <say_type> <say_method> [<say_gender>] <text>"
		}
		text, strip := strings.CutPrefix(f[4], "~")
		n, err := strconv.Atoi(text)
		if err != nil || n < 0 {
			return "-ERR Usage: <module_name>[.<ext>] <lang>[.<ext>] <say_type> <say_method> [<say_gender>] <text>"
		}
		files := strings.Join(sayEn(n), "!")
		if !strip {
			files = "file_string://" + files
		}
		return files
	})
}

// sayEn is n as mod_say_en pronounces it, in its digits/ files.
func sayEn(n int) []string {
	d := func(k int) string { return "digits/" + strconv.Itoa(k) + ".wav" }
	if n == 0 {
		return []string{d(0)}
	}
	var out []string
	if n >= 1000 {
		out = append(out, sayEn(n/1000)...)
		out = append(out, "digits/thousand.wav")
		n %= 1000
	}
	if n >= 100 {
		out = append(out, d(n/100), "digits/hundred.wav")
		n %= 100
	}
	switch {
	case n >= 20:
		out = append(out, d(n/10*10))
		if n%10 != 0 {
			out = append(out, d(n%10))
		}
	case n > 0:
		out = append(out, d(n))
	}
	return out
}

// playable is the files of a playback FreeSWITCH finds, in order. A
// file_string:// list skips a file it cannot open and plays on; a
// playback none of whose files is found fails at once.
func (s *Server) playable(arg string) []string {
	list := []string{arg}
	if rest, isList := strings.CutPrefix(arg, "file_string://"); isList {
		list = strings.Split(rest, "!")
	}
	var found []string
	for _, f := range list {
		if s.fileExists(f) {
			found = append(found, f)
		}
	}
	return found
}

// fileExists tells whether FreeSWITCH would find f: a file relative to
// sound_prefix must be one of Options.Sounds, when that is set; a name
// holding "missing" never is.
func (s *Server) fileExists(f string) bool {
	if strings.Contains(f, "missing") || strings.HasPrefix(f, "-ERR") {
		return false
	}
	if s.opts.Sounds == nil || strings.Contains(f, "://") {
		return true
	}
	rel, inPrefix := strings.CutPrefix(f, SoundPrefix+"/")
	if !inPrefix && strings.HasPrefix(f, "/") {
		return true // a path of the site's own: recordings, files
	}
	for _, have := range s.opts.Sounds {
		if have == rel {
			return true
		}
	}
	return false
}
