package wire

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// parseJSONFast decodes the common shape of a FreeSWITCH JSON event, an
// object whose members are all strings, without encoding/json's token
// machinery, which costs more than everything else on the event path. It
// returns ok=false on anything else (numbers, arrays, bad UTF-8, errors), and
// the caller falls back to the general decoder, so both give one result.
func parseJSONFast(b []byte) (e Event, ok bool) {
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return Event{}, false
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return e, skipWS(b, i+1) == len(b)
	}
	e.Headers = make([]Header, 0, 64)
	for {
		var name, value string
		if name, i, ok = scanString(b, i); !ok {
			return Event{}, false
		}
		i = skipWS(b, i)
		if i >= len(b) || b[i] != ':' {
			return Event{}, false
		}
		if value, i, ok = scanString(b, skipWS(b, i+1)); !ok {
			return Event{}, false
		}
		switch name {
		case "_body":
			e.Body = value
		case "":
			return Event{}, false
		default:
			e.Headers = append(e.Headers, Header{Name: name, Value: value})
		}
		i = skipWS(b, i)
		if i >= len(b) {
			return Event{}, false
		}
		if b[i] == '}' {
			return e, skipWS(b, i+1) == len(b)
		}
		if b[i] != ',' {
			return Event{}, false
		}
		i = skipWS(b, i+1)
	}
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// scanString reads a JSON string starting at b[i] == '"'.
func scanString(b []byte, i int) (string, int, bool) {
	if i >= len(b) || b[i] != '"' {
		return "", i, false
	}
	i++
	start := i
	// Fast path: no escapes, ASCII only.
	for i < len(b) {
		c := b[i]
		if c == '"' {
			return string(b[start:i]), i + 1, true
		}
		if c == '\\' || c < 0x20 || c >= 0x80 {
			break
		}
		i++
	}
	out := make([]byte, 0, i-start+16)
	out = append(out, b[start:i]...)
	for i < len(b) {
		c := b[i]
		switch {
		case c == '"':
			return string(out), i + 1, true
		case c < 0x20:
			return "", i, false
		case c >= 0x80:
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size == 1 {
				return "", i, false // encoding/json would substitute; let it
			}
			out = append(out, b[i:i+size]...)
			i += size
		case c != '\\':
			out = append(out, c)
			i++
		default:
			if i+1 >= len(b) {
				return "", i, false
			}
			switch b[i+1] {
			case '"', '\\', '/':
				out = append(out, b[i+1])
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r, n, ok := scanEscape(b, i)
				if !ok {
					return "", i, false
				}
				out = utf8.AppendRune(out, r)
				i += n
				continue
			default:
				return "", i, false
			}
			i += 2
		}
	}
	return "", i, false
}

// scanEscape reads \uXXXX, or a surrogate pair of them, at b[i].
func scanEscape(b []byte, i int) (rune, int, bool) {
	r1, ok := hex4(b, i+2)
	if !ok {
		return 0, 0, false
	}
	if !utf16.IsSurrogate(r1) {
		return r1, 6, true
	}
	if i+12 <= len(b) && b[i+6] == '\\' && b[i+7] == 'u' {
		if r2, ok := hex4(b, i+8); ok {
			if r := utf16.DecodeRune(r1, r2); r != utf8.RuneError {
				return r, 12, true
			}
		}
	}
	return utf8.RuneError, 6, true
}

func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[i:i+4]), 16, 32)
	return rune(n), err == nil
}

// appendJSONString writes s as a JSON string. Invalid UTF-8 becomes U+FFFD,
// as encoding/json does.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c < 0x20:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, `\ufffd`...)
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return append(dst, '"')
}
