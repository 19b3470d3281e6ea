package wire

import "strings"

// unsafe are the printable bytes FreeSWITCH's URL encoder escapes; it also
// escapes every byte below a space or above '~'.
const unsafe = "\r\n \"#%&+:;<=>?@[\\]^`{|}"

func mustEscape(c byte) bool {
	return c < ' ' || c > '~' || strings.IndexByte(unsafe, c) >= 0
}

const hexDigits = "0123456789ABCDEF"

// AppendEncoded appends s URL-encoded the way FreeSWITCH encodes event
// header values.
func AppendEncoded(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if mustEscape(c) {
			dst = append(dst, '%', hexDigits[c>>4], hexDigits[c&15])
			continue
		}
		dst = append(dst, c)
	}
	return dst
}

// Encode returns s URL-encoded the way FreeSWITCH encodes event header values.
func Encode(s string) string { return string(AppendEncoded(nil, s)) }

// Decode undoes Encode. A '%' not followed by two hex digits is kept as is,
// and '+' stays '+', as FreeSWITCH never encodes a space as '+'.
func Decode(s string) string {
	i := strings.IndexByte(s, '%')
	if i < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	b = append(b, s[:i]...)
	for ; i < len(s); i++ {
		c := s[i]
		if c == '%' && i+2 < len(s) {
			hi, ok1 := unhex(s[i+1])
			lo, ok2 := unhex(s[i+2])
			if ok1 && ok2 {
				b = append(b, hi<<4|lo)
				i += 2
				continue
			}
		}
		b = append(b, c)
	}
	return string(b)
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
