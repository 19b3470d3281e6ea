// Package redact cuts customer numbers out of what Hotline logs.
package redact

import "strings"

// Numbers is s (a dial string, an error naming one) as a log shows it: a number in it (a run of
// five digits or more, a customer's as a lead's dial string has it) keeps
// its last two digits only, so that the log holds no customer number;
// agents' endpoints and trunk names are kept.
func Numbers(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		switch {
		case j-i >= 5:
			b.WriteString("…" + s[j-2:j])
			i = j
		case j > i:
			b.WriteString(s[i:j])
			i = j
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String()
}
