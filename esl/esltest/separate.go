package esltest

import "strings"

// FreeSWITCH reads the arguments of "originate" with its string splitter
// three times over: the command's arguments on blanks, the {...} block on
// commas, each variable on its first '='. Every pass removes one level of
// quoting: a backslash escapes ', ", \, the pass's delimiter and n r t s
// (newline, return, tab, space), and keeps any other character with the
// backslash; a ' opens or closes a quoted part only when another ' follows
// it or it closes one. So a backslash in a value must be sent as eight.

// separate splits s on delim (' ' splits on blanks and tabs) into at most max
// parts (0: no limit) and cleans each part as FreeSWITCH does.
func separate(s string, delim byte, max int) []string {
	isDelim := func(c byte) bool {
		if delim == ' ' {
			return c == ' ' || c == '\t'
		}
		return c == delim
	}
	var parts []string
	start, quoted := 0, false
	for i := 0; i < len(s); i++ {
		if max > 0 && len(parts) == max-1 {
			break
		}
		c := s[i]
		switch {
		case c == '\\':
			i++
		case c == '\'' && (quoted || strings.IndexByte(s[i+1:], '\'') >= 0):
			quoted = !quoted
		case isDelim(c) && !quoted:
			if delim != ' ' || i > start {
				parts = append(parts, s[start:i])
			}
			start = i + 1
		}
	}
	if start < len(s) || delim != ' ' {
		parts = append(parts, s[start:])
	}
	for i, p := range parts {
		parts[i] = cleanSeparated(p, delim)
	}
	return parts
}

// cleanSeparated removes one level of quotes and escapes from a part, and
// the spaces around it that are neither quoted nor escaped.
func cleanSeparated(s string, delim byte) string {
	s = strings.TrimLeft(s, " ")
	var out []byte
	end, quoted := 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			e := s[i+1]
			switch e {
			case 'n':
				e = '\n'
			case 'r':
				e = '\r'
			case 't':
				e = '\t'
			case 's':
				e = ' '
			}
			if e != s[i+1] || e == '\'' || e == '"' || e == '\\' || e == delim {
				out = append(out, e)
				end = len(out)
				i++
				continue
			}
		}
		if c == '\'' && (quoted || strings.IndexByte(s[i+1:], '\'') >= 0) {
			quoted = !quoted
			continue
		}
		out = append(out, c)
		if c != ' ' || quoted {
			end = len(out)
		}
	}
	return string(out[:end])
}
