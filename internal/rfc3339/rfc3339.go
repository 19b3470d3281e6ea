// Package rfc3339 reads a time as RFC 3339 writes it, all of it: Go's
// time.RFC3339 layout refuses two forms the RFC allows, a lower-case "t"
// or "z" (section 5.6) and a leap second, 23:59:60 (section 5.7).
package rfc3339

import (
	"strings"
	"time"
)

// Parse reads s, an RFC 3339 date and time with its offset. A leap second
// is read as the second after :59 (Go's times have none), which is when the
// second after it begins.
func Parse(s string) (time.Time, error) {
	// T and Z are the only letters of the form: the other characters are
	// digits, signs, colons and a dot.
	norm := strings.Map(func(r rune) rune {
		switch r {
		case 't':
			return 'T'
		case 'z':
			return 'Z'
		}
		return r
	}, s)
	t, err := time.Parse(time.RFC3339, norm)
	if err == nil {
		return t, nil
	}
	// hh:mm:60 after the date's T: a leap second, which comes at the end
	// of a UTC day, 23:59:60 UTC (18:59:60-05:00).
	if i := strings.IndexByte(norm, 'T'); i >= 0 && len(norm) >= i+9 && norm[i+6:i+9] == ":60" {
		if t, lerr := time.Parse(time.RFC3339, norm[:i+7]+"59"+norm[i+9:]); lerr == nil {
			if u := t.UTC(); u.Hour() == 23 && u.Minute() == 59 {
				return t.Add(time.Second), nil
			}
		}
	}
	return time.Time{}, err
}
