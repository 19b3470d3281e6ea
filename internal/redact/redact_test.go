package redact

import "testing"

// TestNumbers: a lead's number is cut to its last two digits in the
// log; an agent's endpoint, an extension and the trunk stay as they are.
func TestNumbers(t *testing.T) {
	for in, want := range map[string]string{
		"PJSIP/+33612345678@trunk":       "PJSIP/+…78@trunk",
		"Local/0612345678@hotline-leads": "Local/…78@hotline-leads",
		"PJSIP/alice":                    "PJSIP/alice",
		"PJSIP/1001":                     "PJSIP/1001",
		"SIP/trunk2/0044201234567":       "SIP/trunk2/…67",
		"":                               "",
	} {
		if got := Numbers(in); got != want {
			t.Errorf("Numbers(%q) = %q, want %q", in, got, want)
		}
	}
}
